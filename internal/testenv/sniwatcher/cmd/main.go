// Command cmd is a one-shot tray host for end-to-end tests: it owns
// org.kde.StatusNotifierWatcher on the session bus, waits for a tray item to
// register, prints the item, its properties and its menu as one JSON object,
// and optionally clicks a menu entry.
//
//	go run ./internal/testenv/sniwatcher/cmd -timeout 10s -wait-text "Check now" -click "Check now" -icon-out tray.png
//
// A tray started before this command still shows up: fyne.io/systray
// registers again whenever the watcher name gets a new owner. Exit status 1
// with a message on stderr on any failure (no item in time, no such entry).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"strings"
	"time"

	"mailbell/internal/testenv/sniwatcher"
)

// Output is what the command prints.
type Output struct {
	Item       sniwatcher.Item       `json:"item"`
	Properties sniwatcher.Properties `json:"properties"`
	Menu       sniwatcher.MenuItem   `json:"menu"`
	Shown      []string              `json:"shown"`             // the top level as a person sees it
	Clicked    *int32                `json:"clicked,omitempty"` // the entry clicked, if -click
}

func main() {
	var (
		address  = flag.String("address", os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "D-Bus address of the session bus")
		timeout  = flag.Duration("timeout", 10*time.Second, "how long to wait for an item (and for -wait-text)")
		waitText = flag.String("wait-text", "", "wait until a visible menu entry has this text")
		click    = flag.String("click", "", "click the menu entry with this text (after reading the menu)")
		activate = flag.Bool("activate", false, "send Activate (a left click on the icon)")
		iconOut  = flag.String("icon-out", "", "write the item's first IconPixmap to this PNG file")
	)
	flag.Parse()
	if err := run(os.Stdout, *address, *timeout, *waitText, *click, *activate, *iconOut); err != nil {
		fmt.Fprintln(os.Stderr, "sniwatcher:", err)
		os.Exit(1)
	}
}

func run(stdout io.Writer, address string, timeout time.Duration, waitText, click string, activate bool, iconOut string) error {
	if address == "" {
		return errors.New("no bus: set DBUS_SESSION_BUS_ADDRESS or -address")
	}
	w, err := sniwatcher.Dial(address)
	if err != nil {
		return err
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	it, err := w.WaitItem(ctx)
	if err != nil {
		return err
	}
	var out Output
	out.Item = it
	for {
		out.Menu, err = w.Menu(ctx, it)
		if err != nil {
			return err
		}
		if waitText == "" {
			break
		}
		if e, ok := out.Menu.Find(waitText); ok && e.Visible {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no visible menu entry %q within %v; the menu shows %s",
				waitText, timeout, strings.Join(out.Menu.Shown(), " | "))
		case <-time.After(50 * time.Millisecond):
		}
	}
	out.Shown = out.Menu.Shown()
	if out.Properties, err = w.Properties(ctx, it); err != nil {
		return err
	}
	if iconOut != "" {
		if err := writeIcon(out.Properties, iconOut); err != nil {
			return err
		}
	}
	if click != "" {
		e, ok := out.Menu.Find(click)
		if !ok {
			return fmt.Errorf("no menu entry %q; the menu shows %s", click, strings.Join(out.Shown, " | "))
		}
		if err := w.ClickText(ctx, it, click); err != nil {
			return err
		}
		out.Clicked = &e.ID
	}
	if activate {
		if err := w.Activate(ctx, it); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeIcon(p sniwatcher.Properties, path string) error {
	if len(p.IconPixmap) == 0 {
		return errors.New("the item has no IconPixmap")
	}
	img := p.IconPixmap[0].Image()
	if img == nil {
		return errors.New("the item's IconPixmap does not match its size")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("encoding icon: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing icon: %w", err)
	}
	return nil
}
