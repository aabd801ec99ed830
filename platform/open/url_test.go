package open

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Webmail goes to xdg-open as one argument; with an X-GM-MSGID, Gmail opens
// the very message. The xdg-open found first on PATH is a recorder.
func TestOpenURLRunsXDGOpen(t *testing.T) {
	s := newXDGSandbox(t)
	out := filepath.Join(s.root, "xdg-open")
	s.recorder(t, "xdg-open", out)
	t.Setenv("PATH", s.bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	cases := []struct {
		name   string
		webURL string
		msg    Message
		want   string
	}{
		{"webmail", "https://mail.example.org/?_task=mail&_mbox=INBOX", Message{UID: 3, Folder: "INBOX"},
			"https://mail.example.org/?_task=mail&_mbox=INBOX"},
		{"gmail message", "https://mail.google.com/mail/u/1/#inbox", Message{UID: 3, GmailMsgID: 1318586263426694458},
			"https://mail.google.com/mail/u/1/#all/124c8f386d41fd3a"},
		{"gmail without msgid", "https://mail.google.com/", Message{UID: 3},
			"https://mail.google.com/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(out + ".info")
			c, err := ParseChoice(tc.webURL)
			if err != nil || c.Kind != KindURL {
				t.Fatalf("ParseChoice(%q) = %+v, %v", tc.webURL, c, err)
			}
			var l Launcher
			if err := l.Open(context.Background(), c, tc.msg); err != nil {
				t.Fatalf("Open: %v", err)
			}
			r := waitRecorded(t, out)
			if !equalArgs(r.args, []string{tc.want}) {
				t.Fatalf("xdg-open got %q, want [%q]", r.args, tc.want)
			}
		})
	}

	t.Run("no xdg-open", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		var l Launcher
		err := l.Open(context.Background(), Choice{Kind: KindURL, URL: "https://mail.example.org/"}, Message{})
		if !errors.Is(err, ErrStart) {
			t.Fatalf("got %v, want ErrStart", err)
		}
	})
}

// recordingOpener is the injected Opener: the core's tests can use one
// instead of a program on PATH.
type recordingOpener struct{ urls []string }

func (r *recordingOpener) OpenURL(_ context.Context, u string) error {
	r.urls = append(r.urls, u)
	return nil
}

func TestOpenURLInjectedOpener(t *testing.T) {
	rec := &recordingOpener{}
	l := Launcher{Opener: rec}
	if err := l.Open(context.Background(), Choice{Kind: KindURL, URL: "https://mail.google.com/mail/u/someone@gmail.com/"}, Message{GmailMsgID: 0x144d49c4531a1ae8}); err != nil {
		t.Fatal(err)
	}
	if want := "https://mail.google.com/mail/u/someone@gmail.com/#all/144d49c4531a1ae8"; len(rec.urls) != 1 || rec.urls[0] != want {
		t.Fatalf("opened %q, want [%q]", rec.urls, want)
	}
}

func TestGmailMessageURL(t *testing.T) {
	cases := []struct {
		web  string
		id   uint64
		want string
		ok   bool
	}{
		{"https://mail.google.com/", 1462906561521916648, "https://mail.google.com/mail/u/0/#all/144d49c4531a1ae8", true},
		{"https://mail.google.com/mail/u/2/#inbox", 255, "https://mail.google.com/mail/u/2/#all/ff", true},
		{"https://MAIL.google.com/mail/", ^uint64(0), "https://mail.google.com/mail/u/0/#all/ffffffffffffffff", true},
		{"https://mail.google.com/", 0, "", false},
		{"https://outlook.live.com/mail/", 1, "", false},
		{"https://mail.google.com.evil.example/", 1, "", false},
	}
	for _, tc := range cases {
		got, ok := GmailMessageURL(tc.web, tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("GmailMessageURL(%q, %d) = %q, %v; want %q, %v", tc.web, tc.id, got, ok, tc.want, tc.ok)
		}
	}
}
