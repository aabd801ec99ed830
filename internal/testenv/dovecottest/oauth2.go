package dovecottest

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// OAuth2 turns on Dovecot's oauth2 passdb: AUTHENTICATE XOAUTH2 and
// OAUTHBEARER are offered, and Dovecot checks each token by asking
// TokenInfoURL+TOKEN (200 with {"email": USER} takes it, a 4xx refuses it),
// e.g. oauth2test.Server.TokenInfoURL. Passwords keep working for PLAIN
// and LOGIN. The user a token logs in must be one of Options.Users (the
// userdb), and the email tokeninfo answers must equal the login name.
type OAuth2 struct {
	TokenInfoURL string
	// Scope, when set, is the scope Dovecot names in its error challenge.
	Scope string
}

// oauth2ConfFile is the oauth2 passdb's own settings file.
const oauth2ConfFile = "dovecot-oauth2.conf.ext"

// authMechanisms is Dovecot's auth_mechanisms for this server.
func (s *Server) authMechanisms() string {
	if s.opts.OAuth2 == nil {
		return "plain login"
	}
	return "plain login xoauth2 oauthbearer"
}

// writeOAuth2 writes the oauth2 passdb's settings file and its passdb
// block (before the password one: only the two token mechanisms reach it,
// and its verdict is final for them).
func (s *Server) writeOAuth2(p func(string, ...any)) error {
	o := s.opts.OAuth2
	if o == nil {
		return nil
	}
	u, err := url.Parse(o.TokenInfoURL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("dovecottest: OAuth2.TokenInfoURL %q is not an http(s) URL", o.TokenInfoURL)
	}
	if strings.ContainsAny(o.TokenInfoURL+o.Scope, " \n\r\"") {
		return fmt.Errorf("dovecottest: OAuth2 settings must not hold spaces, quotes or newlines")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tokeninfo_url = %s\n", o.TokenInfoURL)
	b.WriteString("username_attribute = email\n")
	b.WriteString("timeout_msecs = 5000\n")
	if o.Scope != "" {
		fmt.Fprintf(&b, "scope = %s\n", o.Scope)
	}
	path := filepath.Join(s.dir, oauth2ConfFile)
	// Read by the auth process, which runs as another user when we are root.
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	p("passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = %s\n  result_failure = return-fail\n  result_internalfail = return-fail\n}", path)
	return nil
}
