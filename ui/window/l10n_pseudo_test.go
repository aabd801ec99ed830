package window

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/l10n"
	"mailbell/app/view"
)

// The pseudo-locale scan: with l10n.Pseudo every catalogue message is
// accented (no plain ASCII letter survives) and wrapped in ⟦ ⟧. A plain
// ASCII letter left on screen after taking out the test's own data is a
// word that bypassed the catalogue.

// pseudoScan collects what a window shows and what it offers to pick,
// hidden parts included (a status line shown later, a select's options,
// an entry's placeholder), and checks it against what may stay as it is.
type pseudoScan struct {
	t *testing.T
	// data are the test's own values that the windows show as they are:
	// account names, addresses, subjects, hosts, folder names, numbers.
	data []string
	// foreign are words produced by the packages the core's translation
	// covers (app/view's states and relative times, app/rules' rule
	// words, app/oauth's, the core's probe results). They are taken out
	// like data, and listed (t.Log) while they are still English: they
	// turn into pseudo-text when that side lands, with nothing to change
	// here.
	foreign []string
	seen    map[string]bool // texts already checked
	bad     []string
	still   map[string]bool // foreign words still in English
}

// fyneWords are Fyne's own words in the windows (dialog.ShowConfirm's
// buttons, an empty select's placeholder), from Fyne's lang, which
// follows LANGUAGE (l10n.ChildEnv) in a real run.
var fyneWords = []string{"Yes", "No", "(Select one)"}

// productWords are names that stay as they are in every language: the
// recent window's title is the product's name alone.
var productWords = []string{"Mailbell", "OAuth2", "Google", "Microsoft"}

func newPseudoScan(t *testing.T) *pseudoScan {
	t.Helper()
	l10n.Use(l10n.Pseudo)
	t.Cleanup(func() { l10n.Use(l10n.English) })
	sc := &pseudoScan{t: t, seen: map[string]bool{}, still: map[string]bool{}}
	for _, l := range l10n.Languages() { // the Language list names each language in itself
		sc.data = append(sc.data, l.Name)
	}
	return sc
}

func (sc *pseudoScan) addData(s ...string)    { sc.data = append(sc.data, s...) }
func (sc *pseudoScan) addForeign(s ...string) { sc.foreign = append(sc.foreign, s...) }

var asciiLetter = regexp.MustCompile(`[A-Za-z]`)

// check fails on text with a plain ASCII letter left once the allowed
// words are taken out, longest first.
func (sc *pseudoScan) check(where, text string) {
	if text == "" || sc.seen[text] {
		return
	}
	sc.seen[text] = true
	rest := text
	for _, f := range byLength(sc.foreign) {
		if f != "" && strings.Contains(rest, f) {
			if !strings.Contains(f, l10n.PseudoOpen) && asciiLetter.MatchString(sc.withoutData(f)) {
				sc.still[f] = true
			}
			rest = strings.ReplaceAll(rest, f, " ")
		}
	}
	if asciiLetter.MatchString(sc.withoutData(rest)) {
		sc.bad = append(sc.bad, where+": "+text)
	}
}

// withoutData is text without the test's data, the product's names and
// Fyne's words.
func (sc *pseudoScan) withoutData(text string) string {
	for _, d := range byLength(append(append(append([]string(nil), sc.data...), productWords...), fyneWords...)) {
		if d != "" {
			text = strings.ReplaceAll(text, d, " ")
		}
	}
	return text
}

func byLength(s []string) []string {
	out := slices.Clone(s)
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// window scans a window's title, content and overlays (dialogs, menus).
func (sc *pseudoScan) window(name string, w fyne.Window) {
	sc.check(name+" title", w.Title())
	sc.object(name, w.Content())
	for _, o := range w.Canvas().Overlays().List() {
		sc.object(name+" overlay", o)
	}
}

// object walks o: every text of every widget, shown or hidden.
func (sc *pseudoScan) object(where string, o fyne.CanvasObject) {
	if o == nil {
		return
	}
	switch x := o.(type) {
	case *widget.Label:
		sc.check(where+" label", x.Text)
		return
	case *widget.Button:
		sc.check(where+" button", x.Text)
		return
	case *widget.Check:
		sc.check(where+" check", x.Text)
		return
	case *widget.RadioGroup:
		for _, op := range x.Options {
			sc.check(where+" radio", op)
		}
		return
	case *widget.Select:
		sc.check(where+" select placeholder", x.PlaceHolder)
		sc.check(where+" select", x.Selected)
		for _, op := range x.Options {
			sc.check(where+" select option", op)
		}
		return
	case *widget.Entry:
		// The text is the person's (or the server's); the placeholder is ours.
		sc.check(where+" placeholder", x.PlaceHolder)
		return
	case *focusEntry:
		sc.check(where+" placeholder", x.PlaceHolder)
		return
	case *widget.Hyperlink:
		sc.check(where+" link", x.Text)
		return
	case *widget.RichText:
		sc.check(where+" rich text", x.String())
		return
	case *widget.Card:
		sc.check(where+" card", x.Title)
		sc.check(where+" card", x.Subtitle)
		sc.object(where, x.Content)
		return
	case *widget.Form:
		for _, it := range x.Items {
			sc.check(where+" form label", it.Text)
			sc.check(where+" form hint", it.HintText)
			sc.object(where, it.Widget)
		}
		return
	case *container.AppTabs:
		for _, it := range x.Items {
			sc.check(where+" tab", it.Text)
			sc.object(where+" tab "+it.Text, it.Content)
		}
		return
	case *canvas.Text:
		sc.check(where+" text", x.Text)
		return
	case *fyne.Container:
		for _, c := range x.Objects {
			sc.object(where, c)
		}
		return
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			sc.object(where, c)
		}
	}
}

func (sc *pseudoScan) menu(where string, items []*fyne.MenuItem) {
	for _, it := range items {
		sc.check(where, it.Label)
		if it.ChildMenu != nil {
			sc.menu(where, it.ChildMenu.Items)
		}
	}
}

// saw fails unless the scan met the message id (without placeholders):
// the scenario really reached the state it means to scan.
func (sc *pseudoScan) saw(ids ...string) {
	sc.t.Helper()
	for _, id := range ids {
		want := l10n.T(id)
		found := false
		for text := range sc.seen {
			if strings.Contains(text, want) {
				found = true
				break
			}
		}
		if !found {
			sc.t.Errorf("the scan never met %s (%q)", id, want)
		}
	}
}

// done fails on every text that bypassed the catalogue, the window's own
// and the core packages' alike.
func (sc *pseudoScan) done() {
	sc.t.Helper()
	if len(sc.seen) < 10 {
		sc.t.Fatalf("the scan saw %d texts: it does not walk the windows", len(sc.seen))
	}
	if len(sc.bad) > 0 {
		sc.t.Errorf("%d texts bypass the catalogue (not ⟦pseudo⟧, not the test's data):\n  %s", len(sc.bad), strings.Join(sc.bad, "\n  "))
	}
	if len(sc.still) > 0 {
		var list []string
		for f := range sc.still {
			list = append(list, f)
		}
		sort.Strings(list)
		sc.t.Errorf("%d texts from the core's packages (app/view, app/rules, app/oauth, app/config, probe results) bypass the catalogue:\n  %s",
			len(list), strings.Join(list, "\n  "))
	}
}

// TestPseudoScanSelf: the scan finds an English word, also inside a
// translated message, takes out data and Fyne's words, and passes
// pseudo-text: a clean run of the window scans means something.
func TestPseudoScanSelf(t *testing.T) {
	sc := newPseudoScan(t)
	sc.addData("Work")
	sc.addForeign("Connected · idle")
	sc.check("ok1", l10n.T("recent.check_now"))
	sc.check("ok2", l10n.T("recent.last_check", l10n.Args{"Ago": "Connected · idle"}))
	sc.check("ok3", "Work")
	sc.check("ok4", "Yes")
	sc.check("bad1", "Check now")
	sc.check("bad2", l10n.T("recent.folder_state", l10n.Args{"Folder": "Work", "State": "idle"}))
	if len(sc.bad) != 2 || !strings.HasPrefix(sc.bad[0], "bad1: ") || !strings.HasPrefix(sc.bad[1], "bad2: ") {
		t.Fatalf("scan flagged %q, want bad1 and bad2 only", sc.bad)
	}
	if !sc.still["Connected · idle"] {
		t.Error("a foreign word still in English is not listed")
	}
}

// recentData are the values stateSnapshot puts on screen.
func (sc *pseudoScan) recentData(s view.Snapshot) {
	for _, a := range s.Accounts {
		sc.addData(a.Name)
		for _, f := range a.Folders {
			sc.addData(f.Name, f.Error)
		}
	}
	for _, m := range s.Recent {
		sc.addData(m.From, m.Subject, m.AccountName)
	}
}

// recentForeign are app/view's words for s: folder states, relative times,
// the pause wording.
func (sc *pseudoScan) recentForeign(r *recentWindow, s view.Snapshot, now time.Time) {
	for _, a := range s.Accounts {
		for _, f := range a.Folders {
			if !a.Enabled {
				f.State = view.StateDisabled
			}
			sc.addForeign(view.FolderState(f, now), view.Ago(f.LastCheck, now))
		}
	}
	for _, m := range s.Recent {
		sc.addForeign(view.Ago(m.Date, now))
	}
	for _, o := range view.PauseOptions() {
		sc.addForeign(o.Label)
	}
	sc.addForeign(r.pause.Text, view.PausedText(s.PausedUntil, now))
}

// The recent window in the pseudo-locale: accounts in every state, mail
// (one muted, one without sender or subject), each banner, the empty
// states and the lost core, without a tray.
func TestPseudoLocaleRecentWindow(t *testing.T) {
	sc := newPseudoScan(t)
	h := newHarness(t, Deps{ConfigDir: t.TempDir(), NoTray: true})
	r := h.u.openRecent()
	sc.addForeign(r.pause.Text) // app/view's
	sc.window("recent connecting", r.w)

	s := stateSnapshot(h.now)
	s.Recent = append(s.Recent,
		view.Message{Account: "work", AccountName: "Work", Folder: "INBOX", UIDValidity: 7, UID: 13, From: "Deals", Subject: "Buy now", Date: h.now.Add(-time.Minute), Muted: true},
		view.Message{Account: "work", AccountName: "Work", Folder: "INBOX", UIDValidity: 7, UID: 14, Date: h.now.Add(-2 * time.Minute)},
	)
	sc.recentData(s)
	h.snapshot(s)
	sc.recentForeign(r, s, h.now)
	sc.window("recent", r.w)
	for _, row := range messageRows(r) {
		sc.object("recent row", row)
	}
	sc.menu("pause menu", r.pauseMenu().Items)

	for _, change := range []func(*view.Snapshot){
		func(s *view.Snapshot) { s.ConfigError = "config.json:3:5: accounts[0].port: want a whole number" },
		func(s *view.Snapshot) { s.ConfigError, s.Notifications = "", false },
		func(s *view.Snapshot) { s.Notifications, s.Demo = true, true },
		func(s *view.Snapshot) { s.Demo, s.PausedUntil = false, h.now.Add(time.Hour) },
		func(s *view.Snapshot) { s.PausedUntil, s.Recent = time.Time{}, nil },
		func(s *view.Snapshot) { s.Accounts[0].Enabled, s.Accounts = false, s.Accounts[:1] },
		func(s *view.Snapshot) { s.Accounts = nil },
	} {
		change(&s)
		sc.addData(s.ConfigError)
		h.snapshot(s)
		sc.recentForeign(r, s, h.now)
		sc.window("recent", r.w)
	}
	close(h.b.snaps)
	h.loop.until(t, "the lost-core banner", func() bool { return h.u.disconnected })
	sc.window("recent without core", r.w)
	sc.saw("recent.banner.connecting", "recent.banner.lost_core", "recent.banner.notifications_off", "recent.banner.demo",
		"recent.empty.no_accounts", "recent.empty.all_disabled", "recent.unknown_sender", "recent.no_subject",
		"recent.open_settings", "notray.text", "notray.quit")
	sc.done()
}
