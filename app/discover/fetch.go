package discover

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrNotHTTPS is returned for a URL, or a redirect, that is not https.
var ErrNotHTTPS = errors.New("only https is allowed")

const maxRedirects = 5

// httpsOnly returns a copy of c that refuses redirects to anything but https
// and stops after a few. The caller's client is left unchanged.
func httpsOnly(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %s: %w", redact(req.URL), ErrNotHTTPS)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		return nil
	}
	return &cc
}

// fetchConfig GETs an autoconfig document over HTTPS and parses it for a.
// Errors never carry the query string, which holds the address.
func (s *search) fetchConfig(ctx context.Context, rawURL string, a address) (Result, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Result{}, fmt.Errorf("bad URL: %w", err)
	}
	if u.Scheme != "https" {
		return Result{}, fmt.Errorf("%s: %w", redact(u), ErrNotHTTPS)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.StepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("GET %s: %w", redact(u), err)
	}
	req.Header.Set("Accept", "application/xml, text/xml")
	req.Header.Set("User-Agent", "Mailbell")
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Result{}, fmt.Errorf("GET %s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("GET %s: HTTP %s", redact(u), resp.Status)
	}
	data, err := readLimited(resp.Body, s.opts.MaxXMLSize)
	if err != nil {
		return Result{}, fmt.Errorf("GET %s: %w", redact(u), err)
	}
	r, err := parseAutoconfig(data, a)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", redact(u), err)
	}
	return r, nil
}

// redact is the URL without its query and fragment.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

// Where each source lives.
func autoconfigURL(domain string, a address) string {
	return "https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(a.full)
}

func wellKnownURL(domain string) string {
	return "https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml"
}

func ispdbURL(base, domain string) string {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + url.PathEscape(domain)
}
