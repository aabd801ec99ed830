package notify

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func TestEscapeMarkup(t *testing.T) {
	if got := escapeMarkup(`a<b>&c "d" 'e' &amp;`); got != `a&lt;b&gt;&amp;c "d" 'e' &amp;amp;` {
		t.Errorf("escapeMarkup = %q", got)
	}
}

// hostile is text that would break or inject into a naively quoted script.
const hostile = `-x "quoted" 'single' \ $(rm -rf ~) ` + "`id`" + ` & | ; < > ” end`

func TestOsascriptArgs(t *testing.T) {
	args := osascriptArgs("Mailbell", Notification{Summary: hostile, Body: "line1\nline2"})
	n := len(osascriptScript) * 2
	if len(args) != n+3 {
		t.Fatalf("%d args: %q", len(args), args)
	}
	for i := 0; i < n; i += 2 {
		if args[i] != "-e" {
			t.Fatalf("arg %d = %q, want -e", i, args[i])
		}
		if strings.Contains(args[i+1], "quoted") || strings.Contains(args[i+1], "line1") {
			t.Fatalf("data inside the script: %q", args[i+1])
		}
	}
	data := args[n:]
	if data[0] != ".Mailbell" || data[1] != "."+hostile || data[2] != ".line1\nline2" {
		t.Errorf("data args %q", data)
	}
	// No data argument looks like an option.
	for _, a := range data {
		if strings.HasPrefix(a, "-") {
			t.Errorf("data argument %q starts with -", a)
		}
	}
}

func TestPowershellArgs(t *testing.T) {
	args, env := powershellArgs(Notification{Summary: hostile, Body: "b\"ody"})
	if args[len(args)-2] != "-EncodedCommand" {
		t.Fatalf("args %q", args)
	}
	raw, err := base64.StdEncoding.DecodeString(args[len(args)-1])
	if err != nil || len(raw)%2 != 0 {
		t.Fatalf("encoded command: %v", err)
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	if got := string(utf16.Decode(u)); got != powershellScript {
		t.Errorf("decoded script differs:\n%s", got)
	}
	for _, a := range args {
		if strings.Contains(a, "quoted") {
			t.Errorf("data in an argument: %q", a)
		}
	}
	want := []string{"MAILBELL_NOTIFY_SUMMARY=" + hostile, "MAILBELL_NOTIFY_BODY=b\"ody"}
	if len(env) != 2 || env[0] != want[0] || env[1] != want[1] {
		t.Errorf("env %q", env)
	}
}

// TestCommandNotifier runs the fallback machinery with a stand-in program
// that records its arguments, one file per call.
func TestCommandNotifier(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses /bin/sh")
	}
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	if err := os.WriteFile(rec, []byte("#!/bin/sh\nprintf '%s\\0' \"$@\" > \""+dir+"/call-$$\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := newCommandNotifier(Options{}, func(app string, n Notification) *exec.Cmd {
		return commandFor(rec, osascriptArgs(app, n), nil)
	})
	var n Notifier = c
	if n.SupportsActions() {
		t.Error("fallback claims actions")
	}
	id1, err := n.Notify(Notification{Summary: "one", Body: hostile})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := n.Notify(Notification{Summary: "two"})
	if err != nil {
		t.Fatal(err)
	}
	id3, err := n.Notify(Notification{Summary: "two'", ReplacesID: id2})
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || id3 != id2 || id1 == 0 {
		t.Errorf("ids %d %d %d", id1, id2, id3)
	}
	if err := n.Close(); err != nil { // waits for the processes
		t.Fatal(err)
	}
	calls, _ := filepath.Glob(filepath.Join(dir, "call-*"))
	if len(calls) != 3 {
		t.Fatalf("%d calls recorded", len(calls))
	}
	found := false
	for _, f := range calls {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("\x00."+hostile+"\x00")) {
			found = true
		}
	}
	if !found {
		t.Error("the hostile body did not arrive verbatim as one argument")
	}
	if _, err := n.Notify(Notification{Summary: "after close"}); err == nil {
		t.Error("Notify after Close succeeded")
	}
	select {
	case _, ok := <-n.Actions():
		if ok {
			t.Error("action from a fallback")
		}
	case <-time.After(time.Second):
		t.Error("Actions() not closed")
	}
}
