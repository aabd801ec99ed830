package discover

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mailbell/mail"
)

// Errors of an autoconfig document; each is wrapped with detail.
var (
	ErrTooLarge   = errors.New("autoconfig too large")
	ErrMalformed  = errors.New("autoconfig malformed")
	ErrNoIMAP     = errors.New("autoconfig offers no usable IMAP server")
	ErrPlaintext  = errors.New("autoconfig offers IMAP only without encryption")
	errNoDoctype  = errors.New("a DOCTYPE or other directive is refused")
	errTooDeep    = errors.New("nested too deeply")
	errTooManyTok = errors.New("too many elements")
)

// DefaultMaxXMLSize bounds an autoconfig document; real ones are a few KiB.
const DefaultMaxXMLSize = 256 << 10

// Bounds on a document's shape, far above any real autoconfig file.
const (
	maxXMLDepth  = 32
	maxXMLTokens = 20000
)

// clientConfig is the part of Thunderbird's config-v1.1.xml that matters.
// Every field is a string: a wrong value in one server skips that server
// instead of failing the document.
type clientConfig struct {
	XMLName  xml.Name         `xml:"clientConfig"`
	Incoming []incomingServer `xml:"emailProvider>incomingServer"`
	Webmail  []struct {
		URL string `xml:"url,attr"`
	} `xml:"webMail>loginPage"`
}

type incomingServer struct {
	Type           string   `xml:"type,attr"`
	Hostname       string   `xml:"hostname"`
	Port           string   `xml:"port"`
	SocketType     string   `xml:"socketType"`
	Username       string   `xml:"username"`
	Authentication []string `xml:"authentication"`
}

// readLimited reads at most max bytes of r; more is ErrTooLarge.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read autoconfig: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

// parseAutoconfig turns a document into the best IMAP server it offers, for
// the address a. It refuses any directive (so a DOCTYPE, with or without
// entities, never reaches the parser that fills the struct), bounds the
// nesting and the number of tokens, and validates host, port and security.
func parseAutoconfig(data []byte, a address) (Result, error) {
	if err := checkShape(data); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var cfg clientConfig
	if err := xml.Unmarshal(data, &cfg); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	best, rank, sawPlain := Result{}, -1, false
	var reasons []string
	for _, s := range cfg.Incoming {
		r, rk, err := s.candidate(a)
		if err != nil {
			reasons = append(reasons, err.Error())
			if errors.Is(err, ErrPlaintext) {
				sawPlain = true
			}
			continue
		}
		if rk > rank {
			best, rank = r, rk
		}
	}
	if rank < 0 {
		if sawPlain {
			return Result{}, fmt.Errorf("%w (%s)", ErrPlaintext, strings.Join(reasons, "; "))
		}
		if len(reasons) == 0 {
			reasons = append(reasons, "no incomingServer")
		}
		return Result{}, fmt.Errorf("%w (%s)", ErrNoIMAP, strings.Join(reasons, "; "))
	}
	for _, w := range cfg.Webmail {
		if u := strings.TrimSpace(w.URL); strings.HasPrefix(u, "https://") && len(u) < 2048 {
			best.Webmail = u
			break
		}
	}
	return best, nil
}

// checkShape walks the tokens once: no directives, bounded depth and size.
func checkShape(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, n := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n++; n > maxXMLTokens {
			return errTooManyTok
		}
		switch tok.(type) {
		case xml.Directive:
			return errNoDoctype
		case xml.StartElement:
			if depth++; depth > maxXMLDepth {
				return errTooDeep
			}
		case xml.EndElement:
			depth--
		}
	}
}

// candidate checks one incomingServer and ranks it: SSL 2, STARTTLS 1,
// plain 0 (only on loopback).
func (s incomingServer) candidate(a address) (Result, int, error) {
	if !strings.EqualFold(strings.TrimSpace(s.Type), "imap") {
		return Result{}, 0, fmt.Errorf("type %.20q is not imap", s.Type)
	}
	host := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(a.expand(s.Hostname))), ".")
	if !validHostname(host) {
		return Result{}, 0, fmt.Errorf("hostname %.80q is not a host name", s.Hostname)
	}
	port, err := strconv.Atoi(strings.TrimSpace(s.Port))
	if err != nil || port < 1 || port > 65535 {
		return Result{}, 0, fmt.Errorf("port %.20q is not a port", s.Port)
	}
	var sec mail.Security
	var rank int
	switch strings.ToUpper(strings.TrimSpace(s.SocketType)) {
	case "SSL", "TLS":
		sec, rank = mail.SecurityTLS, 2
	case "STARTTLS":
		sec, rank = mail.SecuritySTARTTLS, 1
	case "PLAIN":
		if !isLoopback(host) {
			return Result{}, 0, fmt.Errorf("%w: %s", ErrPlaintext, host)
		}
		sec, rank = mail.SecurityPlain, 0
	default:
		return Result{}, 0, fmt.Errorf("socketType %.20q is unknown", s.SocketType)
	}
	user := strings.TrimSpace(s.Username)
	if user == "" {
		user = "%EMAILADDRESS%"
	}
	return Result{
		Host: host, Port: port, Security: sec, Username: a.expand(user),
		Auth: authOf(s.Authentication),
	}, rank, nil
}

// authOf maps the authentication elements: OAuth2 alone means OAuth2 only;
// OAuth2 beside a password method means either.
func authOf(methods []string) Auth {
	oauth, password := false, false
	for _, m := range methods {
		switch strings.ToLower(strings.TrimSpace(m)) {
		case "oauth2":
			oauth = true
		case "password-cleartext", "password-encrypted", "plain", "secure":
			password = true
		}
	}
	switch {
	case oauth && password:
		return AuthOAuth2OrPassword
	case oauth:
		return AuthOAuth2
	}
	return AuthPassword
}
