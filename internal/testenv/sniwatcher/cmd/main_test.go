package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailbell/app/control"
	"mailbell/app/view"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/ui/tray"
)

type backend struct{ cmds chan control.Command }

func (b backend) Snapshot() view.Snapshot {
	return view.Snapshot{Accounts: []view.Account{{ID: "w", Name: "Work", Enabled: true,
		Folders: []view.Folder{{Name: "INBOX", State: "idle"}}}}}
}
func (b backend) Changes() <-chan struct{} { return nil }
func (b backend) Do(cmd control.Command)   { b.cmds <- cmd }

// TestCommandAgainstTheTray runs the real tray in this process and the
// command's run twice, as two watcher processes one after the other would:
// the tray registers with each. systray allows one tray per process, so the
// test runs in a child process of its own.
func TestCommandAgainstTheTray(t *testing.T) {
	if os.Getenv("SNIWATCHER_CMD_CHILD") != "1" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCommandAgainstTheTray$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "SNIWATCHER_CMD_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || testing.Verbose() {
			t.Logf("child output:\n%s", out)
		}
		if err != nil {
			t.Fatalf("child test: %v", err)
		}
		if !strings.Contains(string(out), "--- PASS: TestCommandAgainstTheTray") {
			t.Fatal("the child did not run the test")
		}
		return
	}

	s, err := desktoptest.Start(desktoptest.Options{DBus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Setenv(t)

	b := backend{cmds: make(chan control.Command, 4)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tray.Run(ctx, b, tray.Options{}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("tray.Run: %v", err)
		}
	}()

	// First watcher: read, save the icon, click.
	var out bytes.Buffer
	icon := filepath.Join(t.TempDir(), "tray.png")
	if err := run(&out, s.BusAddress, 10*time.Second, "Check now", "Check now", false, icon); err != nil {
		t.Fatal(err)
	}
	var got Output
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	want := []string{"Connected", "---", "Open mail", "Open Mailbell", "Check now", "Pause notifications", "Settings…", "---", "Quit"}
	if strings.Join(got.Shown, "|") != strings.Join(want, "|") {
		t.Errorf("shown %q, want %q", got.Shown, want)
	}
	if got.Properties.Title != "Mailbell" || got.Properties.ToolTip.Title != "Mailbell · Connected" || got.Clicked == nil {
		t.Errorf("output %+v", got)
	}
	if len(got.Properties.IconPixmap) != 1 || got.Properties.IconPixmap[0].Width != 32 {
		t.Errorf("pixmaps %+v", got.Properties.IconPixmap)
	}
	select {
	case c := <-b.cmds:
		if c.Cmd != control.CmdCheckNow {
			t.Errorf("clicking Check now sent %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Error("the click did not reach the tray")
	}
	f, err := os.Open(icon)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() != 32 {
		t.Fatalf("icon file: %v %v", err, img)
	}

	// The first watcher has gone; a second one sees the tray again.
	out.Reset()
	if err := run(&out, s.BusAddress, 10*time.Second, "", "", true, ""); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-b.cmds:
		if c.Cmd != control.CmdShowWindow {
			t.Errorf("Activate sent %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Error("Activate did not reach the tray")
	}

	// Errors are errors.
	if err := run(&out, s.BusAddress, 2*time.Second, "", "No such entry", false, ""); err == nil {
		t.Error("clicking a missing entry succeeded")
	}
	if err := run(&out, "", time.Second, "", "", false, ""); err == nil {
		t.Error("no address accepted")
	}
}
