package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// recorder writes a script that records its arguments, NUL-separated, one
// run after the other, to <name>.args in dir.
func recorder(t *testing.T, dir, name string) (path, out string) {
	t.Helper()
	path, out = filepath.Join(dir, name), filepath.Join(dir, name+".args")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> " + out + "\nprintf '\\n' >> " + out + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, out
}

// recordedArgs waits for the recorder's first run and returns its argv.
func recordedArgs(t *testing.T, w *world, out string) []string {
	t.Helper()
	var args []string
	if err := poll(5*time.Second, 20*time.Millisecond, func() error {
		b, err := os.ReadFile(out)
		if err != nil {
			return err
		}
		first, _, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return fmt.Errorf("not run yet")
		}
		args = strings.Split(strings.TrimSuffix(string(first), "\x00"), "\x00")
		return nil
	}); err != nil {
		_, e := w.app.output()
		t.Fatalf("not started: %v; app stderr:\n%s", err, tail(e, 30))
	}
	return args
}

func setAccount(t *testing.T, w *world, change func(a map[string]any)) {
	t.Helper()
	p := filepath.Join(w.cfgDir, "config.json")
	var cfg map[string]any
	data, err := os.ReadFile(p)
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	change(cfg["accounts"].([]any)[0].(map[string]any))
	data, _ = json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// clickNewest waits for one shown notification and clicks it.
func clickNewest(t *testing.T, w *world) {
	t.Helper()
	if err := poll(10*time.Second, 20*time.Millisecond, func() error {
		_, d, _, err := w.s.DunstCounts()
		if err != nil {
			return err
		}
		if d != 1 {
			return fmt.Errorf("%d shown, want 1", d)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.s.DunstDefaultAction(0); err != nil {
		t.Fatal(err)
	}
}

// "open" as a command and as a webmail address, on the real binary: a
// click on the notification runs the command with a hostile folder name as
// one argument each placeholder (no shell: nothing in it runs), and a
// webmail address goes to xdg-open (a recording stand-in on PATH).
func TestOpenCommandAndURL(t *testing.T) {
	w := newWorld(t)
	bin := filepath.Join(w.s.Home, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd, cmdArgs := recorder(t, bin, "open-mail")
	_, urlArgs := recorder(t, bin, "xdg-open")
	pwned := filepath.Join(w.s.Home, "pwned")
	hostile := `Evil $(touch ` + pwned + `); "q" 'a b' ` + "`id`"
	if err := w.dc.CreateMailbox(imapUser, hostile); err != nil {
		t.Fatal(err)
	}
	env := w.s.Env()
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + bin + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	start := func() {
		w.runs++
		w.app = startApp(t, w.art, fmt.Sprintf("mailbell-run%d", w.runs), w.bin, env, w.s.Home, "--config-dir", w.cfgDir, "--debug")
		w.waitReady(t, "Connected")
		if _, err := w.dunst.collect(); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("command_gets_single_words", func(t *testing.T) {
		setAccount(t, w, func(a map[string]any) {
			a["folders"] = []string{"INBOX", hostile}
			a["open"] = cmd + " --folder {folder} --uid {uid} --id {message_id}"
		})
		start()
		subj := w.nextSubject(`$(touch ` + pwned + `) "; rm -rf ~`)
		if err := w.dc.Deliver(imapUser, hostile, w.message(subj)); err != nil {
			t.Fatal(err)
		}
		clickNewest(t, w)
		got := recordedArgs(t, w, cmdArgs)
		if len(got) != 6 || got[0] != "--folder" || got[1] != hostile || got[2] != "--uid" || got[4] != "--id" || got[5] == "" {
			t.Fatalf("the command got %q, want --folder %q --uid N --id MSGID", got, hostile)
		}
		if _, err := strconv.ParseUint(got[3], 10, 32); err != nil {
			t.Errorf("uid %q", got[3])
		}
		if _, err := os.Stat(pwned); err == nil {
			t.Fatal("the folder name reached a shell")
		}
		w.stopApp(t)
	})

	t.Run("url_goes_to_xdg_open", func(t *testing.T) {
		setAccount(t, w, func(a map[string]any) {
			a["folders"] = []string{"INBOX"}
			a["open"] = "https://webmail.example.test/mail/"
		})
		start()
		w.deliver(t, w.nextSubject("webmail"))
		clickNewest(t, w)
		if got := recordedArgs(t, w, urlArgs); len(got) != 1 || got[0] != "https://webmail.example.test/mail/" {
			t.Fatalf("xdg-open got %q", got)
		}
		w.stopApp(t)
	})
}
