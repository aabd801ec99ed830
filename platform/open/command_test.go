package open

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseChoice(t *testing.T) {
	cases := []struct {
		in      string
		kind    Kind
		argv    []string
		wantErr error
	}{
		{"client", KindClient, nil, nil},
		{" client ", KindClient, nil, nil},
		{"https://mail.example.org/", KindURL, nil, nil},
		{"HTTPS://mail.example.org/", KindURL, nil, nil},
		{"https://mail.example.org/ x", "", nil, ErrBadURL},
		{"https:///nohost", "", nil, ErrBadURL},
		{"thunderbird -mail", KindCommand, []string{"thunderbird", "-mail"}, nil},
		{`my-mail --folder "{folder}" --uid={uid} {message_id}`, KindCommand, []string{"my-mail", "--folder", "{folder}", "--uid={uid}", "{message_id}"}, nil},
		{"my-mail {subject}", "", nil, ErrBadCommand},
		{"{folder} x", "", nil, ErrBadCommand},
		{"mail; rm -rf ~", "", nil, ErrBadCommand},
		{"mail $(x)", "", nil, ErrBadCommand},
		{"", "", nil, ErrBadCommand},
	}
	for _, tc := range cases {
		c, err := ParseChoice(tc.in)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("ParseChoice(%q) = %+v, %v; want %v", tc.in, c, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.Kind != tc.kind || !equalArgs(c.Argv, tc.argv) {
			t.Errorf("ParseChoice(%q) = %+v, %v; want %s %q", tc.in, c, err, tc.kind, tc.argv)
		}
	}
	// The parser's messages name this setting, not password_command.
	if _, err := ParseChoice("a | b"); err == nil || !strings.Contains(err.Error(), "open runs without a shell") {
		t.Errorf("shell operator: %v", err)
	}
}

// A command gets hostile folder names and Message-IDs as single literal
// arguments: nothing reaches a shell, nothing is split.
func TestOpenCommandHostileValues(t *testing.T) {
	s := newXDGSandbox(t)
	out := filepath.Join(s.root, "cmd")
	prog := s.recorder(t, "my-mail", out)
	canary := filepath.Join(s.root, "PWNED")
	c, err := ParseChoice(`'` + prog + `' --folder {folder} --uid={uid} --id "<{message_id}>" {folder}`)
	if err != nil {
		t.Fatalf("ParseChoice: %v", err)
	}
	folder := "; rm -rf ~ ; touch '" + canary + "'\n$(touch " + canary + ") `touch " + canary + "` {uid} \"x\" *"
	msg := Message{
		UID:       42,
		Folder:    folder,
		MessageID: "<a$(touch " + canary + ")@b\x00c>",
	}
	var l Launcher
	if err := l.Open(context.Background(), c, msg); err != nil {
		t.Fatalf("Open: %v", err)
	}
	r := waitRecorded(t, out)
	want := []string{"--folder", folder, "--uid=42", "--id", "<a$(touch " + canary + ")@bc>", folder}
	if !equalArgs(r.args, want) {
		t.Fatalf("command got\n%q\nwant\n%q", r.args, want)
	}
	if r.pid != r.sid {
		t.Errorf("command runs in session %s, not its own (pid %s)", r.sid, r.pid)
	}
	if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a shell ran the mail data: %s exists (%v)", canary, err)
	}

	// An account-wide open has no message: placeholders become empty
	// arguments, still in place.
	os.Remove(out + ".info")
	if err := l.Open(context.Background(), c, Message{}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	r = waitRecorded(t, out)
	if want := []string{"--folder", "", "--uid=", "--id", "<>", ""}; !equalArgs(r.args, want) {
		t.Fatalf("command got %q, want %q", r.args, want)
	}
}
