// Package app is Mailbell's core: it runs one watcher per enabled account ×
// folder, persists where each folder was read to, decides what to notify,
// and publishes a view model for the tray, the windows and scripts.
//
// One goroutine (Run's loop) owns all mutable state; watchers, commands and
// timers talk to it through messages, as aerc's worker does.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/policy"
	"mailbell/app/rules"
	"mailbell/app/state"
	"mailbell/app/text"
	"mailbell/app/view"
	"mailbell/mail"
)

// Secrets is where passwords live (the keyring, or memory in the demo).
type Secrets interface {
	Get(ctx context.Context, account string) (string, error)
	Set(ctx context.Context, account, secret string) error
	Delete(ctx context.Context, account string) error
}

// Notifier shows a desktop notification. It is called from a goroutine of
// its own, never from the core's loop.
type Notifier interface {
	Show(n policy.Notification) error
}

// Options wire the core to the world.
type Options struct {
	ConfigDir string
	Secrets   Secrets
	// PasswordCommand runs an account's password_command (nil: unsupported).
	PasswordCommand func(ctx context.Context, cmdline string) (string, error)
	Notifier        Notifier // nil: no desktop notifications
	Mail            mail.Options
	Logger          *slog.Logger
	// Output receives every new_mail and state event (headless mode prints them).
	Output func(control.Event)
	// Exec is run once per batch of new mail with the messages as JSON on stdin.
	Exec []string
	// SpawnWindow starts the window process when no window client is connected.
	SpawnWindow func(view, message string) error
	// Quit is called when a client asks the core to quit.
	Quit func()
	Demo bool
	// OAuthOptions: token_command, GNOME Online Accounts, OAuth2 sign-in (core_oauth.go).
	OAuthOptions

	// Opener opens the user's mail program, webmail or command (nil: the
	// window is the only place mail opens; core_open.go).
	Opener MailOpener

	// SystemLanguages are the system's languages for preferences
	// "language": "" (nil: l10n.System, the environment's).
	SystemLanguages func() []string

	// Autostart applies preferences.start_at_login (nil: not supported).
	Autostart Autostart
	// Probe runs test_account (nil: mail.Probe).
	Probe ProbeFunc
	// SecretTimeout bounds each call to Secrets from the settings commands,
	// ProbeTimeout a test_account (0: DefaultSecretTimeout, DefaultProbeTimeout).
	SecretTimeout, ProbeTimeout time.Duration
}

// Core is the running application core. Create it with New, then Run.
type Core struct {
	opts  Options
	log   *slog.Logger
	store *state.Store
	msgs  chan any
	jobs  chan settingsJob // settings intents, for settingsLoop
	snap  atomic.Pointer[view.Snapshot]

	subMu sync.Mutex
	subs  map[chan struct{}]struct{}

	srvMu sync.Mutex
	srv   *control.Server

	oauth oauthState // sign-in state, with its own lock (core_oauth.go)

	// Owned by the loop.
	cfg      *config.Config
	cfgErr   string
	watchers map[state.Key]*running
	folders  map[state.Key]*view.Folder
	policy   *policy.Policy
	notifyQ  chan policy.Notification
	gen      int
	lastJSON []byte
	rules    *rules.Engine
	mine     openState // open mail, read elsewhere, counts, wake (core_count.go)
}

type running struct {
	gen     int
	acct    config.Account
	watcher *mail.Watcher
	cancel  context.CancelFunc
	stopped bool // Run returned with a permanent error: needs the user
}

// New loads the config and the state; it does not touch the network.
// A config that does not load is reported in the snapshot, not fatal.
func New(opts Options) (*Core, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	store, err := state.OpenWithLogger(opts.ConfigDir, opts.Logger)
	if err != nil {
		return nil, fmt.Errorf("sync state: %w", err)
	}
	c := &Core{
		opts:     opts,
		log:      opts.Logger,
		store:    store,
		msgs:     make(chan any, 256),
		jobs:     make(chan settingsJob, 16),
		subs:     map[chan struct{}]struct{}{},
		watchers: map[state.Key]*running{},
		folders:  map[state.Key]*view.Folder{},
		policy:   policy.New(),
		notifyQ:  make(chan policy.Notification, 64),
	}
	// The system's language until config.json says otherwise: a file that
	// does not load is reported in it.
	c.applyLanguage("")
	cfg, err := config.Load(opts.ConfigDir)
	if err != nil {
		c.cfgErr = err.Error()
		c.log.Error("config not loaded; fix it and reload", "err", err)
		cfg = &config.Config{}
	}
	c.cfg = cfg
	c.applyPreferences()
	c.restorePause()
	c.publish()
	return c, nil
}

// Messages into the loop.
type (
	watcherEvent struct {
		key   state.Key
		gen   int
		event mail.Event
	}
	watcherDone struct {
		key state.Key
		gen int
		err error
	}
	commandMsg struct {
		cmd   control.Command
		conn  *control.Conn
		reply chan result
	}
	summaryClosedMsg struct{}
	markedMsg        struct {
		key  string
		err  error
		done chan result
	}
	result struct {
		value    string
		settings *control.Settings
		err      error
	}
)

// Run starts the watchers and serves until ctx ends.
func (c *Core) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.notifyLoop(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.settingsLoop(ctx)
	}()

	c.startWatchers(ctx, &wg)
	c.publish()

	flush := time.NewTimer(time.Hour)
	flush.Stop()
	defer flush.Stop()
	for {
		c.armTimer(flush)
		select {
		case <-ctx.Done():
			for _, r := range c.watchers {
				r.cancel()
			}
			wg.Wait()
			return nil
		case m := <-c.msgs:
			c.handle(ctx, &wg, m)
			// Handle what queued meanwhile before publishing once.
			for more := true; more; {
				select {
				case m := <-c.msgs:
					c.handle(ctx, &wg, m)
				default:
					more = false
				}
			}
		case <-flush.C:
			now := time.Now()
			if c.policy.Expired(now) {
				c.show(c.policy.Resume(now))
				c.savePause()
			}
			c.show(c.policy.Flush(now))
		}
		c.publish()
	}
}

// armTimer sets the timer to the next policy deadline: a batch window's end
// or a pause's end. No deadline, no timer: an idle core does not wake.
func (c *Core) armTimer(t *time.Timer) {
	next := c.policy.Deadline()
	if p := c.policy.PausedUntil(); !p.IsZero() && p.Before(view.Forever) && (next.IsZero() || p.Before(next)) {
		next = p
	}
	t.Stop()
	if !next.IsZero() {
		t.Reset(max(time.Until(next), 0))
	}
}

func (c *Core) handle(ctx context.Context, wg *sync.WaitGroup, m any) {
	switch m := m.(type) {
	case watcherEvent:
		if r := c.watchers[m.key]; r == nil || r.gen != m.gen {
			return // a watcher that was replaced: its successor redoes its work
		}
		c.onWatcherEvent(m.key, m.event)
	case watcherDone:
		if r := c.watchers[m.key]; r != nil && r.gen == m.gen && m.err != nil {
			r.stopped = true
		}
	case commandMsg:
		c.onCommand(ctx, wg, m)
	case applyMsg:
		removed := c.applyConfig(ctx, wg, m.cfg, m.restart)
		c.publish() // the reply follows: its client sees the new state
		m.removed <- removed
	case summaryClosedMsg:
		c.policy.SummaryClosed()
	case foldersMsg:
		c.onFolders(ctx, wg, m) // core_folders.go
	case markedMsg:
		if m.err == nil {
			c.setSeen(m.key)
		}
		m.done <- result{err: m.err}
	}
}

func (c *Core) startWatchers(ctx context.Context, wg *sync.WaitGroup) {
	for _, a := range c.cfg.Accounts {
		c.startAccount(ctx, wg, a)
	}
}

func (c *Core) startAccount(ctx context.Context, wg *sync.WaitGroup, a config.Account) {
	c.expandFolders(ctx, a) // "*": list them (core_folders.go)
	for _, folder := range c.foldersOf(a) {
		key := state.Key{Account: a.ID, Folder: folder}
		f := &view.Folder{Name: folder, State: view.StateDisabled, PollInterval: c.mailOptions().PollInterval}
		c.folders[key] = f
		if !a.IsEnabled() {
			continue
		}
		acct, err := c.cfg.MailAccount(a, c.passwordFor(a))
		if err == nil {
			acct.Credentials, err = c.credentialsFor(a)
		}
		if err != nil {
			f.State, f.Error, f.ErrorKind = view.StateStopped, err.Error(), view.ErrorConfig
			continue
		}
		c.gen++
		gen := c.gen
		wctx, cancel := context.WithCancel(ctx)
		emit := func(e mail.Event) {
			select {
			case c.msgs <- watcherEvent{key: key, gen: gen, event: e}:
			case <-wctx.Done():
			}
		}
		w := mail.NewWatcher(acct, folder, c.store.Position(key), c.mailOptions(), emit)
		c.watchers[key] = &running{gen: gen, acct: a, watcher: w, cancel: cancel}
		f.State = view.StateConnecting
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.Run(wctx)
			select {
			case c.msgs <- watcherDone{key: key, gen: gen, err: err}:
			case <-ctx.Done():
			}
		}()
	}
}

func (c *Core) stopAccount(id string) {
	for key, r := range c.watchers {
		if key.Account == id {
			r.cancel()
			delete(c.watchers, key)
		}
	}
	for key := range c.folders {
		if key.Account == id {
			delete(c.folders, key)
		}
	}
}

func (c *Core) mailOptions() mail.Options {
	o := c.opts.Mail
	p := c.cfg.Preferences
	if o.IdleRefresh == 0 && p.IdleRefreshMinutes > 0 {
		o.IdleRefresh = p.IdleRefresh()
	}
	if o.PollInterval == 0 && p.PollSeconds > 0 {
		o.PollInterval = p.PollInterval()
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Minute
	}
	if o.Logger == nil {
		o.Logger = c.log
	}
	return o
}

// applyPreferences puts the preferences into effect, the language first:
// the tray menu and every notification built after it speak it.
func (c *Core) applyPreferences() {
	p := c.cfg.Preferences
	c.applyLanguage(p.Language)
	c.policy.ShowSender = p.ShowSender
	c.policy.ShowSubject = p.ShowSubject
	c.applyRules()
}

// passwordFor returns the account's credentials source: its
// password_command if it has one, else the secret store.
func (c *Core) passwordFor(a config.Account) func(ctx context.Context) (string, error) {
	id, cmdline := a.ID, a.PasswordCommand
	return func(ctx context.Context) (string, error) {
		if cmdline != "" {
			if c.opts.PasswordCommand == nil {
				return "", errors.New("password_command is not supported here")
			}
			return c.opts.PasswordCommand(ctx, cmdline)
		}
		if c.opts.Secrets == nil {
			return "", errors.New("no secret store")
		}
		return c.opts.Secrets.Get(ctx, id)
	}
}

// reload re-reads config.json and restarts only what changed, plus any
// account stopped on a permanent error (its password may have changed).
func (c *Core) reload(ctx context.Context, wg *sync.WaitGroup) error {
	cfg, err := config.Load(c.opts.ConfigDir)
	if err != nil {
		c.cfgErr = err.Error()
		c.log.Error("config not reloaded; still running the previous one", "err", err)
		return err
	}
	removed := c.applyConfig(ctx, wg, cfg, nil)
	if len(removed) > 0 {
		go c.deleteSecrets(context.Background(), removed) // the keyring is slow: off the loop
	}
	return nil
}

// applyConfig runs cfg in place of the config running now: it restarts the
// accounts that changed, those in restart, and those stopped on a
// permanent error, stops and forgets the ones cfg no longer has and
// returns their ids (their secrets are the caller's to delete: once).
func (c *Core) applyConfig(ctx context.Context, wg *sync.WaitGroup, cfg *config.Config, restart map[string]bool) []string {
	c.cfgErr = ""
	old := map[string]config.Account{}
	for _, a := range c.cfg.Accounts {
		old[a.ID] = a
	}
	// Only the preferences a watcher runs with restart it; the others
	// (notifications, start at login) apply without reconnecting.
	prefsChanged := c.cfg.Preferences.IdleRefreshMinutes != cfg.Preferences.IdleRefreshMinutes ||
		c.cfg.Preferences.PollSeconds != cfg.Preferences.PollSeconds
	c.cfg = cfg
	c.applyPreferences()
	seen := map[string]bool{}
	for _, a := range cfg.Accounts {
		seen[a.ID] = true
		prev, existed := old[a.ID]
		if existed && sameWatch(prev, a) && !prefsChanged && !restart[a.ID] && !c.needsUser(a.ID) {
			continue
		}
		c.stopAccount(a.ID)
		c.startAccount(ctx, wg, a)
	}
	var removed []string
	for id := range old {
		if !seen[id] {
			c.stopAccount(id)
			c.forgetAccount(id)
			removed = append(removed, id)
		}
	}
	return removed
}

func (c *Core) needsUser(id string) bool {
	for key, r := range c.watchers {
		if key.Account == id && r.stopped {
			return true
		}
	}
	for key, f := range c.folders {
		if key.Account == id && f.State == view.StateStopped {
			return true
		}
	}
	return false
}

// forgetAccount drops a removed account's state. Its secret is deleted by
// applyConfig's caller, off the loop.
func (c *Core) forgetAccount(id string) {
	if err := c.store.RemoveAccount(id); err != nil {
		c.log.Error("removing account state", "account", id, "err", err)
	}
}

func (c *Core) accountName(id string) string {
	for _, a := range c.cfg.Accounts {
		if a.ID == id {
			return a.DisplayName()
		}
	}
	return id
}

func (c *Core) onWatcherEvent(key state.Key, e mail.Event) {
	f := c.folders[key]
	if f == nil {
		return
	}
	now := time.Now()
	switch e := e.(type) {
	case mail.StateEvent:
		c.noteSignInState(key, e)
		f.State, f.Error, f.ErrorKind, f.NextTry = view.State(e.State), "", "", time.Time{}
		if e.Err != nil {
			f.Error, f.ErrorKind = errorText(e.Err), errorKind(e.Err)
		}
		if e.State == mail.StateBackoff {
			f.NextTry = e.NextTry
		}
		if e.State == mail.StateIdle || e.State == mail.StatePolling {
			f.LastCheck = now
		}
		ev := control.Event{Event: control.EvState, Account: key.Account, Folder: key.Folder, State: string(f.State), Error: f.Error}
		if !f.NextTry.IsZero() {
			ev.NextTry = f.NextTry.Format(time.RFC3339)
		}
		c.output(ev)
	case mail.SyncedEvent:
		f.LastCheck = e.At
	case mail.CountsEvent:
		f.Unseen, f.Total = e.Unseen, e.Total
	case mail.BaselineEvent:
		if err := c.store.Commit(key, e.New, nil); err != nil {
			c.log.Error("saving sync state", "err", err)
		}
		if !e.First {
			c.log.Info("folder was recreated (UIDVALIDITY changed): starting afresh without announcing old mail",
				"account", key.Account, "folder", key.Folder)
			c.output(control.Event{Event: "baseline", Account: key.Account, Folder: key.Folder})
		}
	case mail.RecentEvent:
		items := c.recentItems(key, c.store.Position(key).UIDValidity, e.Messages, now)
		if err := c.store.Commit(key, c.store.Position(key), items); err != nil {
			c.log.Error("saving recent list", "err", err)
		}
	case mail.NewMailEvent:
		c.onNewMail(key, e, now)
		c.noteNew(key, e) // core_count.go
	case mail.FlagsEvent:
		c.onFlags(key, e) // core_read.go
	case mail.ExpungedEvent:
		c.onExpunged(key, e)
	}
}

func (c *Core) onNewMail(key state.Key, e mail.NewMailEvent, now time.Time) {
	items := c.recentItems(key, e.Position.UIDValidity, e.Messages, now)
	verdicts := c.judge(items)
	name := c.accountName(key.Account)
	announced := false
	announce := func() {
		announced = true
		for _, r := range items {
			seen := r.Seen
			c.output(control.Event{Event: control.EvNewMail, Account: r.Account, Folder: r.Folder, UID: r.UID,
				From: r.From, Subject: r.Subject, Date: r.Date.Format(time.RFC3339), Seen: &seen, Muted: r.Muted})
		}
	}
	// The lines go out between the new state's fsync and its rename: a kill
	// on either side of them neither loses nor repeats an announcement.
	if err := c.store.CommitAnnounce(key, e.Position, items, announce); err != nil {
		c.log.Error("saving sync state; a restart may announce these again", "err", err)
	}
	if !announced {
		announce() // the write failed early: announce anyway, never lose one
	}
	var batch []policy.Item
	for i, r := range items {
		batch = append(batch, c.withRules(policy.Item{Account: r.Account, AccountName: name, Key: messageOf(r, name).Key(),
			From: r.From, Subject: r.Subject, Seen: r.Seen}, verdicts[i]))
	}
	c.neverNotify(key, batch) // Junk, Trash (core_folders.go)
	if len(c.opts.Exec) > 0 {
		go c.runExec(items)
	}
	if c.cfg.Preferences.Notifications {
		c.show(c.policy.Add(now, batch))
	}
}

func (c *Core) recentItems(key state.Key, uidValidity uint32, msgs []mail.Message, now time.Time) []state.Recent {
	items := make([]state.Recent, 0, len(msgs))
	for _, m := range msgs {
		var from, addr string
		if len(m.From) > 0 {
			from, addr = text.Sender(m.From[0].Name, m.From[0].Addr), text.Clean(m.From[0].Addr, 200)
		} else {
			from = text.Sender("", "")
		}
		items = append(items, state.Recent{
			Account: key.Account, Folder: key.Folder, UID: m.UID, UIDValidity: uidValidity,
			From: from, FromAddr: addr, Subject: text.Subject(m.Subject), Date: m.Date, Seen: m.Seen, Arrived: now,
			MessageID: text.Clean(m.MessageID, 300),
		})
	}
	return items
}

func (c *Core) show(ns []policy.Notification) {
	if c.opts.Notifier == nil {
		return
	}
	for _, n := range c.withPreferences(ns) {
		select {
		case c.notifyQ <- n:
		default:
			c.log.Warn("notification queue full; dropped one")
		}
	}
}

// notifyLoop delivers notifications in order, off the core's loop: a
// notification server that is slow to answer must not hold up the core.
func (c *Core) notifyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-c.notifyQ:
			if err := c.opts.Notifier.Show(n); err != nil {
				c.log.Warn("notification not shown", "err", err)
			}
		}
	}
}

func (c *Core) output(ev control.Event) {
	if c.opts.Output != nil {
		c.opts.Output(ev)
	}
	c.srvMu.Lock()
	srv := c.srv
	c.srvMu.Unlock()
	if srv != nil {
		srv.Broadcast(ev)
	}
}

func errorText(err error) string {
	// The errors of package mail carry no secrets; they are already short.
	return text.Clean(err.Error(), 300)
}

func errorKind(err error) string {
	switch {
	case errors.Is(err, mail.ErrAuth):
		return view.ErrorAuth
	case errors.Is(err, mail.ErrTLS), errors.Is(err, mail.ErrNoSTARTTLS), errors.Is(err, mail.ErrInsecure):
		return view.ErrorTLS
	case signInKind(err) != "":
		return signInKind(err)
	case mail.IsPermanent(err):
		return view.ErrorConfig
	}
	return view.ErrorNetwork
}

func messageOf(r state.Recent, accountName string) view.Message {
	return view.Message{Account: r.Account, AccountName: accountName, Folder: r.Folder, UIDValidity: r.UIDValidity,
		UID: r.UID, From: r.From, FromAddr: r.FromAddr, Subject: r.Subject, Date: r.Date, Seen: r.Seen, Muted: r.Muted}
}

// SummaryClosed tells the core the last summary notification left the
// screen, so the next summary does not count its messages again.
func (c *Core) SummaryClosed() {
	select {
	case c.msgs <- summaryClosedMsg{}:
	default: // the loop is busy: the summary merges once more, no harm
	}
}

// Snapshot is the current view model. Safe from any goroutine.
func (c *Core) Snapshot() view.Snapshot { return *c.snap.Load() }

// Subscribe returns a channel poked (coalesced) on every change, and a
// function that ends the subscription.
func (c *Core) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	c.subMu.Lock()
	c.subs[ch] = struct{}{}
	c.subMu.Unlock()
	return ch, func() {
		c.subMu.Lock()
		delete(c.subs, ch)
		c.subMu.Unlock()
	}
}

// publish rebuilds the snapshot and tells subscribers if it changed.
func (c *Core) publish() {
	s := c.buildSnapshot()
	data, _ := json.Marshal(s)
	if c.snap.Load() != nil && string(data) == string(c.lastJSON) {
		return
	}
	c.lastJSON = data
	c.snap.Store(&s)
	c.subMu.Lock()
	for ch := range c.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	c.subMu.Unlock()
	c.srvMu.Lock()
	srv := c.srv
	c.srvMu.Unlock()
	if srv != nil {
		srv.Broadcast(control.Event{Event: control.EvSnapshot, Snapshot: &s})
	}
}

func (c *Core) buildSnapshot() view.Snapshot {
	s := view.Snapshot{
		Notifications: c.cfg.Preferences.Notifications,
		PausedUntil:   c.policy.PausedUntil(),
		Demo:          c.opts.Demo,
		ConfigError:   c.cfgErr,
		Language:      l10n.Current().String(),
		Accounts:      []view.Account{},
		Recent:        []view.Message{},
	}
	for _, a := range c.cfg.Accounts {
		va := view.Account{ID: a.ID, Name: a.DisplayName(), Email: a.Email, Enabled: a.IsEnabled()}
		for _, folder := range c.foldersOf(a) {
			if f := c.folders[state.Key{Account: a.ID, Folder: folder}]; f != nil {
				va.Folders = append(va.Folders, *f)
				s.Unseen += f.Unseen
			}
		}
		s.Accounts = append(s.Accounts, va)
	}
	for _, r := range c.store.Recent() {
		if _, ok := c.folders[state.Key{Account: r.Account, Folder: r.Folder}]; !ok {
			continue
		}
		s.Recent = append(s.Recent, messageOf(r, c.accountName(r.Account)))
	}
	countMuted(&s)
	c.applyCount(&s)
	return s
}
