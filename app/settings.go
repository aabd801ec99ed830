package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/mail"
)

// Autostart turns "start at login" on and off: platform/autostart, given
// by the program's wiring (app does not import platform).
type Autostart interface {
	Supported() bool
	Enabled() (bool, error)
	Enable() error
	Disable() error
}

// ProbeFunc is mail.Probe's shape: "Test connection".
type ProbeFunc func(ctx context.Context, a mail.Account, folder string, opts mail.Options) (mail.FolderInfo, error)

// The timeouts of the settings work when Options leaves them zero.
const (
	DefaultSecretTimeout = 10 * time.Second // a locked keyring may never answer
	DefaultProbeTimeout  = 20 * time.Second
)

// settingsJob is one settings intent waiting for the settings worker.
type settingsJob struct {
	cmd   control.Command
	reply chan result
}

// applyMsg asks the loop to run cfg (just written to config.json); the
// loop answers with the ids of the accounts cfg no longer has, whose
// state it has dropped and whose secrets the caller deletes.
type applyMsg struct {
	cfg     *config.Config
	restart map[string]bool // accounts to restart even if unchanged (a new secret)
	removed chan []string
}

func (c *Core) secretTimeout() time.Duration {
	if c.opts.SecretTimeout > 0 {
		return c.opts.SecretTimeout
	}
	return DefaultSecretTimeout
}

func (c *Core) probeTimeout() time.Duration {
	if c.opts.ProbeTimeout > 0 {
		return c.opts.ProbeTimeout
	}
	return DefaultProbeTimeout
}

// probeMailOptions are the mail options of a one-shot probe (Test
// connection, listing folders): the core's, logging to the core's logger
// unless they name one, with dial and command timeouts of timeout. Not
// mailOptions: c.cfg belongs to the loop.
func (c *Core) probeMailOptions(timeout time.Duration) mail.Options {
	opts := c.opts.Mail
	if opts.Logger == nil {
		opts.Logger = c.log
	}
	opts.DialTimeout, opts.CommandTimeout = timeout, timeout
	return opts
}

// settingsLoop runs the settings intents one at a time, in the order they
// came, off the core's loop: the keyring and the disk may be slow, and two
// saves must not interleave their read-modify-write of config.json. The
// work is bound to the core's ctx, not to the client's patience: a window
// that closes during a save does not leave it half done.
func (c *Core) settingsLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-c.jobs:
			var r result
			switch j.cmd.Cmd {
			case control.CmdGetSettings:
				r.settings, r.err = c.getSettings()
			case control.CmdSaveAccount:
				r.err = c.saveAccount(ctx, j.cmd)
			case control.CmdRemoveAccount:
				r.err = c.removeAccount(ctx, j.cmd.Account)
			case control.CmdSavePreferences:
				r.err = c.savePreferences(ctx, j.cmd.Preferences)
			}
			j.reply <- r
		}
	}
}

// getSettings reads config.json and the autostart state for a settings window.
func (c *Core) getSettings() (*control.Settings, error) {
	s := &control.Settings{Accounts: []config.Account{}}
	cfg, err := config.Load(c.opts.ConfigDir)
	if err != nil {
		s.Error = err.Error()
		return s, nil
	}
	if cfg.Accounts != nil {
		s.Accounts = cfg.Accounts
	}
	s.Preferences = cfg.Preferences
	if a := c.opts.Autostart; a != nil && a.Supported() {
		s.AutostartSupported = true
		on, err := a.Enabled()
		if err != nil {
			c.log.Warn("autostart state unknown", "err", err)
		}
		s.Preferences.StartAtLogin = on
	}
	return s, nil
}

// loadForEdit loads config.json for a change. A file that does not load is
// never overwritten.
func (c *Core) loadForEdit() (*config.Config, error) {
	cfg, err := config.Load(c.opts.ConfigDir)
	if err != nil {
		return nil, worded(l10n.T("save.config_unusable", l10n.Args{"Error": err.Error()}), err)
	}
	return cfg, nil
}

// accountFields validates the account at index of cfg with the loader's
// rules and words, keyed by field.
func accountFields(cfg *config.Config, index int) control.FieldErrors {
	fields := control.FieldErrors{}
	var ce *config.Error
	if err := cfg.Validate(); errors.As(err, &ce) {
		for k, v := range ce.Fields(fmt.Sprintf("accounts[%d]", index)) {
			fields[k] = v
		}
	} else if err != nil {
		fields[control.FieldGeneral] = err.Error()
	}
	return fields
}

// saveAccount stores the secret, then writes config.json, then restarts the
// accounts that changed. A rename moves the stored secret to the new id and
// deletes the old one once config.json no longer names it.
func (c *Core) saveAccount(ctx context.Context, cmd control.Command) error {
	if cmd.Settings == nil {
		return control.Invalid(control.FieldErrors{control.FieldGeneral: "save_account: no account given (\"settings\")"})
	}
	a, orig, secret := *cmd.Settings, cmd.OriginalID, cmd.Secret
	cfg, err := c.loadForEdit()
	if err != nil {
		return err
	}
	if orig != "" {
		if _, ok := cfg.Account(orig); !ok {
			return control.Invalid(control.FieldErrors{control.FieldGeneral: fmt.Sprintf("no account %q in config.json to change", orig)})
		}
	}
	next, index := cfg.WithAccount(a, orig)
	fields := accountFields(next, index)
	switch {
	case a.PasswordCommand != "" && secret != "":
		fields[control.FieldSecret] = l10n.T("save.secret_password_command")
	case a.EffectiveAuth() == config.AuthOAuth2 && secret != "":
		fields[control.FieldSecret] = l10n.T("save.secret_oauth2")
	case a.PasswordCommand == "" && secret == "" && orig == "" && a.EffectiveAuth() == config.AuthPassword:
		fields[control.FieldSecret] = l10n.T("save.secret_missing")
	}
	if len(fields) > 0 {
		return control.Invalid(fields)
	}
	renamed := orig != "" && orig != a.ID
	store := c.opts.Secrets
	if store == nil && (secret != "" || renamed) {
		return &control.CommandError{Msg: l10n.T("save.no_secret_store"), Fields: control.FieldErrors{control.FieldSecret: l10n.T("save.no_secret_store_short")}}
	}

	// The secret first: config.json never names an account whose secret
	// could not be stored.
	moved := false
	switch {
	case secret != "":
		if err := c.withSecretTimeout(ctx, func(ctx context.Context) error { return store.Set(ctx, a.ID, secret) }); err != nil {
			msg := l10n.T("save.keyring_failed", l10n.Args{"Error": err.Error()})
			return &control.CommandError{Msg: msg, Fields: control.FieldErrors{control.FieldSecret: msg}}
		}
	case renamed && a.PasswordCommand == "":
		var pw string
		err := c.withSecretTimeout(ctx, func(ctx context.Context) (err error) { pw, err = store.Get(ctx, orig); return err })
		if err != nil {
			// Nothing to move (or the keyring is away): the renamed account
			// asks for its password like a new one would.
			c.log.Warn("renaming an account: its password was not moved", "from", orig, "to", a.ID, "err", err)
			break
		}
		if err := c.withSecretTimeout(ctx, func(ctx context.Context) error { return store.Set(ctx, a.ID, pw) }); err != nil {
			return worded(l10n.T("save.keyring_move_failed", l10n.Args{"Error": err.Error()}), err)
		}
		moved = true
	}

	signedIn, err := c.saveSignIn(ctx, a, orig, cmd.SignIn) // core_oauth.go
	if err != nil {
		return err
	}
	if err := config.Save(c.opts.ConfigDir, next); err != nil {
		// Do not leave a secret behind that no account names.
		if (orig == "" && secret != "") || (renamed && (moved || secret != "")) {
			_ = c.withSecretTimeout(ctx, func(ctx context.Context) error { return store.Delete(ctx, a.ID) })
		}
		return saveFailed(err)
	}
	restart := map[string]bool{}
	if secret != "" || signedIn {
		restart[a.ID] = true // a new password: log in again with it
	}
	return c.apply(ctx, next, restart)
}

// removeAccount takes the account out of config.json, stops it, drops its
// state and deletes its secret (once, here).
func (c *Core) removeAccount(ctx context.Context, id string) error {
	cfg, err := c.loadForEdit()
	if err != nil {
		return err
	}
	next, found := cfg.WithoutAccount(id)
	if !found {
		return fmt.Errorf("remove_account: no account %q in config.json", id)
	}
	if err := config.Save(c.opts.ConfigDir, next); err != nil {
		return saveFailed(err)
	}
	return c.apply(ctx, next, nil)
}

// savePreferences applies start-at-login to the system, then writes
// config.json with the preferences as they now are. An autostart that
// cannot be changed does not stop the rest from being saved.
func (c *Core) savePreferences(ctx context.Context, p *config.Preferences) error {
	if p == nil {
		return control.Invalid(control.FieldErrors{control.FieldGeneral: "save_preferences: no preferences given"})
	}
	cfg, err := c.loadForEdit()
	if err != nil {
		return err
	}
	next := *cfg
	next.Preferences = *p
	var ce *config.Error
	if err := next.Validate(); errors.As(err, &ce) {
		return control.Invalid(ce.Fields("preferences"))
	}
	var autoErr error
	if a := c.opts.Autostart; a != nil && a.Supported() {
		on, err := a.Enabled()
		if err != nil || on != p.StartAtLogin {
			if p.StartAtLogin {
				autoErr = a.Enable()
			} else {
				autoErr = a.Disable()
			}
		}
		if autoErr != nil {
			next.Preferences.StartAtLogin = on
		}
	} else {
		next.Preferences.StartAtLogin = cfg.Preferences.StartAtLogin // nothing to apply it to
	}
	if err := config.Save(c.opts.ConfigDir, &next); err != nil {
		return saveFailed(err)
	}
	if err := c.apply(ctx, &next, nil); err != nil {
		return err
	}
	if autoErr != nil {
		field := l10n.T("save.autostart_field", l10n.Args{"Error": autoErr.Error()})
		return &control.CommandError{Msg: l10n.T("save.autostart_failed", l10n.Args{"Error": autoErr.Error()}), Fields: control.FieldErrors{"start_at_login": field}}
	}
	return nil
}

// apply has the loop run cfg, then deletes the secrets of the accounts it
// no longer has.
func (c *Core) apply(ctx context.Context, cfg *config.Config, restart map[string]bool) error {
	m := applyMsg{cfg: cfg, restart: restart, removed: make(chan []string, 1)}
	select {
	case c.msgs <- m:
	case <-ctx.Done():
		return ctx.Err()
	}
	var removed []string
	select {
	case removed = <-m.removed:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.deleteSecrets(ctx, removed)
	return nil
}

// deleteSecrets deletes the secrets of removed accounts, off the loop.
func (c *Core) deleteSecrets(ctx context.Context, ids []string) {
	if c.opts.Secrets == nil {
		return
	}
	for _, id := range ids {
		c.deleteOAuthSecret(ctx, id) // core_oauth.go
		err := c.withSecretTimeout(ctx, func(ctx context.Context) error { return c.opts.Secrets.Delete(ctx, id) })
		if err != nil {
			// Absent is fine (a password_command account had none).
			c.log.Debug("deleting a removed account's secret", "account", id, "err", err)
		}
	}
}

func (c *Core) withSecretTimeout(ctx context.Context, f func(ctx context.Context) error) error {
	sctx, cancel := context.WithTimeout(ctx, c.secretTimeout())
	defer cancel()
	return f(sctx)
}

// testAccount logs in with the account as given and examines its first
// folder, with the typed secret, else its password_command, else the
// stored secret of the account being edited. It runs on the calling
// goroutine (never the loop) and answers in a person's words.
func (c *Core) testAccount(ctx context.Context, cmd control.Command) (control.Event, error) {
	if cmd.Settings == nil {
		return control.Event{}, control.Invalid(control.FieldErrors{control.FieldGeneral: "test_account: no account given (\"settings\")"})
	}
	a, orig, typed := *cmd.Settings, cmd.OriginalID, cmd.Secret
	cfg, err := config.Load(c.opts.ConfigDir)
	if err != nil {
		cfg = config.New() // a test needs no other account
	}
	next, index := cfg.WithAccount(a, orig)
	fields := accountFields(next, index)
	// Another account's problem, or an id taken: not this test's business.
	delete(fields, control.FieldGeneral)
	delete(fields, "id")
	if len(fields) > 0 {
		inv := control.Invalid(fields)
		inv.Msg = CheckSettings(inv.Msg)
		return control.Event{}, inv
	}
	password := c.probePassword(a, typed, orig)
	folder := a.EffectiveFolders()[0]
	host, port := a.Host, a.EffectivePort()
	acct, err := next.MailAccount(a, password) // reads the CA file
	if err == nil {
		acct.Credentials, err = c.testCredentials(a, cmd.SignIn)
	}
	if err != nil {
		text := DescribeProbe(mail.FolderInfo{}, err, host, port, folder)
		var ce *config.Error
		if errors.As(err, &ce) {
			text = CheckSettings(err.Error())
		}
		return control.Event{}, errors.New(text)
	}
	probe := c.opts.Probe
	if probe == nil {
		probe = mail.Probe
	}
	timeout := c.probeTimeout()
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := c.probeMailOptions(timeout)
	info, err := probe(pctx, acct, folder, opts)
	if err == nil && pctx.Err() != nil {
		err = pctx.Err()
	}
	text := DescribeProbe(info, err, host, port, folder)
	if err != nil {
		return control.Event{}, errors.New(text)
	}
	return control.Event{Value: text}, nil
}

// probePassword is the password a one-shot probe of account a uses (Test
// connection, listing folders): the one typed in the form, else a's
// password_command, else what the store holds for the account's saved id
// orig. The store is read with the core's secret timeout, on the caller's
// goroutine (never the core's loop).
func (c *Core) probePassword(a config.Account, typed, orig string) func(context.Context) (string, error) {
	return func(pctx context.Context) (string, error) {
		switch {
		case typed != "":
			return typed, nil
		case a.PasswordCommand != "":
			if c.opts.PasswordCommand == nil {
				return "", errors.New("password_command is not supported here")
			}
			return c.opts.PasswordCommand(pctx, a.PasswordCommand)
		case orig != "" && c.opts.Secrets != nil:
			sctx, cancel := context.WithTimeout(pctx, c.secretTimeout())
			defer cancel()
			return c.opts.Secrets.Get(sctx, orig)
		}
		return "", errors.New("no password typed and none stored")
	}
}
