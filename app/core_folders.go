package app

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/policy"
	"mailbell/app/state"
	"mailbell/mail"
)

// folderState is the loop's knowledge of the accounts' folders.
type folderState struct {
	// expanded: what `"folders": ["*"]` stands for, per account id, as
	// listed for that very account setting.
	expanded map[string]expansion
	listing  map[string]config.Account     // the setting a running listing is for
	roles    map[state.Key]mail.Role       // from listings
	cancel   map[string]context.CancelFunc // the running listings
}

type expansion struct {
	acct  config.Account
	names []string
}

// foldersMsg: a listing for "*" is done.
type foldersMsg struct {
	acct    config.Account
	folders []mail.Folder
}

// foldersOf are the folders to watch for a: the listing of "*" when there
// is one for this setting (plus any folder named beside "*"), else
// a.EffectiveFolders() (INBOX for "*" until the listing is in).
func (c *Core) foldersOf(a config.Account) []string {
	exp, ok := c.mine.folders.expanded[a.ID]
	if !a.WatchesAll() || !ok || !reflect.DeepEqual(exp.acct, a) {
		return a.EffectiveFolders()
	}
	names := append([]string(nil), exp.names...)
	for _, f := range a.Folders {
		if f != config.AllFolders && !contains(names, f) {
			names = append(names, f)
		}
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// expandFolders starts listing a's folders when it watches "*" and no
// listing for this setting is known or running. The listing retries with
// a backoff while the server cannot be reached; its result comes back to
// the loop as a foldersMsg.
func (c *Core) expandFolders(ctx context.Context, a config.Account) {
	fs := &c.mine.folders
	if !a.WatchesAll() || !a.IsEnabled() {
		return
	}
	if running, ok := fs.listing[a.ID]; ok {
		if reflect.DeepEqual(running, a) {
			return
		}
		fs.cancel[a.ID]() // for an older setting: its result would be dropped
	}
	if exp, ok := fs.expanded[a.ID]; ok && reflect.DeepEqual(exp.acct, a) {
		return
	}
	acct, err := c.cfg.MailAccount(a, c.passwordFor(a))
	if err == nil {
		acct.Credentials, err = c.credentialsFor(a)
	}
	if err != nil {
		return // the INBOX watcher reports the problem
	}
	if fs.listing == nil {
		fs.listing, fs.cancel = map[string]config.Account{}, map[string]context.CancelFunc{}
	}
	lctx, cancel := context.WithCancel(ctx)
	fs.listing[a.ID], fs.cancel[a.ID] = a, cancel
	opts := c.mailOptions()
	go func() {
		defer cancel()
		wait := time.Second
		for {
			tctx, tcancel := context.WithTimeout(lctx, time.Minute)
			folders, err := mail.ListFolders(tctx, acct, opts)
			tcancel()
			if err == nil {
				select {
				case c.msgs <- foldersMsg{acct: a, folders: folders}:
				case <-lctx.Done():
				}
				return
			}
			if mail.IsPermanent(err) {
				c.log.Warn("folders not listed; watching INBOX", "account", a.ID, "err", err)
				return
			}
			select {
			case <-lctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(wait*2, 5*time.Minute)
		}
	}()
}

// onFolders: the listing of a's "*" is in; a still has that setting, so
// its watchers restart on the listed folders.
func (c *Core) onFolders(ctx context.Context, wg *sync.WaitGroup, m foldersMsg) {
	fs := &c.mine.folders
	if running, ok := fs.listing[m.acct.ID]; ok && reflect.DeepEqual(running, m.acct) {
		delete(fs.listing, m.acct.ID)
		delete(fs.cancel, m.acct.ID)
	}
	now, ok := c.cfg.Account(m.acct.ID)
	if !ok || !reflect.DeepEqual(now, m.acct) {
		return // changed meanwhile: its restart listed again
	}
	var names []string
	if fs.roles == nil {
		fs.roles = map[state.Key]mail.Role{}
	}
	for _, f := range m.folders {
		fs.roles[state.Key{Account: now.ID, Folder: f.Name}] = f.Role
		if f.Selectable && f.Role.InAll() {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		names = []string{"INBOX"}
	}
	if fs.expanded == nil {
		fs.expanded = map[string]expansion{}
	}
	fs.expanded[now.ID] = expansion{acct: now, names: names}
	c.log.Info("watching all folders", "account", now.ID, "folders", len(names))
	c.stopAccount(now.ID)
	c.startAccount(ctx, wg, now)
}

// neverNotify mutes the batch when its folder is Junk or Trash (by its
// special use where a listing said so, else by its name): whatever the
// person chose, spam and deleted mail never pop up.
func (c *Core) neverNotify(key state.Key, batch []policy.Item) {
	role, ok := c.mine.folders.roles[key]
	if !ok {
		role = mail.GuessRole(key.Folder)
	}
	if !role.NeverNotifies() {
		return
	}
	for i := range batch {
		batch[i].Muted = true
	}
}

// listFolders answers list_folders: the folders of the account being
// edited (Settings, with the password typed, stored or from its command)
// or of a saved one (Account), as its server lists them.
func (c *Core) listFolders(ctx context.Context, cmd control.Command) (control.Event, error) {
	cfg, err := config.Load(c.opts.ConfigDir)
	if err != nil {
		cfg = config.New()
	}
	var a config.Account
	orig, typed := cmd.OriginalID, cmd.Secret
	switch {
	case cmd.Settings != nil:
		a = *cmd.Settings
	case cmd.Account != "":
		saved, ok := cfg.Account(cmd.Account)
		if !ok {
			return control.Event{}, fmt.Errorf("list_folders: no account %q", cmd.Account)
		}
		a, orig = saved, saved.ID
	default:
		return control.Event{}, control.Invalid(control.FieldErrors{control.FieldGeneral: "list_folders: no account given (\"settings\" or \"account\")"})
	}
	password := c.probePassword(a, typed, orig)
	next, _ := cfg.WithAccount(a, orig)
	acct, err := next.MailAccount(a, password)
	if err == nil {
		acct.Credentials, err = c.testCredentials(a, cmd.SignIn)
	}
	if err != nil {
		return control.Event{}, fmt.Errorf("list_folders: %w", err)
	}
	timeout := c.probeTimeout()
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := c.probeMailOptions(timeout)
	folders, err := mail.ListFolders(lctx, acct, opts)
	if err != nil {
		return control.Event{}, errors.New(DescribeProbe(mail.FolderInfo{}, err, a.Host, a.EffectivePort(), "INBOX"))
	}
	out := make([]control.Folder, 0, len(folders))
	for _, f := range folders {
		out = append(out, control.Folder{Name: f.Name, Role: string(f.Role), Selectable: f.Selectable,
			InAll: f.Selectable && f.Role.InAll(), NeverNotifies: f.Role.NeverNotifies()})
	}
	return control.Event{Folders: out}, nil
}
