package config

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mailbell/app/rules"
	"mailbell/mail"
)

// FileName is the config file's name in the config folder.
const FileName = "config.json"

// MaxSize is the largest config file Load reads. A real one is a few KiB.
const MaxSize = 1 << 20

// EnvDir names the environment variable that chooses the config folder.
const EnvDir = "MAILBELL_CONFIG_DIR"

// Config is the whole config file.
type Config struct {
	Accounts    []Account   `json:"accounts"`
	Preferences Preferences `json:"preferences"`

	// dir is the folder the config was loaded from or saved to; a relative
	// ca_file is relative to it.
	dir string
}

// Account is one IMAP account. The zero values of the optional fields mean
// "the default"; the Effective* methods fill them in.
type Account struct {
	ID              string   `json:"id"`
	Name            string   `json:"name,omitempty"`
	Email           string   `json:"email,omitempty"`
	Host            string   `json:"host"`
	Port            int      `json:"port,omitempty"`
	Security        string   `json:"security,omitempty"`
	Username        string   `json:"username,omitempty"`
	Folders         []string `json:"folders,omitempty"`
	CAFile          string   `json:"ca_file,omitempty"`
	PasswordCommand string   `json:"password_command,omitempty"`
	Enabled         *bool    `json:"enabled,omitempty"` // nil: true
	// Open says where a click on its mail goes: "client", a webmail
	// address or a command (open.go); "" is the default.
	Open string `json:"open,omitempty"`
	// AccountOptions: "notify", "sound", "aliases", "folder_options" (rules.go).
	rules.AccountOptions
	// AuthOptions: "auth", "oauth2", "token_command", "goa_account" (oauth.go).
	AuthOptions
}

// Preferences are the settings that are not per account.
type Preferences struct {
	Notifications      bool `json:"notifications"`
	ShowSender         bool `json:"show_sender"`
	ShowSubject        bool `json:"show_subject"`
	IdleRefreshMinutes int  `json:"idle_refresh_minutes"`
	PollSeconds        int  `json:"poll_seconds"`
	StartAtLogin       bool `json:"start_at_login"`
	// Count is what the tray badge counts: CountUnread ("" too) or CountNew (count.go).
	Count         string `json:"count,omitempty"`
	HideWhenEmpty bool   `json:"hide_when_empty,omitempty"` // no badge at 0
	// Language is the language Mailbell speaks: "" for the system's
	// (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else a tag of app/l10n's
	// catalogue such as "de" or "pt-BR" (language.go).
	Language string `json:"language,omitempty"`
	// Preferences: "rules", "quiet_hours", "sound", "popup", "batching" (rules.go).
	rules.Preferences
}

// Limits of the preferences.
const (
	MinIdleRefreshMinutes = 1
	MaxIdleRefreshMinutes = 29 // RFC 2177: servers may drop an IDLE after 30 minutes
	MinPollSeconds        = 10
	MaxPollSeconds        = 3600
)

// DefaultPreferences are the preferences of a config file that names none.
func DefaultPreferences() Preferences {
	return Preferences{
		Notifications:      true,
		ShowSender:         true,
		ShowSubject:        true,
		IdleRefreshMinutes: 9,
		PollSeconds:        60,
	}
}

// New returns an empty config with the default preferences (what Load
// returns when there is no file yet).
func New() *Config {
	return &Config{Accounts: []Account{}, Preferences: DefaultPreferences()}
}

// IdleRefresh is IdleRefreshMinutes as a duration, for mail.Options.
func (p Preferences) IdleRefresh() time.Duration {
	return time.Duration(p.IdleRefreshMinutes) * time.Minute
}

// PollInterval is PollSeconds as a duration, for mail.Options.
func (p Preferences) PollInterval() time.Duration {
	return time.Duration(p.PollSeconds) * time.Second
}

// IsEnabled reports whether the account is to be watched.
func (a Account) IsEnabled() bool { return a.Enabled == nil || *a.Enabled }

// EffectiveSecurity is the security mode, "tls" when none is given.
func (a Account) EffectiveSecurity() mail.Security {
	if a.Security == "" {
		return mail.SecurityTLS
	}
	return mail.Security(a.Security)
}

// EffectivePort is the port, or the default one of the security mode.
func (a Account) EffectivePort() int {
	if a.Port > 0 {
		return a.Port
	}
	return a.EffectiveSecurity().DefaultPort()
}

// EffectiveUsername is the login name: username, else email.
func (a Account) EffectiveUsername() string {
	if a.Username != "" {
		return a.Username
	}
	return a.Email
}

// EffectiveFolders are the folders to watch: folders, else INBOX.
func (a Account) EffectiveFolders() []string {
	if a.WatchesAll() { // the core expands it (folders.go)
		return []string{"INBOX"}
	}
	if len(a.Folders) > 0 {
		return append([]string(nil), a.Folders...)
	}
	return []string{"INBOX"}
}

// DisplayName is how the account is called in the UI: its name, else its
// email, username, host or id.
func (a Account) DisplayName() string {
	for _, s := range []string{a.Name, a.Email, a.Username, a.Host, a.ID} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "(unnamed account)"
}

// Account returns the account with the given id.
func (c *Config) Account(id string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// Dir is the config folder: flagValue (from --config-dir) if set, else
// $MAILBELL_CONFIG_DIR, else os.UserConfigDir()/mailbell. It is made absolute,
// so that it still holds after a change of working directory and can be
// handed to a child process.
func Dir(flagValue string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = os.Getenv(EnvDir)
	}
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("no config folder: %w (use --config-dir or %s)", err, EnvDir)
		}
		dir = filepath.Join(base, "mailbell")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("config folder %s: %w", dir, err)
	}
	return abs, nil
}

// Path is the config file in dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// NewID returns an id that no existing account has: "acct1", "acct2", … one
// past the highest number in use.
func NewID(existing []Account) string {
	high := 0
	for _, a := range existing {
		if n, err := strconv.Atoi(strings.TrimPrefix(a.ID, "acct")); err == nil && strings.HasPrefix(a.ID, "acct") && n > high {
			high = n
		}
	}
	for n := high + 1; ; n++ {
		id := "acct" + strconv.Itoa(n)
		if !idTaken(existing, id) {
			return id
		}
	}
}

func idTaken(accts []Account, id string) bool {
	for _, a := range accts {
		if strings.EqualFold(a.ID, id) {
			return true
		}
	}
	return false
}

// caPath resolves ca_file: "~/" is the home folder, a relative path is
// relative to the config folder.
func (c *Config) caPath(p string) (string, error) {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, rest), nil
	}
	if filepath.IsAbs(p) {
		return p, nil
	}
	if c == nil || c.dir == "" {
		return "", errors.New("a relative path needs the config folder; give an absolute path")
	}
	return filepath.Join(c.dir, p), nil
}

// MailAccount turns a into what the IMAP watcher needs. password is asked for
// the secret at login time (keyring or password_command: the caller decides).
// It reads ca_file, and fails with a clear message when it cannot be read or
// holds no PEM certificate.
func (c *Config) MailAccount(a Account, password func(ctx context.Context) (string, error)) (mail.Account, error) {
	where := fmt.Sprintf("account %q", a.ID)
	if probs := validateAccount(a, "", nil); len(probs) > 0 {
		return mail.Account{}, fmt.Errorf("%s: %w", where, &Error{Problems: probs})
	}
	if password == nil {
		return mail.Account{}, fmt.Errorf("%s: %w: no password source", where, mail.ErrConfig)
	}
	m := mail.Account{
		Host:     strings.TrimSuffix(strings.TrimPrefix(a.Host, "["), "]"),
		Port:     a.EffectivePort(),
		Security: a.EffectiveSecurity(),
		Username: a.EffectiveUsername(),
		Password: password,
	}
	if a.CAFile != "" {
		pem, err := c.readCA(a.CAFile)
		if err != nil {
			return mail.Account{}, fmt.Errorf("%s: ca_file %s: %w", where, a.CAFile, err)
		}
		m.CAPEM = pem
	}
	if err := m.Validate(); err != nil {
		return mail.Account{}, fmt.Errorf("%s: %w", where, err)
	}
	return m, nil
}

func (c *Config) readCA(name string) ([]byte, error) {
	p, err := c.caPath(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(pem) > MaxSize {
		return nil, fmt.Errorf("larger than %d bytes: not a CA file", MaxSize)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in it (want -----BEGIN CERTIFICATE-----)")
	}
	return pem, nil
}
