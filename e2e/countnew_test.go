package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailbell/app/view"
	"mailbell/ui/icon"
)

// Issue 13, "count": "new" and "hide_when_empty" on the real parts: the
// built binary against Dovecot, its tray read through the SNI watcher,
// which opens the menu the way a Qt tray host (KDE Plasma, LXQt) does.
func TestCountNewResetsWhenTheMenuOpens(t *testing.T) {
	w := newWorld(t)
	setPreferences(t, w, map[string]any{"count": "new", "hide_when_empty": true})
	// Unread before Mailbell starts: counted by "unread", not by "new".
	w.deliver(t, w.nextSubject("left unread"))
	w.startApp(t)
	item := w.waitReady(t, "Connected")

	// looks waits until the item's tooltip and icon say n new messages
	// (0: no count in the tooltip and the quiet icon).
	looks := func(n int, when string) {
		t.Helper()
		want := icon.Variant(view.IconQuiet, 0, icon.TraySize)
		if n > 0 {
			want = icon.Variant(view.IconUnread, n, icon.TraySize)
		}
		wantImg, err := png.Decode(bytes.NewReader(want))
		if err != nil {
			t.Fatal(err)
		}
		var last string
		err = poll(10*time.Second, 50*time.Millisecond, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			p, err := w.sni.Properties(ctx, item)
			if err != nil {
				return err
			}
			last = p.ToolTip.Title
			counted := strings.Contains(last, " new message")
			switch {
			case n == 0 && counted:
				return fmt.Errorf("the tooltip still counts: %q", last)
			case n > 0 && !strings.Contains(last, fmt.Sprintf("· %d new message", n)):
				return fmt.Errorf("tooltip %q, want %d new", last, n)
			case len(p.IconPixmap) != 1:
				return fmt.Errorf("%d icon pixmaps", len(p.IconPixmap))
			}
			got := p.IconPixmap[0].Image()
			if got == nil || !bytes.Equal(got.Pix, toNRGBA(wantImg).Pix) {
				return fmt.Errorf("the icon is not the one for %d new", n)
			}
			return nil
		})
		if err != nil {
			_, e := w.app.output()
			t.Fatalf("%s: %v (tooltip %q); app stderr:\n%s", when, err, last, tail(e, 30))
		}
		t.Logf("%s: %q, icon as drawn for %d new", when, last, n)
	}
	looks(0, "at start, one unread but nothing new")

	w.deliver(t, w.nextSubject("new one"))
	w.deliver(t, w.nextSubject("new two"))
	looks(2, "two delivered")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.sni.Open(ctx, item); err != nil {
		t.Fatal(err)
	}
	looks(0, "after the menu was opened")
	// The menu still lists the unread mail: only the count starts again.
	m, _, err := w.status(item)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := findEntry(m, "new two"); !ok {
		t.Errorf("the unread subject left the menu:\n%s", menuText(m))
	}

	w.deliver(t, w.nextSubject("new three"))
	looks(1, "one more delivered")
	w.stopApp(t)
}

// setPreferences adds preferences to the world's config.json.
func setPreferences(t *testing.T, w *world, prefs map[string]any) {
	t.Helper()
	path := filepath.Join(w.cfgDir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["preferences"] = prefs
	if data, err = json.MarshalIndent(cfg, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	w.art.write(t, "config.json", data)
}

// toNRGBA converts img to non-premultiplied RGBA, the form the watcher's
// IconPixmap decodes to.
func toNRGBA(img image.Image) *image.NRGBA {
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, image.Point{}, draw.Src)
	return out
}
