//go:build linux

package notify

import (
	"fmt"
	"strings"
	"testing"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/scriptsamples"
)

// TestDunstShowsEveryScript sends a notification per script (Japanese,
// Chinese, Korean, Arabic, Hebrew, emoji) to dunst, checks dunst holds the
// text unchanged, and fails for each character no installed font has: dunst
// draws with pango, which falls back through fontconfig, and for a
// character no font covers it draws a box with the code point in it.
func TestDunstShowsEveryScript(t *testing.T) {
	s := startSession(t, desktoptest.Options{Dunst: true})
	d := newNotifier(t)
	for _, c := range scriptsamples.All {
		if _, err := d.Notify(Notification{Summary: c.From, Body: c.Subject, Category: CategoryEmailArrived}); err != nil {
			t.Fatalf("%s: %v", c.Script, err)
		}
	}
	h := history(t, s)
	if len(h) != len(scriptsamples.All) {
		t.Fatalf("dunst history has %d notifications, want %d: %+v", len(h), len(scriptsamples.All), h)
	}
	shown := map[string]string{}
	for _, n := range h {
		shown[n.Summary] = n.Body
	}
	for _, c := range scriptsamples.All {
		if body, ok := shown[c.From]; !ok || body != c.Subject {
			t.Errorf("%s: dunst holds %q from %q, want %q", c.Script, body, c.From, c.Subject)
		}
		missing, err := scriptsamples.FontconfigMissing(c.From + c.Subject)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			var list []string
			for _, r := range missing {
				list = append(list, fmt.Sprintf("%c U+%04X", r, r))
			}
			t.Errorf("%s: no installed font has %d characters dunst shows (install %s): %s",
				c.Script, len(missing), c.Package, strings.Join(list, ", "))
		}
	}
}
