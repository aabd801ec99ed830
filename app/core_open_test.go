package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/control"
)

// fakeOpener records what the core asked to open.
type fakeOpener struct {
	client bool
	fail   error
	mu     sync.Mutex
	hows   []string
	got    []app.OpenTarget
}

func (o *fakeOpener) HasClient() bool { return o.client }
func (o *fakeOpener) Open(_ context.Context, how string, t app.OpenTarget) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hows, o.got = append(o.hows, how), append(o.got, t)
	return o.fail
}
func (o *fakeOpener) calls() ([]string, []app.OpenTarget) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.hows...), append([]app.OpenTarget(nil), o.got...)
}

// spawned records SpawnWindow calls.
type spawned struct {
	mu    sync.Mutex
	calls []string
}

func (s *spawned) spawn(view, message string) error {
	s.mu.Lock()
	s.calls = append(s.calls, view+" "+message)
	s.mu.Unlock()
	return nil
}
func (s *spawned) n() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.calls) }

func TestOpenMailChoices(t *testing.T) {
	srv, _ := twoAccounts(t)
	hostile := "Re: $(rm -rf ~); `id` \"quoted\""
	for _, tc := range []struct {
		name, open string
		client     bool
		host       string
		want       string // how the opener was asked; "" = the window
		wantReply  string
	}{
		{name: "client set", open: "client", want: "client", wantReply: "client"},
		{name: "default with a client", client: true, want: "client", wantReply: "client"},
		{name: "url", open: "https://webmail.example.com/", want: "https://webmail.example.com/", wantReply: "webmail"},
		{name: "command", open: "my-mail --uid {uid} --folder {folder}", want: "my-mail --uid {uid} --folder {folder}", wantReply: "command"},
		{name: "default without client: window", wantReply: "window"},
		{name: "default for a preset host: its webmail", host: "imap.gmail.com", want: "https://mail.google.com/", wantReply: "webmail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			host, enabled, security := "127.0.0.1", "true", "plain"
			if tc.host != "" {
				host, enabled, security = tc.host, "false", "tls" // a preset host is never dialled here
			}
			open := ""
			if tc.open != "" {
				open = fmt.Sprintf(`,"open":%q`, tc.open)
			}
			writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"work","host":%q,"port":%d,"security":%q,"username":"work","enabled":%s%s}]}`,
				host, srv.Port(), security, enabled, open))
			op := &fakeOpener{client: tc.client}
			sp := &spawned{}
			h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}), func(o *app.Options) {
				o.Opener, o.SpawnWindow = op, sp.spawn
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := control.Command{Cmd: control.CmdOpenMail, Account: "work"}
			if tc.host == "" {
				h.waitFor("idle", h.allIdle(1))
				deliver(t, srv, "work", "INBOX", hostile)
				h.waitFor("recent", func() bool {
					for _, m := range h.core.Snapshot().Recent {
						if m.Subject == hostile {
							cmd = control.Command{Cmd: control.CmdOpenMail, Message: m.Key()}
							return true
						}
					}
					return false
				})
			}
			got, err := h.core.Do(ctx, cmd)
			if err != nil || got != tc.wantReply {
				t.Fatalf("open_mail: %q, %v; want %q", got, err, tc.wantReply)
			}
			hows, targets := op.calls()
			if tc.want == "" {
				if len(hows) != 0 || sp.n() != 1 {
					t.Fatalf("want the window only; opener %q, windows %d", hows, sp.n())
				}
				return
			}
			if len(hows) != 1 || hows[0] != tc.want || sp.n() != 0 {
				t.Fatalf("opener %q (want %q), windows %d", hows, tc.want, sp.n())
			}
			if tc.host == "" && (targets[0].UID == 0 || targets[0].Folder != "INBOX" || targets[0].MessageID == "") {
				t.Fatalf("target %+v", targets[0])
			}
		})
	}
}

func TestOpenMailFailureFallsBackToWindow(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, `{"accounts":[{"id":"work","host":"127.0.0.1","port":1,"security":"plain","username":"work","enabled":false,"open":"client"}]}`)
	op := &fakeOpener{fail: errors.New("no mail program")}
	sp := &spawned{}
	h := newHarness(t, dir, newStore(nil), func(o *app.Options) { o.Opener, o.SpawnWindow = op, sp.spawn })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := h.core.Do(ctx, control.Command{Cmd: control.CmdOpenMail, Account: "work"})
	if err != nil || got != "window" || sp.n() != 1 {
		t.Fatalf("open_mail: %q, %v, windows %d", got, err, sp.n())
	}
}
