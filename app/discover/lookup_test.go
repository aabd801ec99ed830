package discover

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"mailbell/mail"
)

const acPath = "/mail/config-v1.1.xml"
const wkPath = "/.well-known/autoconfig/mail/config-v1.1.xml"

func lookup(t *testing.T, email string, o Options) Result {
	t.Helper()
	r, err := Lookup(context.Background(), email, o)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", email, err)
	}
	return r
}

func want(t *testing.T, r Result, host string, port int, sec mail.Security, src Source) {
	t.Helper()
	if r.Host != host || r.Port != port || r.Security != sec || r.Source != src {
		t.Fatalf("got %s:%d %s from %s, want %s:%d %s from %s (%+v)", r.Host, r.Port, r.Security, r.Source, host, port, sec, src, r)
	}
}

func TestPresetAsksNoNetwork(t *testing.T) {
	e := newEnv(t)
	o, pl := e.options()
	r := lookup(t, "Ann@GMail.com", o)
	want(t, r, "imap.gmail.com", 993, mail.SecurityTLS, SourcePreset)
	if r.Auth != AuthOAuth2OrPassword || r.OAuth2Provider != OAuth2Google || r.Webmail != "https://mail.google.com/" {
		t.Fatalf("auth %q provider %q webmail %q", r.Auth, r.OAuth2Provider, r.Webmail)
	}
	if r.Username != "Ann@gmail.com" {
		t.Fatalf("username %q", r.Username)
	}
	if hits, qs := e.requested(), e.dns.seen(); len(hits) != 0 || len(qs) != 0 {
		t.Fatalf("a preset asked the network: HTTP %v DNS %v", hits, qs)
	}
	if got := pl.texts(); len(got) != 1 || !strings.Contains(got[0], "list of mail providers") {
		t.Fatalf("progress %q", got)
	}
	if got, w := r.Describe(), "Found: imap.gmail.com, port 993, TLS — from Mailbell's settings for Gmail. Sign in with Google, or use an app password"; got != w {
		t.Fatalf("Describe:\n got %q\nwant %q", got, w)
	}
}

func TestAutoconfigURL(t *testing.T) {
	e := newEnv(t)
	gotQuery := make(chan string, 1)
	e.handle("autoconfig.example.test", acPath, func(w http.ResponseWriter, r *http.Request) {
		gotQuery <- r.URL.Query().Get("emailaddress")
		w.Write([]byte(config("imap.example.test", 993, "SSL")))
	})
	o, _ := e.options()
	r := lookup(t, "ann@example.test", o)
	want(t, r, "imap.example.test", 993, mail.SecurityTLS, SourceAutoconfig)
	select {
	case q := <-gotQuery:
		if q != "ann@example.test" {
			t.Fatalf("emailaddress=%q", q)
		}
	default:
		t.Fatal("the autoconfig URL was not asked")
	}
	if r.Username != "ann@example.test" || r.Domain != "example.test" || r.MXHost != "" {
		t.Fatalf("%+v", r)
	}
	if got, w := r.Describe(), "Found: imap.example.test, port 993, TLS — from example.test's autoconfig"; got != w {
		t.Fatalf("Describe:\n got %q\nwant %q", got, w)
	}
}

func TestWellKnownURL(t *testing.T) {
	e := newEnv(t)
	e.page("example.test", wkPath, config("imap.example.test", 143, "STARTTLS"))
	o, _ := e.options()
	r := lookup(t, "ann@example.test", o)
	want(t, r, "imap.example.test", 143, mail.SecuritySTARTTLS, SourceWellKnown)
}

func TestISPDB(t *testing.T) {
	e := newEnv(t)
	e.page("ispdb.test", "/v1.1/example.test", config("imap.isp.test", 993, "SSL"))
	o, _ := e.options()
	r := lookup(t, "ann@example.test", o)
	want(t, r, "imap.isp.test", 993, mail.SecurityTLS, SourceISPDB)
	if got, w := r.Describe(), "Found: imap.isp.test, port 993, TLS — from Thunderbird's database for example.test"; got != w {
		t.Fatalf("Describe:\n got %q\nwant %q", got, w)
	}
}

func TestMXToProviderPreset(t *testing.T) {
	for _, tt := range []struct {
		mx, host, provider string
		oauth              OAuth2Provider
		webmail            string
	}{
		{"aspmx.l.google.com.", "imap.gmail.com", "Google Workspace", OAuth2Google, "https://mail.google.com/"},
		{"hosted-test.mail.protection.outlook.com.", "outlook.office365.com", "Microsoft 365", OAuth2Microsoft, "https://outlook.office.com/mail/"},
	} {
		t.Run(tt.provider, func(t *testing.T) {
			e := newEnv(t)
			e.dns.addMX("hosted.test.", net.MX{Host: "backup.other.test.", Pref: 20}, net.MX{Host: tt.mx, Pref: 10})
			o, pl := e.options()
			r := lookup(t, "boss@hosted.test", o)
			want(t, r, tt.host, 993, mail.SecurityTLS, SourcePreset)
			if r.Provider != tt.provider || r.Auth != AuthOAuth2 || r.OAuth2Provider != tt.oauth || r.Webmail != tt.webmail {
				t.Fatalf("%+v", r)
			}
			if r.MXHost != strings.TrimSuffix(tt.mx, ".") || r.Username != "boss@hosted.test" {
				t.Fatalf("MX host %q username %q", r.MXHost, r.Username)
			}
			d := r.Describe()
			if !strings.Contains(d, "hosted.test's mail is hosted by "+tt.provider) || !strings.Contains(d, "Needs sign-in with") {
				t.Fatalf("Describe: %q", d)
			}
			texts := pl.texts()
			if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "(MX)") }) {
				t.Fatalf("no MX progress line: %q", texts)
			}
		})
	}
}

func TestMXToISPDBAndAutoconfigOfMXDomain(t *testing.T) {
	t.Run("ISPDB", func(t *testing.T) {
		e := newEnv(t)
		e.dns.addMX("hosted.test.", net.MX{Host: "mx1.eu.mailhost.test.", Pref: 5})
		e.page("ispdb.test", "/v1.1/mailhost.test", config("imap.mailhost.test", 993, "SSL"))
		o, pl := e.options()
		r := lookup(t, "ann@hosted.test", o)
		want(t, r, "imap.mailhost.test", 993, mail.SecurityTLS, SourceISPDB)
		wantTexts := []string{
			"Checking Mailbell's list of mail providers for hosted.test…",
			"Looking up hosted.test's autoconfig…",
			"Looking up hosted.test's autoconfig (well-known address)…",
			"Looking up hosted.test in Thunderbird's database…",
			"Looking up hosted.test's mail host (MX)…",
			"Checking Mailbell's list of mail providers for mailhost.test (mail host mx1.eu.mailhost.test)…",
			"Looking up mailhost.test's autoconfig (mail host mx1.eu.mailhost.test)…",
			"Looking up mailhost.test in Thunderbird's database (mail host mx1.eu.mailhost.test)…",
		}
		if texts := pl.texts(); !slices.Equal(texts, wantTexts) {
			t.Fatalf("progress:\n got %q\nwant %q", texts, wantTexts)
		}
		if r.Domain != "mailhost.test" || r.MXHost != "mx1.eu.mailhost.test" || r.AddressDomain != "hosted.test" {
			t.Fatalf("%+v", r)
		}
		if got, w := r.Describe(), "Found: imap.mailhost.test, port 993, TLS — from Thunderbird's database for mailhost.test, the mail host of hosted.test"; got != w {
			t.Fatalf("Describe:\n got %q\nwant %q", got, w)
		}
	})
	t.Run("autoconfig", func(t *testing.T) {
		e := newEnv(t)
		e.dns.addMX("hosted.test.", net.MX{Host: "mx1.eu.mailhost.test.", Pref: 5})
		e.page("autoconfig.mailhost.test", acPath, config("imap.mailhost.test", 993, "SSL"))
		e.page("ispdb.test", "/v1.1/mailhost.test", config("wrong.mailhost.test", 993, "SSL"))
		o, _ := e.options()
		r := lookup(t, "ann@hosted.test", o)
		want(t, r, "imap.mailhost.test", 993, mail.SecurityTLS, SourceAutoconfig)
		if r.MXHost != "mx1.eu.mailhost.test" {
			t.Fatalf("%+v", r)
		}
	})
}

func TestMXThatSaysNothing(t *testing.T) {
	for name, mx := range map[string]net.MX{
		"null MX (RFC 7505)":    {Host: ".", Pref: 0},
		"MX in the same domain": {Host: "mx.hosted.test.", Pref: 10},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.dns.addMX("hosted.test.", mx)
			e.dns.addSRV("_imaps._tcp.hosted.test.", net.SRV{Target: "imap.hosted.test.", Port: 993})
			o, _ := e.options()
			r := lookup(t, "ann@hosted.test", o)
			want(t, r, "imap.hosted.test", 993, mail.SecurityTLS, SourceSRV)
			for _, h := range e.requested() {
				if strings.Contains(h, "ispdb.test/v1.1/") && !strings.HasSuffix(h, "/hosted.test") {
					t.Fatalf("asked the ISPDB for another domain: %v", e.requested())
				}
			}
		})
	}
}

func TestSRV(t *testing.T) {
	t.Run("imaps", func(t *testing.T) {
		e := newEnv(t)
		e.dns.addSRV("_imaps._tcp.example.test.", net.SRV{Target: "imap.srv.test.", Port: 993, Priority: 10})
		e.dns.addSRV("_imap._tcp.example.test.", net.SRV{Target: "imap.srv.test.", Port: 143, Priority: 10})
		o, _ := e.options()
		r := lookup(t, "ann@example.test", o)
		want(t, r, "imap.srv.test", 993, mail.SecurityTLS, SourceSRV)
		if got, w := r.Describe(), "Found: imap.srv.test, port 993, TLS — from example.test's DNS SRV record"; got != w {
			t.Fatalf("Describe:\n got %q\nwant %q", got, w)
		}
	})
	t.Run("imap after a null imaps", func(t *testing.T) {
		e := newEnv(t)
		e.dns.addSRV("_imaps._tcp.example.test.", net.SRV{Target: ".", Port: 0})
		e.dns.addSRV("_imap._tcp.example.test.", net.SRV{Target: "imap.srv.test.", Port: 1143, Priority: 10})
		o, _ := e.options()
		r := lookup(t, "ann@example.test", o)
		want(t, r, "imap.srv.test", 1143, mail.SecuritySTARTTLS, SourceSRV)
	})
}

func TestGuess(t *testing.T) {
	t.Run("TLS on 993", func(t *testing.T) {
		e := newEnv(t)
		e.route("imap.guess.test:993", e.imapListener(imapTLS))
		e.route("mail.guess.test:993", e.imapListener(imapTLS))
		o, pl := e.options()
		r := lookup(t, "ann@guess.test", o)
		want(t, r, "imap.guess.test", 993, mail.SecurityTLS, SourceGuess)
		if got, w := r.Describe(), "Found: imap.guess.test, port 993, TLS — guessed, and the server answered"; got != w {
			t.Fatalf("Describe:\n got %q\nwant %q", got, w)
		}
		if texts := pl.texts(); texts[len(texts)-1] != "Trying imap.guess.test and mail.guess.test…" {
			t.Fatalf("progress %q", texts)
		}
	})
	t.Run("STARTTLS on 143 of mail.", func(t *testing.T) {
		e := newEnv(t)
		e.route("mail.guess.test:143", e.imapListener(imapSTARTTLSInCapability))
		o, _ := e.options()
		r := lookup(t, "ann@guess.test", o)
		want(t, r, "mail.guess.test", 143, mail.SecuritySTARTTLS, SourceGuess)
	})
	t.Run("143 without STARTTLS is no answer", func(t *testing.T) {
		e := newEnv(t)
		e.route("imap.guess.test:143", e.imapListener(imapNoSTARTTLS))
		o, _ := e.options()
		_, err := Lookup(context.Background(), "ann@guess.test", o)
		if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrNoSTARTTLS) {
			t.Fatalf("want not found because of no STARTTLS, got %v", err)
		}
	})
}

func TestProbe(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t) // a server whose certificate our CA did not sign
	e.route("imap.guess.test:993", e.imapListener(imapTLS))
	e.route("imap.guess.test:143", e.imapListener(imapSTARTTLSInGreeting))
	e.route("mail.guess.test:143", e.imapListener(imapNoSTARTTLS))
	e.route("imap.plain.test:993", other.imapListener(imapTLS))
	e.route("imap.plain.test:143", other.imapListener(imapSTARTTLSInGreeting))
	p := NetProber{Dial: e.dial, RootCAs: e.cert.Pool()}
	for _, tt := range []struct {
		host string
		port int
		sec  mail.Security
		ok   bool
	}{
		{"imap.guess.test", 993, mail.SecurityTLS, true},
		{"imap.guess.test", 143, mail.SecuritySTARTTLS, true},
		{"mail.guess.test", 143, mail.SecuritySTARTTLS, false},
		{"imap.plain.test", 993, mail.SecurityTLS, false},
		{"imap.plain.test", 143, mail.SecuritySTARTTLS, false},
		{"imap.guess.test", 993, mail.SecuritySTARTTLS, false}, // TLS port spoken to in plain
		{"nowhere.test", 993, mail.SecurityTLS, false},
	} {
		// A server that never says a word (a TLS port spoken to in plain)
		// ends the probe at ctx's deadline.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := p.Probe(ctx, tt.host, tt.port, tt.sec)
		cancel()
		if (err == nil) != tt.ok {
			t.Errorf("Probe(%s:%d %s) = %v, want ok=%v", tt.host, tt.port, tt.sec, err, tt.ok)
		}
	}
	var uerr x509.UnknownAuthorityError
	if err := p.Probe(context.Background(), "imap.plain.test", 993, mail.SecurityTLS); !errors.As(err, &uerr) {
		t.Errorf("a certificate from another CA: want an unknown-authority error, got %v", err)
	}
}

func TestOrder(t *testing.T) {
	t.Run("an earlier source wins even when it answers later", func(t *testing.T) {
		e := newEnv(t)
		ispdbServed := make(chan struct{})
		e.handle("autoconfig.example.test", acPath, func(w http.ResponseWriter, r *http.Request) {
			// Answer only once the ISPDB (asked at the same time) has answered.
			select {
			case <-ispdbServed:
			case <-r.Context().Done():
				return
			}
			w.Write([]byte(config("first.example.test", 993, "SSL")))
		})
		e.handle("ispdb.test", "/v1.1/example.test", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(config("third.example.test", 993, "SSL")))
			w.(http.Flusher).Flush()
			close(ispdbServed)
		})
		e.dns.addSRV("_imaps._tcp.example.test.", net.SRV{Target: "fifth.example.test.", Port: 993})
		o, _ := e.options()
		r := lookup(t, "ann@example.test", o)
		want(t, r, "first.example.test", 993, mail.SecurityTLS, SourceAutoconfig)
	})
	t.Run("failing sources fall through", func(t *testing.T) {
		e := newEnv(t)
		e.page("autoconfig.example.test", acPath, "<clientConfig><emailProvider>") // malformed
		e.page("example.test", wkPath, strings.Replace(config("pop.example.test", 995, "SSL"), `type="imap"`, `type="pop3"`, 1))
		e.page("ispdb.test", "/v1.1/example.test", config("imap.example.test", 993, "plain")) // plaintext, not loopback
		e.dns.addSRV("_imaps._tcp.example.test.", net.SRV{Target: "srv.example.test.", Port: 993})
		o, pl := e.options()
		r := lookup(t, "ann@example.test", o)
		want(t, r, "srv.example.test", 993, mail.SecurityTLS, SourceSRV)
		texts := pl.texts()
		wantTexts := []string{
			"Checking Mailbell's list of mail providers for example.test…",
			"Looking up example.test's autoconfig…",
			"Looking up example.test's autoconfig (well-known address)…",
			"Looking up example.test in Thunderbird's database…",
			"Looking up example.test's mail host (MX)…",
			"Looking up example.test's DNS SRV records…",
		}
		if !slices.Equal(texts, wantTexts) {
			t.Fatalf("progress:\n got %q\nwant %q", texts, wantTexts)
		}
	})
	t.Run("nothing anywhere", func(t *testing.T) {
		e := newEnv(t)
		e.page("autoconfig.example.test", acPath, "<clientConfig><emailProvider>")
		o, _ := e.options()
		_, err := Lookup(context.Background(), "ann@example.test", o)
		var nf *NotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) {
			t.Fatalf("want a NotFoundError, got %v", err)
		}
		var srcs []Source
		for _, a := range nf.Attempts {
			srcs = append(srcs, a.Source)
		}
		w := []Source{SourcePreset, SourceAutoconfig, SourceWellKnown, SourceISPDB, SourceMX, SourceSRV, SourceGuess}
		if !slices.Equal(srcs, w) {
			t.Fatalf("attempts %v, want %v (%v)", srcs, w, err)
		}
		if !errors.Is(nf.Attempts[1].Err, ErrMalformed) {
			t.Fatalf("autoconfig attempt: %v", nf.Attempts[1].Err)
		}
		if strings.Contains(err.Error(), "emailaddress") || strings.Contains(err.Error(), "ann@") {
			t.Fatalf("the error carries the address: %v", err)
		}
	})
}

func TestHostileAutoconfigFallsThrough(t *testing.T) {
	e := newEnv(t)
	e.page("autoconfig.example.test", acPath, `<?xml version="1.0"?>
<!DOCTYPE clientConfig [<!ENTITY host SYSTEM "file:///etc/hostname">]>
<clientConfig><emailProvider><incomingServer type="imap"><hostname>&host;</hostname>
<port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>`)
	e.page("ispdb.test", "/v1.1/example.test", config("imap.example.test", 993, "SSL"))
	o, _ := e.options()
	r := lookup(t, "ann@example.test", o)
	want(t, r, "imap.example.test", 993, mail.SecurityTLS, SourceISPDB)
}

func TestHugeAutoconfig(t *testing.T) {
	e := newEnv(t)
	huge := strings.Replace(config("imap.example.test", 993, "SSL"), "<emailProvider", "<!--"+strings.Repeat("x", 300<<10)+"--><emailProvider", 1)
	e.page("autoconfig.example.test", acPath, huge)
	o, _ := e.options()
	_, err := Lookup(context.Background(), "ann@example.test", o)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(nf.Attempts[1].Err, ErrTooLarge) {
		t.Fatalf("want the autoconfig refused as too large, got %v", err)
	}
	if !strings.Contains(err.Error(), "autoconfig too large") {
		t.Fatalf("error words: %v", err)
	}
	o.MaxXMLSize = 1 << 20
	r := lookup(t, "ann@example.test", o)
	want(t, r, "imap.example.test", 993, mail.SecurityTLS, SourceAutoconfig)
}

func TestSlowAutoconfigTimesOut(t *testing.T) {
	e := newEnv(t)
	e.handle("autoconfig.example.test", acPath, func(w http.ResponseWriter, r *http.Request) {
		select { // a slow server: its job is to be late
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	e.page("ispdb.test", "/v1.1/example.test", config("imap.example.test", 993, "SSL"))
	o, _ := e.options()
	o.StepTimeout = 300 * time.Millisecond
	start := time.Now()
	r := lookup(t, "ann@example.test", o)
	took := time.Since(start)
	want(t, r, "imap.example.test", 993, mail.SecurityTLS, SourceISPDB)
	if took < 300*time.Millisecond || took > 3*time.Second {
		t.Fatalf("took %v, want about the step timeout (300ms)", took)
	}
}

func TestSlowDNSTimesOut(t *testing.T) {
	e := newEnv(t)
	e.dns.mu.Lock()
	e.dns.delay["example.test."] = 5 * time.Second
	e.dns.mu.Unlock()
	e.dns.addMX("example.test.", net.MX{Host: "mx.mailhost.test.", Pref: 1})
	e.dns.addSRV("_imaps._tcp.example.test.", net.SRV{Target: "srv.example.test.", Port: 993})
	o, _ := e.options()
	o.StepTimeout = 300 * time.Millisecond
	start := time.Now()
	r := lookup(t, "ann@example.test", o)
	want(t, r, "srv.example.test", 993, mail.SecurityTLS, SourceSRV)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("took %v", took)
	}
}

func TestOverallBound(t *testing.T) {
	e := newEnv(t)
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	}
	e.handle("autoconfig.example.test", acPath, slow)
	e.handle("ispdb.test", "/v1.1/example.test", slow)
	o, _ := e.options()
	o.Timeout = 400 * time.Millisecond
	o.StepTimeout = 5 * time.Second
	start := time.Now()
	_, err := Lookup(context.Background(), "ann@example.test", o)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the overall bound, got %v", err)
	}
	if took < 400*time.Millisecond || took > 3*time.Second {
		t.Fatalf("took %v, want about 400ms", took)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	asked := make(chan struct{})
	e.handle("autoconfig.example.test", acPath, func(w http.ResponseWriter, r *http.Request) {
		close(asked)
		<-r.Context().Done()
	})
	o, _ := e.options()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type res struct {
		err  error
		took time.Duration
	}
	done := make(chan res, 1)
	go func() {
		start := time.Now()
		_, err := Lookup(ctx, "ann@example.test", o)
		done <- res{err, time.Since(start)}
	}()
	select {
	case <-asked:
	case <-time.After(5 * time.Second):
		t.Fatal("the autoconfig was never asked")
	}
	cancel()
	select {
	case r := <-done:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", r.err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Lookup did not return within 2s of cancel")
	}
}

func TestHTTPSOnly(t *testing.T) {
	e := newEnv(t)
	e.handle("autoconfig.example.test", acPath, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://autoconfig.example.test/plain.xml", http.StatusFound)
	})
	o, _ := e.options()
	o.ISPDBURL = "http://ispdb.test/v1.1/"
	_, err := Lookup(context.Background(), "ann@example.test", o)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(nf.Attempts[1].Err, ErrNotHTTPS) || !errors.Is(nf.Attempts[3].Err, ErrNotHTTPS) {
		t.Fatalf("want the redirect and the http ISPDB refused, got %v", err)
	}
}

func TestBadAddress(t *testing.T) {
	for _, s := range []string{"", "ann", "ann@", "@example.test", "ann@localhost", "ann@exa mple.test", "ann@-x.test"} {
		if _, err := Lookup(context.Background(), s, Options{}); !errors.Is(err, ErrBadAddress) {
			t.Errorf("Lookup(%q): want ErrBadAddress, got %v", s, err)
		}
	}
}
