package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"pass show mail", []string{"pass", "show", "mail"}},
		{"  pass\tshow   mail  ", []string{"pass", "show", "mail"}},
		{`secret-tool lookup service "my mail" user ann`, []string{"secret-tool", "lookup", "service", "my mail", "user", "ann"}},
		{`cat '/home/ann/my pw.txt'`, []string{"cat", "/home/ann/my pw.txt"}},
		{`echo 'it''s'`, []string{"echo", "its"}},
		{`echo "a \"b\" \\ \$HOME \x"`, []string{"echo", `a "b" \ $HOME \x`}},
		{`echo a\ b \'c`, []string{"echo", "a b", "'c"}},
		{`echo '' ""`, []string{"echo", "", ""}},
		{`echo $HOME ~ *`, []string{"echo", "$HOME", "~", "*"}}, // nothing expanded
		{`sh -c 'pass show mail | head -n1'`, []string{"sh", "-c", "pass show mail | head -n1"}},
		{`gpg -d "~/.pw.gpg"`, []string{"gpg", "-d", "~/.pw.gpg"}},
		{`echo naïve "ünïcödé"`, []string{"echo", "naïve", "ünïcödé"}},
	} {
		got, err := ParseCommand(tc.in)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{
		"", "   ", `echo 'open`, `echo "open`, `echo \`,
		"pass show mail | head -1", "a; b", "a && b", "a > f", "a < f", "echo `id`", "echo $(id)",
	} {
		if got, err := ParseCommand(in); err == nil {
			t.Errorf("ParseCommand(%q) = %q, want an error", in, got)
		}
	}
	_, err := ParseCommand("pass show mail | head -1")
	if err == nil || !strings.Contains(err.Error(), "sh -c") {
		t.Errorf("pipe error lacks the sh -c hint: %v", err)
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pwcmd")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommandGet(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"first line only", `printf 'hunter2\nlogin: ann\nurl: x\n'`, "hunter2"},
		{"trailing whitespace", `printf 'hunter2 \t\r\n'`, "hunter2"},
		{"no newline", `printf 'hunter2'`, "hunter2"},
		{"leading space kept", `printf ' hunter2\n'`, " hunter2"},
		{"quotes and unicode", `printf '%s\n' "p\"w 'ü"`, `p"w 'ü`},
	} {
		got, err := Command([]string{script(t, tc.body)}).Get(ctx, "acct1")
		if err != nil || got != tc.want {
			t.Errorf("%s: Get = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}

	// Arguments arrive as separate words, untouched by any shell.
	argv, err := ParseCommand(`printf '%s|%s' "a b" '$HOME;rm -rf /'`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Command(argv).Get(ctx, "acct1")
	if want := "a b|$HOME;rm -rf /"; err != nil || got != want {
		t.Errorf("Get = %q, %v; want %q", got, err, want)
	}
}

func TestCommandErrors(t *testing.T) {
	ctx := context.Background()

	// A failing command: status and stderr's first line, never stdout, never
	// the arguments.
	p := script(t, `echo "hunter2-from-stdout"; echo "gpg: decryption failed: No secret key" >&2; echo "second line" >&2; exit 3`)
	_, err := Command([]string{p, "--arg-hunter3"}).Get(ctx, "a")
	if err == nil {
		t.Fatal("no error from a failing command")
	}
	msg := err.Error()
	for _, want := range []string{"pwcmd", "exit status 3", "gpg: decryption failed: No secret key"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	for _, leak := range []string{"hunter2", "hunter3", "second line"} {
		if strings.Contains(msg, leak) {
			t.Errorf("error %q contains %q", msg, leak)
		}
	}

	// Control characters in stderr do not reach the message.
	_, err = Command([]string{script(t, `printf 'bad\033[31m\342\200\256thing\n' >&2; exit 1`)}).Get(ctx, "a")
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\u202e") {
		t.Errorf("error with control characters: %q", err)
	}

	// Prints nothing.
	if _, err := Command([]string{script(t, `exit 0`)}).Get(ctx, "a"); err == nil || !strings.Contains(err.Error(), "printed nothing") {
		t.Errorf("empty output: %v", err)
	}
	if _, err := Command([]string{script(t, `printf '\n\n'`)}).Get(ctx, "a"); err == nil {
		t.Error("blank first line accepted")
	}

	// Prints too much.
	if _, err := Command([]string{"head", "-c", "200000", "/dev/zero"}).Get(ctx, "a"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("huge output: %v", err)
	}

	// Not found.
	_, err = Command([]string{"mailbell-no-such-command-xyz", "hunter4"}).Get(ctx, "a")
	if err == nil || !strings.Contains(err.Error(), "could not run") || strings.Contains(err.Error(), "hunter4") {
		t.Errorf("missing command: %v", err)
	}
	if _, err := Command(nil).Get(ctx, "a"); err == nil {
		t.Error("empty argv accepted")
	}

	// Read-only.
	c := Command([]string{"true"})
	if err := c.Set(ctx, "a", "x"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Set = %v", err)
	}
	if err := c.Delete(ctx, "a"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Delete = %v", err)
	}
}

func TestCommandTimeout(t *testing.T) {
	// The script's child keeps stdout open: the whole process group must go.
	c := Command([]string{script(t, `sleep 30 & sleep 30; wait`)})
	c.Timeout = 200 * time.Millisecond
	t0 := time.Now()
	_, err := c.Get(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("Get = %v, want a timeout", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}

	// The caller's cancellation passes through as such.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	c.Timeout = 0
	if _, err := c.Get(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Get = %v", err)
	}
}
