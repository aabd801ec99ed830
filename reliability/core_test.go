package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/mail"
	"mailbell/platform/secrets"
)

// coreT is an in-process core on a config folder, recorded.
type coreT struct {
	t      *testing.T
	dir    string
	store  *secrets.MemoryStore
	rec    *Recorder
	core   *app.Core
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan struct{}
}

// testMail are short timings that still leave room on a loaded machine.
func testMail() mail.Options {
	return mail.Options{DialTimeout: 5 * time.Second, CommandTimeout: 5 * time.Second,
		BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second}
}

// startCore runs a core on dir until the test ends (or stop).
func startCore(t *testing.T, dir string, store *secrets.MemoryStore, mo mail.Options) *coreT {
	t.Helper()
	c, err := newCore(dir, store, mo)
	if err != nil {
		t.Fatal(err)
	}
	c.t = t
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("core log (tail):\n%s", tail(c.log.String(), 60))
		}
	})
	return c
}

// startDetachedCore runs a core that outlives the current test (the fuzz
// rig); the caller stops it.
func startDetachedCore(dir string, store *secrets.MemoryStore, mo mail.Options) *coreT {
	c, err := newCore(dir, store, mo)
	if err != nil {
		panic(err)
	}
	return c
}

func newCore(dir string, store *secrets.MemoryStore, mo mail.Options) (*coreT, error) {
	c := &coreT{dir: dir, store: store, rec: NewRecorder(), log: &syncBuffer{}}
	core, err := app.New(app.Options{
		ConfigDir: dir,
		Secrets:   store,
		Notifier:  c.rec,
		Mail:      mo,
		Logger:    slog.New(slog.NewTextHandler(c.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Output:    c.rec.Output,
	})
	if err != nil {
		return nil, err
	}
	c.core = core
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		_ = core.Run(ctx)
	}()
	return c, nil
}

func (c *coreT) stop() {
	c.cancel()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		if c.t != nil {
			c.t.Error("core did not stop within 10 s")
		}
	}
}

// wait fails the test unless ok holds within d.
func (c *coreT) wait(d time.Duration, what string, ok func() bool) {
	c.t.Helper()
	if !c.rec.Wait(d, ok) {
		c.t.Fatalf("no %s within %s; events:\n%s", what, d, c.describe())
	}
}

// idle reports whether every account/folder pair given is idle (or
// polling, for a server without IDLE).
func (c *coreT) idle(keys ...string) func() bool {
	return func() bool {
		for _, k := range keys {
			acct, folder, _ := strings.Cut(k, "/")
			if s := c.rec.LastState(acct, folder); s != string(mail.StateIdle) && s != string(mail.StatePolling) {
				return false
			}
		}
		return true
	}
}

// announced counts new_mail events with subject.
func (c *coreT) announced(subject string) int {
	n := 0
	for _, e := range c.rec.Kind(control.EvNewMail) {
		if e.Subject == subject {
			n++
		}
	}
	return n
}

// hasMail reports whether every subject was announced.
func (c *coreT) hasMail(subjects ...string) func() bool {
	return func() bool {
		for _, s := range subjects {
			if c.announced(s) == 0 {
				return false
			}
		}
		return true
	}
}

// count counts events of kind for account/folder with state st ("" any).
func (c *coreT) count(kind, account, folder, st string) int {
	n := 0
	for _, e := range c.rec.Kind(kind) {
		if e.Account == account && e.Folder == folder && (st == "" || e.State == st) {
			n++
		}
	}
	return n
}

func (c *coreT) do(cmd control.Command) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.core.Do(ctx, cmd)
	return err
}

// describe lists the events for a failure message.
func (c *coreT) describe() string {
	var b strings.Builder
	for _, e := range c.rec.Events() {
		ev := e.Event
		ev.Snapshot = nil
		data, _ := json.Marshal(ev)
		fmt.Fprintf(&b, "  %s %s\n", e.At.Format("15:04:05.000"), data)
	}
	return b.String()
}

// memStore returns a memory secret store holding the passwords.
func memStore(pw map[string]string) *secrets.MemoryStore {
	s := secrets.Memory()
	for k, v := range pw {
		_ = s.Set(context.Background(), k, v)
	}
	return s
}
