package settings

import (
	"context"
	"errors"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
)

// Backend is the core, as the control socket's client reaches it.
type Backend interface {
	// Request sends a command and returns its reply; a refused command
	// returns a *control.CommandError (with Fields when values were wrong).
	Request(ctx context.Context, cmd control.Command) (control.Event, error)
}

// The control socket's client is the Backend the window process uses.
var _ Backend = (*control.Client)(nil)

// Timeouts of the calls to the core. The core bounds its own keyring calls
// (10 s) and probes (20 s); these leave it room to answer.
var (
	CallTimeout = 30 * time.Second
	TestTimeout = 40 * time.Second
)

// Controller loads, validates, saves, removes and tests through the core.
type Controller struct{ b Backend }

// New returns a controller over b.
func New(b Backend) *Controller { return &Controller{b: b} }

// Loaded is what the settings window edits.
type Loaded struct {
	Config             *config.Config // nil when Error is set
	AutostartSupported bool
	// Error: config.json does not load; nothing can be saved until it is
	// fixed or moved away.
	Error string
}

func (c *Controller) call(ctx context.Context, timeout time.Duration, cmd control.Command) (control.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.b.Request(ctx, cmd)
}

// Load asks the core for config.json and the autostart state.
func (c *Controller) Load(ctx context.Context) (Loaded, error) {
	ev, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdGetSettings})
	if err != nil {
		return Loaded{}, err
	}
	s := ev.Settings
	if s == nil {
		return Loaded{}, errors.New("the core sent no settings")
	}
	if s.Error != "" {
		return Loaded{Error: s.Error}, nil
	}
	cfg := config.New()
	cfg.Accounts = append(cfg.Accounts, s.Accounts...)
	cfg.Preferences = s.Preferences
	return Loaded{Config: cfg, AutostartSupported: s.AutostartSupported}, nil
}

// SaveAccount asks the core to store secret ("" keeps the stored one),
// then to write a into config.json in place of the account originalID (""
// adds it). Refused values come back as Errors for the form (the error is
// then their summary); other failures as the error alone.
func (c *Controller) SaveAccount(ctx context.Context, a config.Account, originalID, secret string) (Errors, error) {
	_, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdSaveAccount, Settings: &a, OriginalID: originalID, Secret: secret})
	return FromCore(control.FieldsOf(err)), err
}

// RemoveAccount asks the core to forget the account: config.json, its
// state and its stored password.
func (c *Controller) RemoveAccount(ctx context.Context, id string) error {
	_, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdRemoveAccount, Account: id})
	return err
}

// PrefErrors are the preferences' field errors, under config.json's names
// ("idle_refresh_minutes", "start_at_login").
type PrefErrors = control.FieldErrors

// SavePreferences asks the core to apply and write p. A reply whose only
// complaint is start_at_login means the rest was saved.
func (c *Controller) SavePreferences(ctx context.Context, p config.Preferences) (PrefErrors, error) {
	_, err := c.call(ctx, CallTimeout, control.Command{Cmd: control.CmdSavePreferences, Preferences: &p})
	return control.FieldsOf(err), err
}

// OnlyAutostartFailed reports whether a save_preferences reply saved
// everything but start at login.
func OnlyAutostartFailed(f PrefErrors) bool {
	_, ok := f["start_at_login"]
	return ok && len(f) == 1
}

// TestResult is a connection test's outcome in words.
type TestResult struct {
	Text   string // "Connected — 3 messages in INBOX", "Password rejected", …
	OK     bool
	Errors Errors // the account's values were refused before any connection
}

// Test asks the core to log in with a and examine its first folder, with
// secret if typed, else the password stored for originalID. Ending ctx
// gives up waiting ("Cancelled"); the core's own timeout ends the probe.
func (c *Controller) Test(ctx context.Context, a config.Account, originalID, secret string) TestResult {
	return c.test(ctx, control.Command{Cmd: control.CmdTestAccount, Settings: &a, OriginalID: originalID, Secret: secret})
}

// test sends cmd (a test_account) and puts its outcome in words: the
// core's answer, "Cancelled" or "Timed out" when ctx or TestTimeout ends
// the wait, else the core's error with its field errors.
func (c *Controller) test(ctx context.Context, cmd control.Command) TestResult {
	ev, err := c.call(ctx, TestTimeout, cmd)
	switch {
	case err == nil:
		return TestResult{Text: ev.Value, OK: true}
	case errors.Is(err, context.Canceled):
		return TestResult{Text: l10n.T("settings.test.cancelled")}
	case errors.Is(err, context.DeadlineExceeded):
		return TestResult{Text: l10n.T("settings.test.timed_out")}
	}
	return TestResult{Text: err.Error(), Errors: FromCore(control.FieldsOf(err))}
}
