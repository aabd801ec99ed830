package reliability

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailbell/app/control"
)

type badConfig struct {
	name    string
	content string // "" with fifo: a FIFO instead of a file
	fifo    bool
	want    string // a regexp the message must match
	secret  string // must not appear in the message
}

func badConfigs() []badConfig {
	return []badConfig{
		{name: "malformed JSON", content: `{"accounts": [ {"id": "a", "host": "imap.example.com"`,
			want: `config\.json:1:\d+`},
		{name: "wrong types", content: "{\n  \"accounts\": [{\"id\": 5, \"host\": [\"x\"], \"port\": \"993\",\n \"folders\": \"INBOX\", \"enabled\": \"yes\"}],\n  \"preferences\": {\"poll_seconds\": \"fast\"}\n}",
			want: `config\.json:2:\d+: accounts\[0\]\.id`},
		{name: "10 MB file", content: `{"accounts": []}` + strings.Repeat(" ", 10<<20),
			want: `config\.json.*10\.0 MiB`},
		{name: "NUL and invalid UTF-8", content: "{\"accounts\": [{\"id\": \"a\x00\", \"host\": \"\xff\xfe\"}]}",
			want: `config\.json:1:\d+`},
		{name: "deep nesting", content: strings.Repeat("[", 500000),
			want: `config\.json`},
		{name: "a password field", content: `{"accounts": [{"id": "a", "host": "imap.example.com", "password": "hunter2-in-config"}]}`,
			want: `config\.json:1:\d+: accounts\[0\]\.password`, secret: "hunter2-in-config"},
		{name: "a FIFO", fifo: true, want: `config\.json.*not a regular file`},
	}
}

type fileSnap struct {
	data  []byte
	mode  os.FileMode
	mtime time.Time
}

func snapFile(t *testing.T, p string) fileSnap {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	if st.Mode().IsRegular() {
		if data, err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	return fileSnap{data, st.Mode(), st.ModTime()}
}

func writeBad(t *testing.T, dir string, bc badConfig) string {
	t.Helper()
	p := filepath.Join(dir, "config.json")
	if bc.fifo {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := os.WriteFile(p, []byte(bc.content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkUntouched(t *testing.T, p string, before fileSnap) {
	t.Helper()
	after := snapFile(t, p)
	if !bytes.Equal(before.data, after.data) || before.mode != after.mode || !before.mtime.Equal(after.mtime) {
		t.Errorf("the config file was touched: mode %v → %v, mtime %v → %v, %d → %d bytes",
			before.mode, after.mode, before.mtime, after.mtime, len(before.data), len(after.data))
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	for _, e := range entries {
		if e.Name() != "config.json" && e.Name() != "run" {
			t.Errorf("left in the config folder: %s", e.Name())
		}
	}
}

// TestBadConfigThroughCore: invariant 7 for the config file. The core
// starts anyway, reports one clear message naming the file, the line and
// column and the field, refuses a reload the same way, never repeats a
// secret it found there, and never touches the file.
func TestBadConfigThroughCore(t *testing.T) {
	t.Parallel()
	for _, bc := range badConfigs() {
		t.Run(bc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeBad(t, dir, bc)
			before := snapFile(t, p)
			c := startCore(t, dir, memStore(nil), testMail())
			msg := c.core.Snapshot().ConfigError
			if !regexp.MustCompile(bc.want).MatchString(msg) {
				t.Errorf("message %q does not match %q", clip(msg), bc.want)
			}
			if bc.secret != "" && strings.Contains(msg, bc.secret) {
				t.Errorf("the message repeats the password found in the file: %q", msg)
			}
			checkClean(t, "config error", strings.ReplaceAll(msg, "\n", " "), 5000)
			err := c.do(control.Command{Cmd: control.CmdReload})
			if err == nil {
				t.Errorf("reload of a bad config succeeded")
			} else if bc.secret != "" && strings.Contains(err.Error(), bc.secret) {
				t.Errorf("the reload error repeats the password: %v", err)
			}
			c.stop()
			checkUntouched(t, p, before)
			t.Logf("%s: %s", bc.name, clip(msg))
		})
	}
}

// TestBadConfigThroughBinary: the same through `mailbell --headless`: a
// clear message on stderr, the process keeps running (so a fix and a
// reload can follow), stops cleanly, and leaves the file alone.
func TestBadConfigThroughBinary(t *testing.T) {
	t.Parallel()
	bin := mailbellBinary(t)
	for _, bc := range badConfigs() {
		t.Run(bc.name, func(t *testing.T) {
			root := t.TempDir()
			env := sandbox(t, root)
			dir := filepath.Join(root, "cfg")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			p := writeBad(t, dir, bc)
			before := snapFile(t, p)
			proc := startBinary(t, bin, env, 0, "--headless", "--config-dir", dir)
			re := regexp.MustCompile(bc.want)
			if !proc.waitUntil(10*time.Second, func() bool { return re.MatchString(proc.stderr.String()) }) {
				t.Fatalf("no message matching %q on stderr:\n%s", bc.want, clip(proc.stderr.String()))
			}
			if bc.secret != "" && strings.Contains(proc.stderr.String(), bc.secret) {
				t.Errorf("stderr repeats the password found in the config")
			}
			select {
			case <-proc.exited:
				t.Errorf("the process exited on a bad config: %v", proc.err)
			case <-time.After(300 * time.Millisecond):
			}
			if err := proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			proc.wait(t, 10*time.Second)
			if proc.err != nil {
				t.Errorf("exit after SIGTERM: %v", proc.err)
			}
			checkUntouched(t, p, before)
		})
	}
}
