package mail

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// authenticateToken presents an OAuth2 access token: OAUTHBEARER when the
// server advertises it (RFC 7628, the standard), else XOAUTH2 (all that
// Microsoft offers). A refusal is classified from the server's JSON error:
// ErrTokenRejected (the token no longer works) or ErrAccessRefused (the
// account may not use IMAP); "[UNAVAILABLE]" is a server fault (retried).
func (s *session) authenticateToken(token string) error {
	caps := s.client.Caps()
	var c *oauthClient
	switch {
	case caps.Has(imap.AuthCap(mechOAuthBearer)):
		port, _ := strconv.Atoi(portOf(s.acct))
		c = newOAuthBearer(s.acct.Username, token, strings.Trim(s.acct.Host, "[]"), port)
	case caps.Has(imap.AuthCap(mechXOAuth2)):
		c = newXOAuth2(s.acct.Username, token)
	default:
		return fmt.Errorf("%w: %s offers no OAuth2 sign-in (neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2)", ErrConfig, s.acct.Host)
	}
	err := s.client.Authenticate(c)
	if err == nil {
		return nil
	}
	return s.classifyTokenRefusal(c, err)
}

func (s *session) classifyTokenRefusal(c *oauthClient, err error) error {
	who := fmt.Sprintf("%s at %s (%s)", s.acct.Username, s.acct.Host, c.mech)
	var imapErr *imap.Error
	isIMAP := errors.As(err, &imapErr)
	if c.failed != nil {
		// The JSON error is the server's reason; the tagged answer after it
		// may be a NO, or a BAD for go-imap's "=" (see auth_sasl.go).
		if c.failed.classify() == tokenStatusNoAccess {
			return fmt.Errorf("%w: %s: %s", ErrAccessRefused, who, c.failed.describe())
		}
		return fmt.Errorf("%w: %s: %s", ErrTokenRejected, who, c.failed.describe())
	}
	if !isIMAP {
		return fmt.Errorf("sign-in at %s: %w", s.acct.Addr(), cleanNetErr(err))
	}
	text := sanitizeServerText(imapErr.Text)
	switch {
	case imapErr.Code == imap.ResponseCodeUnavailable:
		return fmt.Errorf("sign-in at %s: server unavailable: %s", s.acct.Host, text)
	case imapErr.Code == imap.ResponseCodeAuthorizationFailed:
		return fmt.Errorf("%w: %s: %s", ErrAccessRefused, who, text)
	case imapErr.Type == imap.StatusResponseTypeNo:
		// No JSON (Microsoft says only "AUTHENTICATE failed."): the token is
		// the likely culprit; one fresh token is worth a try.
		return fmt.Errorf("%w: %s: %s", ErrTokenRejected, who, text)
	}
	return fmt.Errorf("sign-in refused by %s: %s %s", s.acct.Host, imapErr.Type, text)
}

// refusedAfterTokenLogin reports whether a refused EXAMINE says the
// token-based login did not really take: Microsoft's "User is authenticated
// but not connected", or an explicit AUTHENTICATIONFAILED/AUTHORIZATIONFAILED.
func refusedAfterTokenLogin(e *imap.Error) bool {
	if e.Code == imap.ResponseCodeAuthenticationFailed || e.Code == imap.ResponseCodeAuthorizationFailed {
		return true
	}
	return strings.Contains(strings.ToLower(e.Text), "authenticated but not connected")
}

// serverClosed is the error for a connection the server closed while the
// session waited (IDLE, a poll): ErrTokenExpired when its BYE said the
// access token expired, so the caller reconnects with a fresh token quietly.
func (s *session) serverClosed() error {
	bye := s.bye.lastBye()
	if s.oauth && tokenExpiredBye(bye) {
		return fmt.Errorf("server said BYE %s: %w", bye, ErrTokenExpired)
	}
	if bye != "" {
		return fmt.Errorf("server closed the connection: %s", bye)
	}
	return errors.New("server closed the connection")
}

// secretForms lists what must never show in a trace for cred: the secret
// itself, its base64, and the base64 of every SASL message that carries it.
// (While a login is in flight the trace is blanked whole anyway; these are
// masked in every later line too.)
func secretForms(a Account, cred Credential) []string {
	if cred.Secret == "" {
		return nil
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	forms := []string{cred.Secret, b64(cred.Secret)}
	if cred.Kind == CredentialOAuth2 {
		port, _ := strconv.Atoi(portOf(a))
		forms = append(forms,
			b64(string(newXOAuth2(a.Username, cred.Secret).initial)),
			b64(string(newOAuthBearer(a.Username, cred.Secret, strings.Trim(a.Host, "[]"), port).initial)))
	} else {
		forms = append(forms, b64("\x00"+a.Username+"\x00"+cred.Secret))
	}
	return forms
}
