package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/app/state"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

// The whole click, on the real process: open_mail for a message of a Gmail
// account makes the core fetch its X-GM-MSGID from the server (the Gmail
// stand-in; Gmail itself is not reachable from the tests) and xdg-open (a
// recorder first on PATH) gets Gmail's link to that very message, in the
// account named by its address. A message whose id comes back hostile
// opens by its Message-ID instead. The debug trace shows the exchange and
// never the password.
func TestGmailClickOpensTheMessage(t *testing.T) {
	const pw = "gmail-app-pw-5e3"
	ss, err := imaptest.StartScript(imaptest.Gmail(42, func(uids string) []string {
		switch uids {
		case "7":
			return []string{"* 1 FETCH (X-GM-MSGID 1318586263426694458 UID 7)"}
		case "8":
			return []string{"* 2 FETCH (X-GM-MSGID 1318586263426694458123 UID 8)"} // past 64 bits
		}
		return []string{}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()

	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	urls := filepath.Join(dir, "xdg-open.urls")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	recorder := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + urls + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(recorder), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`{"accounts":[{"id":"g","host":"127.0.0.1","port":%d,"security":"plain","username":"ann@gmail.com",`+
		`"password_command":"echo %s","enabled":false,"open":"https://mail.google.com/"}]}`, ss.Port(), pw)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.Commit(state.Key{Account: "g", Folder: "INBOX"}, mail.Position{UIDValidity: 42, LastUID: 8}, []state.Recent{
		{UID: 7, UIDValidity: 42, From: "Bob", Subject: "seven", Date: now, Arrived: now, MessageID: "<m7@example.com>"},
		{UID: 8, UIDValidity: 42, From: "Bob", Subject: "eight", Date: now, Arrived: now, MessageID: "<m8@example.com>"},
	}); err != nil {
		t.Fatal(err)
	}

	sock := filepath.Join(dir, "s.sock")
	env := []string{control.EnvSocket + "=" + sock, "XDG_RUNTIME_DIR=" + dir, "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	c := startChild(t, env, "--headless", "--debug", "--config-dir", dir)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var cl *control.Client
	for cl == nil {
		if cl, err = control.Dial(ctx, sock); err != nil {
			if ctx.Err() != nil {
				t.Fatalf("no control socket: %v; stderr:\n%s", err, c.stderrText())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	defer cl.Close()
	keys := map[string]string{}
	for len(keys) != 2 { // the first snapshots may come before the state is read
		select {
		case snap := <-cl.Snapshots():
			for _, m := range snap.Recent {
				keys[m.Subject] = m.Key()
			}
		case <-ctx.Done():
			t.Fatalf("the seeded messages are not in the snapshot: %v", keys)
		}
	}

	want := []string{
		"https://mail.google.com/mail/u/ann@gmail.com/#all/124c8f386d41fd3a",
		"https://mail.google.com/mail/u/ann@gmail.com/#search/rfc822msgid%3Am8%40example.com",
	}
	for i, subject := range []string{"seven", "eight"} {
		got, err := cl.Call(ctx, control.Command{Cmd: control.CmdOpenMail, Message: keys[subject]})
		if err != nil || got != "webmail" {
			t.Fatalf("open_mail %s: %q, %v; stderr:\n%s", subject, got, err, c.stderrText())
		}
		opened := waitLines(t, urls, i+1)
		if !slices.Equal(opened, want[:i+1]) {
			t.Fatalf("xdg-open got %q, want %q", opened, want[:i+1])
		}
	}

	if _, err := cl.Call(ctx, control.Command{Cmd: control.CmdQuit}); err != nil {
		t.Fatal(err)
	}
	<-c.done
	errText := c.stderrText()
	if !strings.Contains(errText, "UID FETCH 7 (UID X-GM-MSGID)") {
		t.Fatalf("the trace lacks the X-GM-MSGID exchange:\n%s", errText)
	}
	if strings.Contains(errText, pw) {
		t.Fatal("the password is in the output")
	}
}

func (c *child) stderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

// waitLines waits until path holds at least n lines and returns them.
func waitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(data) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d lines in %s, want %d: %q", len(lines), path, n, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
