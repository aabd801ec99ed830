package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// DeviceCode is what the person needs to finish a device-code sign-in on
// another device: open VerificationURI and type UserCode.
type DeviceCode struct {
	UserCode        string
	VerificationURI string
	// VerificationURIComplete, when the provider gives one, has the code
	// in it already.
	VerificationURIComplete string
	// Expiry is when the code stops working (zero: not said).
	Expiry time.Time
}

// DeviceOptions configure a device-code sign-in.
type DeviceOptions struct {
	// Show is called once with the code to enter; required.
	Show func(DeviceCode)
	// HTTPClient talks to the device and token endpoints (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives progress, never a token (nil: slog.Default()).
	Logger *slog.Logger
}

// SignInDevice runs the device-code flow (RFC 8628): it asks for a code,
// shows it through opts.Show, and polls until the person has signed in on
// another device, the code expires (ErrSignInTimeout) or ctx ends. Only
// providers that allow it for mail (Microsoft) are accepted: Google
// refuses the device flow for the mail scope (ErrDeviceNotAllowed).
func SignInDevice(ctx context.Context, p Provider, opts DeviceOptions) (Result, error) {
	if !p.Device {
		return Result{}, fmt.Errorf("%w: %s does not allow it; use the browser sign-in instead (mailbell signin without --device; over SSH, forward the port it prints)", ErrDeviceNotAllowed, p.Kind.Name())
	}
	if p.Endpoint.DeviceAuthURL == "" {
		return Result{}, fmt.Errorf("%w: the provider has no device endpoint", ErrDeviceNotAllowed)
	}
	if opts.Show == nil {
		return Result{}, errors.New("oauth2: SignInDevice needs DeviceOptions.Show")
	}
	client := opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg := p.config("")
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		return Result{}, classify(err, ErrCodeRefused, p.ClientSecret)
	}
	opts.Show(DeviceCode{UserCode: da.UserCode, VerificationURI: da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete, Expiry: da.Expiry})
	var extra []oauth2.AuthCodeOption
	if p.ClientSecret != "" {
		extra = append(extra, oauth2.SetAuthURLParam("client_secret", p.ClientSecret))
	}
	tok, err := cfg.DeviceAccessToken(ctx, da, extra...)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("sign-in cancelled: %w", ctx.Err())
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return Result{}, fmt.Errorf("%w: the code expired before the sign-in finished; start again", ErrSignInTimeout)
		}
		return Result{}, classify(err, ErrCodeRefused, da.DeviceCode, p.ClientSecret)
	}
	if tok.RefreshToken == "" {
		return Result{}, ErrNoRefreshToken
	}
	res := Result{Token: tok, Email: emailOf(tok)}
	log.Info("oauth2: signed in with a device code", "provider", string(p.Kind), "email", res.Email)
	return res, nil
}
