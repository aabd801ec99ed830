package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"

	"mailbell/app/control"
	"mailbell/app/state"
	"mailbell/app/view"
	"mailbell/mail"
)

// ErrUnknownCommand: a client sent a command the core does not know.
var ErrUnknownCommand = errors.New("unknown command")

// Do runs a command as if it came from a client, and waits for its result.
// Safe from any goroutine but the core's own loop.
func (c *Core) Do(ctx context.Context, cmd control.Command) (string, error) {
	ev, err := c.Request(ctx, cmd)
	return ev.Value, err
}

// Request is Do returning the reply's whole payload (Value, Settings). A
// command refused for its values returns a *control.CommandError with
// Fields. Safe from any goroutine but the core's own loop.
func (c *Core) Request(ctx context.Context, cmd control.Command) (control.Event, error) {
	return c.start(ctx, nil, cmd)()
}

// start begins cmd after the commands started before it and returns a
// function that waits for its result. The settings intents go to the
// settings worker (they wait on the keyring and the disk), a connection
// test runs on its own, everything else on the loop.
func (c *Core) start(ctx context.Context, conn *control.Conn, cmd control.Command) func() (control.Event, error) {
	failed := func(err error) func() (control.Event, error) {
		return func() (control.Event, error) { return control.Event{}, err }
	}
	wait := func(reply chan result) func() (control.Event, error) {
		return func() (control.Event, error) {
			select {
			case r := <-reply:
				return control.Event{Value: r.value, Settings: r.settings}, r.err
			case <-ctx.Done():
				return control.Event{}, ctx.Err()
			}
		}
	}
	switch cmd.Cmd {
	case control.CmdSignIn:
		return func() (control.Event, error) { return c.signIn(cmd) }
	case control.CmdSignInWait:
		return func() (control.Event, error) { return c.signInWait(ctx, cmd.SignIn) }
	case control.CmdOnlineAccounts:
		return func() (control.Event, error) { return c.onlineAccounts(ctx) }
	case control.CmdTestAccount:
		return func() (control.Event, error) { return c.testAccount(ctx, cmd) }
	case control.CmdListFolders:
		return func() (control.Event, error) { return c.listFolders(ctx, cmd) } // core_folders.go
	case control.CmdGetSettings, control.CmdSaveAccount, control.CmdRemoveAccount, control.CmdSavePreferences:
		reply := make(chan result, 1)
		select {
		case c.jobs <- settingsJob{cmd: cmd, reply: reply}:
		case <-ctx.Done():
			return failed(ctx.Err())
		}
		return wait(reply)
	}
	reply := make(chan result, 1)
	select {
	case c.msgs <- commandMsg{cmd: cmd, conn: conn, reply: reply}:
	case <-ctx.Done():
		return failed(ctx.Err())
	}
	return wait(reply)
}

// Listen serves the control socket at path until ctx ends.
func (c *Core) Listen(ctx context.Context, path string) (*control.Server, error) {
	handler := func(conn *control.Conn, cmd control.Command) func() (control.Event, error) {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		wait := c.start(cctx, conn, cmd)
		return func() (control.Event, error) {
			defer cancel()
			return wait()
		}
	}
	snapshot := func() control.Event {
		s := c.Snapshot()
		return control.Event{Event: control.EvSnapshot, Snapshot: &s}
	}
	srv, err := control.Listen(path, handler, snapshot, c.log)
	if err != nil {
		return nil, err
	}
	c.srvMu.Lock()
	c.srv = srv
	c.srvMu.Unlock()
	context.AfterFunc(ctx, func() {
		c.srvMu.Lock()
		c.srv = nil
		c.srvMu.Unlock()
		srv.Close()
	})
	return srv, nil
}

func (c *Core) onCommand(ctx context.Context, wg *sync.WaitGroup, m commandMsg) {
	ok := func(err error) {
		c.publish() // a client that waits for the reply sees the new state
		m.reply <- result{err: err}
	}
	switch m.cmd.Cmd {
	case control.CmdHello:
		ok(nil)
	case control.CmdCheckNow:
		for _, r := range c.watchers {
			r.watcher.CheckNow()
		}
		ok(nil)
	case control.CmdPause:
		until := m.cmd.Until
		if until.IsZero() || until.After(view.Forever) {
			until = view.Forever
		}
		if !until.After(time.Now()) {
			ok(fmt.Errorf("pause: %s is in the past", until.Format(time.RFC3339)))
			return
		}
		c.policy.Pause(until)
		c.savePause()
		ok(nil)
	case control.CmdResume:
		c.show(c.policy.Resume(time.Now()))
		c.savePause()
		ok(nil)
	case control.CmdReload:
		ok(c.reload(ctx, wg))
	case control.CmdShowWindow:
		c.markLooked() // "count": "new" starts again from here
		ok(c.showWindow(m.cmd))
	case control.CmdMarkRead:
		c.markRead(ctx, m)
	case control.CmdOpenMail:
		c.openMail(ctx, m)
	case control.CmdWake:
		c.wake()
		ok(nil)
	case control.CmdLooked:
		c.markLooked() // core_count.go
		ok(nil)
	case control.CmdQuit:
		if c.opts.Quit == nil {
			ok(errors.New("quit is not available"))
			return
		}
		ok(nil)
		// Leave the reply a moment to reach the socket before it closes.
		time.AfterFunc(100*time.Millisecond, c.opts.Quit)
	default:
		ok(fmt.Errorf("%w %q", ErrUnknownCommand, m.cmd.Cmd))
	}
}

// showWindow asks a connected window process to show the view, else starts one.
func (c *Core) showWindow(cmd control.Command) error {
	v := cmd.View
	if v == "" {
		v = control.ViewRecent
	}
	if v != control.ViewRecent && v != control.ViewSettings && v != control.ViewSetup {
		return fmt.Errorf("show_window: unknown view %q", v)
	}
	c.srvMu.Lock()
	srv := c.srv
	c.srvMu.Unlock()
	if srv != nil {
		if wins := srv.Clients("window"); len(wins) > 0 {
			for _, w := range wins {
				srv.Send(w, control.Event{Event: control.EvShow, View: v, Message: cmd.Message})
			}
			return nil
		}
	}
	if c.opts.SpawnWindow == nil {
		return errors.New("no window available in this mode")
	}
	return c.opts.SpawnWindow(v, cmd.Message)
}

// markRead sets \Seen on the server in a short session of its own, off the loop.
func (c *Core) markRead(ctx context.Context, m commandMsg) {
	var target *state.Recent
	for _, r := range c.store.Recent() {
		if messageOf(r, "").Key() == m.cmd.Message {
			target = &r
			break
		}
	}
	if target == nil {
		m.reply <- result{err: fmt.Errorf("mark_read: no recent message %q", m.cmd.Message)}
		return
	}
	a, found := c.cfg.Account(target.Account)
	if !found {
		m.reply <- result{err: fmt.Errorf("mark_read: account %q is no longer in the config", target.Account)}
		return
	}
	acct, err := c.cfg.MailAccount(a, c.passwordFor(a))
	if err == nil {
		acct.Credentials, err = c.credentialsFor(a)
	}
	if err != nil {
		m.reply <- result{err: fmt.Errorf("mark_read: account %q: %w", target.Account, err)}
		return
	}
	key, folder, uv, uid := m.cmd.Message, target.Folder, target.UIDValidity, target.UID
	opts := c.mailOptions()
	go func() {
		mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := mail.MarkSeen(mctx, acct, folder, uv, []uint32{uid}, opts)
		select {
		case c.msgs <- markedMsg{key: key, err: err, done: m.reply}:
		case <-ctx.Done():
			m.reply <- result{err: ctx.Err()}
		}
	}()
}

func (c *Core) setSeen(key string) {
	for _, r := range c.store.Recent() {
		if messageOf(r, "").Key() == key {
			k := state.Key{Account: r.Account, Folder: r.Folder}
			if err := c.store.SetSeen(k, r.UIDValidity, r.UID, true); err != nil {
				c.log.Error("saving recent list", "err", err)
			}
			if w := c.watchers[k]; w != nil {
				w.watcher.CheckNow() // the unseen count follows
			}
			return
		}
	}
}

// runExec runs the --exec command with the batch as JSON on stdin. The mail
// data never reaches a shell: the command is an argv, the data is stdin.
func (c *Core) runExec(items []state.Recent) {
	type msg struct {
		Account string `json:"account"`
		Folder  string `json:"folder"`
		UID     uint32 `json:"uid"`
		From    string `json:"from"`
		Addr    string `json:"from_addr,omitempty"`
		Subject string `json:"subject"`
		Date    string `json:"date"`
		Seen    bool   `json:"seen"`
	}
	batch := make([]msg, 0, len(items))
	for _, r := range items {
		batch = append(batch, msg{r.Account, r.Folder, r.UID, r.From, r.FromAddr, r.Subject, r.Date.Format(time.RFC3339), r.Seen})
	}
	data, _ := json.Marshal(batch)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.opts.Exec[0], c.opts.Exec[1:]...)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		c.log.Warn("--exec command failed", "cmd", c.opts.Exec[0], "err", err, "stderr", firstLine(stderr.String()))
	}
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
