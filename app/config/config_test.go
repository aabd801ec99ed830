package config

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mailbell/mail"
)

func ptr[T any](v T) *T { return &v }

func writeConfig(t *testing.T, content string) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = Path(dir)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func sample() *Config {
	c := New()
	c.Accounts = []Account{
		{ID: "work", Name: "Work", Email: "ann@example.com", Host: "imap.example.com", Port: 993,
			Security: "tls", Username: "ann", Folders: []string{"INBOX", "Lists/golang"},
			CAFile: "/etc/ssl/ca.pem", PasswordCommand: "pass show mail"},
		{ID: "home", Email: "ann@example.org", Host: "mail.example.org", Security: "starttls", Enabled: ptr(false)},
		{ID: "test", Host: "127.0.0.1", Port: 3143, Security: "plain", Username: "alice", Enabled: ptr(true)},
	}
	c.Preferences.ShowSubject = false
	c.Preferences.IdleRefreshMinutes = 5
	c.Preferences.StartAtLogin = true
	return c
}

func TestMissingFileIsEmptyConfig(t *testing.T) {
	c, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Accounts) != 0 || !reflect.DeepEqual(c.Preferences, DefaultPreferences()) {
		t.Errorf("got %+v", c)
	}
	c, err = Load(filepath.Join(t.TempDir(), "does", "not", "exist"))
	if err != nil || c == nil {
		t.Errorf("missing folder: %v", err)
	}
	dir, _ := writeConfig(t, " \n")
	if c, err := Load(dir); err != nil || len(c.Accounts) != 0 {
		t.Errorf("blank file: %+v, %v", c, err)
	}
}

func TestDefaults(t *testing.T) {
	dir, _ := writeConfig(t, `{"accounts":[{"id":"a","email":"ann@example.com","host":"imap.example.com"},
		{"id":"b","host":"localhost","security":"plain","username":"bob","enabled":false,"folders":["Work"]}],
		"preferences":{"show_subject":false}}`)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultPreferences()
	want.ShowSubject = false
	if !reflect.DeepEqual(c.Preferences, want) {
		t.Errorf("preferences %+v, want %+v", c.Preferences, want)
	}
	a, b := c.Accounts[0], c.Accounts[1]
	if !a.IsEnabled() || b.IsEnabled() {
		t.Errorf("enabled: a %v b %v", a.IsEnabled(), b.IsEnabled())
	}
	if a.EffectivePort() != 993 || b.EffectivePort() != 143 || a.EffectiveSecurity() != mail.SecurityTLS {
		t.Errorf("ports %d %d, security %q", a.EffectivePort(), b.EffectivePort(), a.EffectiveSecurity())
	}
	if a.EffectiveUsername() != "ann@example.com" || b.EffectiveUsername() != "bob" {
		t.Errorf("usernames %q %q", a.EffectiveUsername(), b.EffectiveUsername())
	}
	if !reflect.DeepEqual(a.EffectiveFolders(), []string{"INBOX"}) || !reflect.DeepEqual(b.EffectiveFolders(), []string{"Work"}) {
		t.Errorf("folders %q %q", a.EffectiveFolders(), b.EffectiveFolders())
	}
	if a.DisplayName() != "ann@example.com" || b.DisplayName() != "bob" || (Account{Name: "Work", Email: "x@y"}).DisplayName() != "Work" {
		t.Errorf("display names %q %q", a.DisplayName(), b.DisplayName())
	}
	if c.Preferences.IdleRefresh() != 9*time.Minute || c.Preferences.PollInterval() != time.Minute {
		t.Errorf("durations %v %v", c.Preferences.IdleRefresh(), c.Preferences.PollInterval())
	}
	if got, ok := c.Account("b"); !ok || got.Username != "bob" {
		t.Errorf("Account(b) = %+v, %v", got, ok)
	}
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mailbell")
	want := sample()
	if err := Save(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Accounts, want.Accounts) || !reflect.DeepEqual(got.Preferences, want.Preferences) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	first, _ := os.ReadFile(Path(dir))
	if err := Save(dir, got); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(Path(dir))
	if string(first) != string(second) {
		t.Errorf("output not stable:\n%s\n%s", first, second)
	}
	// Indented, schema order, absent optional fields left out.
	for _, s := range []string{
		"{\n  \"accounts\": [\n    {\n      \"id\": \"work\",\n      \"name\": \"Work\",\n      \"email\"",
		"\"id\": \"home\",\n      \"email\": \"ann@example.org\",\n      \"host\": \"mail.example.org\",\n      \"security\": \"starttls\",\n      \"enabled\": false\n    }",
		"\"preferences\": {\n    \"notifications\": true,\n    \"show_sender\": true,\n    \"show_subject\": false,\n    \"idle_refresh_minutes\": 5,\n    \"poll_seconds\": 60,\n    \"start_at_login\": true\n  }\n}\n",
	} {
		if !strings.Contains(string(first), s) {
			t.Errorf("saved file lacks %q:\n%s", s, first)
		}
	}
	if err := Save(dir, New()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(Path(dir)); !strings.Contains(string(data), `"accounts": [],`) {
		t.Errorf("empty config: %s", data)
	}
}

func TestSaveModesAndNoLeftovers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "mailbell")
	if err := Save(dir, sample()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", st.Mode().Perm())
	}
	dst, _ := os.Stat(dir)
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700", dst.Mode().Perm())
	}
	// An existing file with loose permissions is replaced by a 0600 one.
	os.Chmod(Path(dir), 0o644)
	if err := Save(dir, sample()); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(Path(dir)); st.Mode().Perm() != 0o600 {
		t.Errorf("file mode after resave %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestSaveKeepsBrokenFile(t *testing.T) {
	for name, content := range map[string]string{
		"malformed":     "{\"accounts\": [\n  {\"id\": \"a\", \"host\": \"x\",}\n]}\n",
		"invalid value": `{"accounts":[{"id":"a","email":"a@b","host":"x","port":70000}]}`,
		"unknown field": `{"acounts":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir, path := writeConfig(t, content)
			err := Save(dir, sample())
			if err == nil {
				t.Fatal("Save overwrote a file that does not load")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "does not load") {
				t.Errorf("error %q", err)
			}
			if data, _ := os.ReadFile(path); string(data) != content {
				t.Errorf("file changed to %q", data)
			}
		})
	}
}

func TestSaveValidatesFirst(t *testing.T) {
	dir := t.TempDir()
	c := sample()
	c.Accounts[0].Port = 99999
	err := Save(dir, c)
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "accounts[0].port: 99999 is out of range") || !strings.Contains(err.Error(), Path(dir)) {
		t.Errorf("error %q", err)
	}
	if _, err := os.Stat(Path(dir)); !os.IsNotExist(err) {
		t.Errorf("an invalid config was written")
	}
}

func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(t.TempDir(), "dotfiles-config.json")
	if err := os.WriteFile(real, []byte(`{"accounts":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, Path(dir)); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, sample()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(Path(dir)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced: %v %v", fi, err)
	}
	if data, _ := os.ReadFile(real); !strings.Contains(string(data), `"work"`) {
		t.Errorf("target not written: %s", data)
	}
}

func TestHugeFileRefused(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: no disk is used, and reading it whole would take visible time.
	if err := f.Truncate(3 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	_, err = Load(dir)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), Path(dir)) || !strings.Contains(err.Error(), "at most 1 MiB") {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v: the file was read", d)
	}
	if err := Save(dir, sample()); err == nil {
		t.Error("Save replaced a file that does not load")
	}
}

// A reader never sees a half-written file, whatever the writers do.
func TestConcurrentSaveAndLoad(t *testing.T) {
	dir := t.TempDir()
	a, b := sample(), sample()
	for i := 0; i < 200; i++ { // make the file big enough to need several writes
		b.Accounts = append(b.Accounts, Account{ID: NewID(b.Accounts), Email: "x@example.com", Host: "imap.example.com"})
	}
	if err := Save(dir, a); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				c := a
				if (i+w)%2 == 0 {
					c = b
				}
				if err := Save(dir, c); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var loads atomic.Int64
	var rg sync.WaitGroup
	for r := 0; r < 2; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := Load(dir)
				if err != nil {
					errs <- err
					return
				}
				if n := len(c.Accounts); n != len(a.Accounts) && n != len(b.Accounts) {
					errs <- errors.New("a mix of two files")
					return
				}
				loads.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if loads.Load() == 0 {
		t.Error("no load ran during the saves")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %d entries", len(entries))
	}
}

func TestDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/nobody")
	t.Setenv(EnvDir, "")
	if d, err := Dir(""); err != nil || d != "/xdg/mailbell" {
		t.Errorf("default: %q %v", d, err)
	}
	t.Setenv(EnvDir, "/from/env")
	if d, _ := Dir(""); d != "/from/env" {
		t.Errorf("env: %q", d)
	}
	if d, _ := Dir("/from/flag"); d != "/from/flag" {
		t.Errorf("flag: %q", d)
	}
	wd, _ := os.Getwd()
	if d, _ := Dir("rel"); d != filepath.Join(wd, "rel") {
		t.Errorf("relative flag: %q", d)
	}
	if p := Path("/x"); p != "/x/config.json" {
		t.Errorf("Path = %q", p)
	}
}

func TestNewID(t *testing.T) {
	for _, c := range []struct {
		ids  []string
		want string
	}{
		{nil, "acct1"},
		{[]string{"acct1"}, "acct2"},
		{[]string{"work", "acct7", "acct2"}, "acct8"},
		{[]string{"acctx", "ACCT1"}, "acct2"},
	} {
		var accts []Account
		for _, id := range c.ids {
			accts = append(accts, Account{ID: id})
		}
		if got := NewID(accts); got != c.want || !ValidID(got) {
			t.Errorf("NewID(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
}

func TestDocExampleLoads(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(src), "// # Example\n//\n")
	if !ok {
		t.Fatal("no example in doc.go")
	}
	var js strings.Builder
	for _, line := range strings.Split(example, "\n") {
		rest, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			break
		}
		js.WriteString(rest + "\n")
	}
	dir, _ := writeConfig(t, js.String())
	c, err := Load(dir)
	if err != nil {
		t.Fatalf("the documented example does not load: %v\n%s", err, js.String())
	}
	if len(c.Accounts) != 3 || c.Preferences.IdleRefreshMinutes != 5 {
		t.Errorf("example loaded as %+v", c)
	}
}

func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestMailAccount(t *testing.T) {
	pw := func(context.Context) (string, error) { return "secret", nil }
	dir := t.TempDir()
	caPEM := selfSignedPEM(t)
	os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "empty.pem"), []byte("not a certificate\n"), 0o600)
	if err := Save(dir, New()); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}

	m, err := c.MailAccount(Account{ID: "a", Email: "ann@example.com", Host: "imap.example.com", CAFile: "ca.pem"}, pw)
	if err != nil {
		t.Fatal(err)
	}
	if m.Host != "imap.example.com" || m.Port != 993 || m.Security != mail.SecurityTLS || m.Username != "ann@example.com" ||
		string(m.CAPEM) != string(caPEM) || m.Password == nil || m.Addr() != "imap.example.com:993" {
		t.Errorf("got %+v", m)
	}
	m, err = c.MailAccount(Account{ID: "b", Host: "[::1]", Security: "plain", Username: "bob", CAFile: filepath.Join(dir, "ca.pem")}, pw)
	if err != nil || m.Addr() != "[::1]:143" {
		t.Errorf("loopback IPv6: %+v %v", m, err)
	}

	for _, c2 := range []struct {
		a    Account
		want []string
	}{
		{Account{ID: "a", Username: "u", Host: "h", CAFile: "missing.pem"}, []string{`account "a": ca_file missing.pem`, "no such file"}},
		{Account{ID: "a", Username: "u", Host: "h", CAFile: "empty.pem"}, []string{"ca_file empty.pem", "no PEM certificate"}},
		{Account{ID: "a", Username: "u", Host: "imap.example.com", Security: "plain"}, []string{`account "a"`, "security", "localhost only"}},
		{Account{ID: "a", Host: "h"}, []string{"username: missing"}},
	} {
		_, err := c.MailAccount(c2.a, pw)
		for _, w := range c2.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("MailAccount(%+v): error %v, want %q in it", c2.a, err, w)
			}
		}
	}
	if _, err := c.MailAccount(Account{ID: "a", Username: "u", Host: "h"}, nil); !errors.Is(err, mail.ErrConfig) {
		t.Errorf("nil password source: %v", err)
	}
	// Built in code, not loaded: a relative ca_file has nothing to be relative to.
	if _, err := New().MailAccount(Account{ID: "a", Username: "u", Host: "h", CAFile: "ca.pem"}, pw); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("relative ca_file without a folder: %v", err)
	}
}
