package oauth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// TerminalOptions configure SignInTerminal.
type TerminalOptions struct {
	// Address is the account's address (login_hint, and the words printed).
	Address string
	// Device uses the device-code flow (Microsoft only) instead of the
	// browser and its loopback redirect.
	Device bool
	// OpenBrowser, when set, is tried with the URL (xdg-open on a desktop;
	// nil over SSH). The URL is printed either way.
	OpenBrowser func(url string) error
	// Port is the loopback port to listen on (0: the system's choice).
	Port int
	// Timeout is how long to wait for the browser (default 5 min).
	Timeout time.Duration
	// HTTPClient talks to the provider's endpoints (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives progress, never a token (nil: slog.Default()).
	Logger *slog.Logger
}

// SignInTerminal is `mailbell signin ACCOUNT_ID [--device]`: it prints the
// sign-in URL (and the port to forward when the browser is on another
// machine) or the device code to w, waits for the sign-in, and saves the
// refresh token to store. It prints nothing secret. The returned Result
// holds the tokens for a caller that wants the access token at once.
func SignInTerminal(ctx context.Context, w io.Writer, p Provider, store RefreshStore, opts TerminalOptions) (Result, error) {
	who := opts.Address
	if who == "" {
		who = "the account"
	}
	var (
		res Result
		err error
	)
	if opts.Device {
		res, err = SignInDevice(ctx, p, DeviceOptions{HTTPClient: opts.HTTPClient, Logger: opts.Logger,
			Show: func(dc DeviceCode) {
				fmt.Fprintf(w, "To sign in %s with %s, open\n\n    %s\n\non any device and enter the code\n\n    %s\n\n", who, p.Kind.Name(), dc.VerificationURI, dc.UserCode)
				if !dc.Expiry.IsZero() {
					fmt.Fprintf(w, "The code works until %s. Waiting…\n", dc.Expiry.Local().Format("15:04"))
				} else {
					fmt.Fprintln(w, "Waiting…")
				}
			}})
	} else {
		var s *BrowserSignIn
		s, err = StartBrowser(p, SignInOptions{Address: opts.Address, Timeout: opts.Timeout, Port: opts.Port,
			HTTPClient: opts.HTTPClient, Logger: opts.Logger})
		if err != nil {
			return Result{}, err
		}
		fmt.Fprintf(w, "To sign in %s with %s, open this address in a browser:\n\n    %s\n\n", who, p.Kind.Name(), s.URL())
		fmt.Fprintf(w, "The browser comes back to %s on this machine.\n", s.RedirectURL())
		fmt.Fprintf(w, "If the browser runs on another machine, forward the port first, from that machine:\n    ssh -L %d:127.0.0.1:%d THIS_HOST\n", s.Port(), s.Port())
		fmt.Fprintf(w, "Waiting for the browser (up to %s)…\n", roundDur(s.opts.Timeout))
		if opts.OpenBrowser != nil {
			// On its own goroutine: the browser comes back to Wait.
			url := s.URL()
			go func() {
				if oerr := opts.OpenBrowser(url); oerr != nil {
					slogOr(opts.Logger).Info("oauth2: no browser opened; open the printed address by hand", "error", oerr)
				}
			}()
		}
		res, err = s.Wait(ctx)
	}
	if err != nil {
		return Result{}, err
	}
	if err := store.Set(ctx, res.Token.RefreshToken); err != nil {
		return Result{}, fmt.Errorf("signed in, but saving the refresh token failed: %w", err)
	}
	if res.Email != "" {
		fmt.Fprintf(w, "Signed in as %s. The sign-in is saved; Mailbell uses it from now on.\n", res.Email)
	} else {
		fmt.Fprintf(w, "Signed in. The sign-in is saved; Mailbell uses it from now on.\n")
	}
	return res, nil
}

func slogOr(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
