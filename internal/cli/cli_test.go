package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/internal/testenv/imaptest"
)

// The test binary doubles as the mailbell binary: with MAILBELL_CLI_CHILD
// set it runs Main with the arguments after "--", as a real process.
func TestMain(m *testing.M) {
	if os.Getenv("MAILBELL_CLI_CHILD") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(Main(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type child struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	stderr strings.Builder
	done   chan struct{}
}

func startChild(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "MAILBELL_CLI_CHILD=1", "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &c.mu, b: &c.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			c.mu.Unlock()
		}
		cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.done
	})
	return c
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (c *child) waitLine(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		lines := append([]string(nil), c.lines...)
		c.mu.Unlock()
		for _, l := range lines {
			var ev map[string]any
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("stdout line is not JSON: %q", l)
			}
			if match(ev) {
				return ev
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Fatalf("no %s on stdout; stdout:\n%s\nstderr:\n%s", what, strings.Join(c.lines, "\n"), c.stderr.String())
	return nil
}

func TestHeadlessProcess(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"ann": "pw-123"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	execOut := filepath.Join(dir, "exec-out.json")
	script := filepath.Join(dir, "on-mail.sh")
	os.WriteFile(script, []byte("#!/bin/sh\ncat > \"$1\"\n"), 0o700)
	cfg := fmt.Sprintf(`{"accounts":[{"id":"a1","name":"Work","host":"127.0.0.1","port":%d,"security":"plain","username":"ann","password_command":"echo pw-123"}]}`, srv.Port())
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600)
	sock := filepath.Join(dir, "s.sock")
	env := []string{control.EnvSocket + "=" + sock, "XDG_RUNTIME_DIR=" + dir}

	c := startChild(t, env, "--headless", "--config-dir", dir, "--exec", script+" "+execOut)
	c.waitLine(t, "idle state", func(ev map[string]any) bool { return ev["event"] == "state" && ev["state"] == "idle" })
	srv.Append("ann", "INBOX", imaptest.Message("Ann Lee <ann@example.com>", "me@example.com", "=?UTF-8?B?UmVwb3J0IOKAriBldmls?=", time.Now()))
	ev := c.waitLine(t, "new_mail", func(ev map[string]any) bool { return ev["event"] == "new_mail" })
	if ev["account"] != "a1" || ev["folder"] != "INBOX" || ev["from"] != "Ann Lee" || ev["uid"] == nil || ev["date"] == nil {
		t.Fatalf("new_mail %v", ev)
	}
	// The encoded subject is decoded and its bidi override removed.
	if ev["subject"] != "Report evil" {
		t.Fatalf("subject %q", ev["subject"])
	}

	// --exec got the batch on stdin, as JSON.
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(execOut)
		var batch []map[string]any
		if json.Unmarshal(data, &batch) == nil && len(batch) == 1 {
			if batch[0]["subject"] != "Report evil" {
				t.Fatalf("exec batch %s", data)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("--exec output %q", data)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The control socket: a snapshot on connect, commands with replies.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	snap := <-cl.Snapshots()
	if len(snap.Accounts) != 1 || snap.Accounts[0].Name != "Work" || len(snap.Recent) != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	if _, err := cl.Call(ctx, control.Command{Cmd: control.CmdCheckNow}); err != nil {
		t.Fatal(err)
	}

	// A second headless core on the same folder is refused.
	second := exec.Command(os.Args[0], "-test.run=^$", "--", "--headless", "--config-dir", dir)
	second.Env = append(append(os.Environ(), "MAILBELL_CLI_CHILD=1"), env...)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already running") {
		t.Fatalf("second instance: %v %s", err, out)
	}
	if n := srv.LoginCount("ann"); n != 1 {
		t.Fatalf("%d logins: a second watcher set ran", n)
	}

	// quit ends the process cleanly.
	if _, err := cl.Call(ctx, control.Command{Cmd: control.CmdQuit}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
		if code := c.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit code %d; stderr %s", code, c.stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("quit did not end the process")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range append(c.lines, c.stderr.String()) {
		if strings.Contains(l, "pw-123") {
			t.Fatalf("password in output: %q", l)
		}
	}
}

func TestBadConfigSaysWhere(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{\n \"accounts\": [ {\"id\": \"a\", \"host\": \"h\", \"port\": \"993\"} ]\n}"), 0o600)
	c := startChild(t, []string{control.EnvSocket + "=" + filepath.Join(dir, "s.sock")}, "--headless", "--config-dir", dir)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		msg := c.stderr.String()
		c.mu.Unlock()
		if strings.Contains(msg, "config.json:2:") && strings.Contains(msg, "accounts[0].port") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stderr does not name file, line and field: %s", msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
