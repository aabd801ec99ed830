package window

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/view"
)

// fakeBackend stands in for control.Client and records the commands sent.
// Requests (the settings) go to a real core when the test gives one
// (harness.withCore).
type fakeBackend struct {
	snaps chan view.Snapshot
	shows chan control.Event

	mu   sync.Mutex
	cmds []control.Command
	core *app.Core
}

func (b *fakeBackend) Request(ctx context.Context, cmd control.Command) (control.Event, error) {
	b.mu.Lock()
	core := b.core
	b.mu.Unlock()
	if core == nil {
		return control.Event{}, errors.New("no core in this test")
	}
	return core.Request(ctx, cmd)
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{snaps: make(chan view.Snapshot, 16), shows: make(chan control.Event, 16)}
}

func (b *fakeBackend) Snapshots() <-chan view.Snapshot { return b.snaps }
func (b *fakeBackend) Shows() <-chan control.Event     { return b.shows }
func (b *fakeBackend) Send(cmd control.Command) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cmds = append(b.cmds, cmd)
	return nil
}

func (b *fakeBackend) sent() []control.Command {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]control.Command(nil), b.cmds...)
}

// mainLoop plays Fyne's UI goroutine: the test driver runs fyne.Do inline
// on the calling goroutine, which would touch widgets from the UI's
// background goroutines. Here those calls queue up, and the test goroutine
// runs them while it waits for something.
type mainLoop struct{ q chan func() }

func (l *mainLoop) do(f func()) { l.q <- f }

// until runs queued UI work until cond holds, or fails the test.
func (l *mainLoop) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case f := <-l.q:
			f()
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// drain runs whatever UI work is queued now.
func (l *mainLoop) drain() {
	for {
		select {
		case f := <-l.q:
			f()
		default:
			return
		}
	}
}

type harness struct {
	t    *testing.T
	app  fyne.App
	b    *fakeBackend
	loop *mainLoop
	u    *UI
	now  time.Time

	mu    sync.Mutex
	quits int
}

// fixedNow is the clock of the UI tests.
var fixedNow = time.Date(2025, 3, 14, 10, 0, 0, 0, time.Local)

func newHarness(t *testing.T, deps Deps) *harness {
	t.Helper()
	fb := newFakeBackend()
	return newHarnessOn(t, deps, fb, fb)
}

// newHarnessOn starts the UI over backend, whose snapshots and shows come
// from fb (backend itself, or a wrapper around it).
func newHarnessOn(t *testing.T, deps Deps, fb *fakeBackend, backend Backend) *harness {
	t.Helper()
	h := &harness{t: t, app: test.NewTempApp(t), b: fb, loop: &mainLoop{q: make(chan func(), 1024)}, now: fixedNow}
	if deps.Now == nil {
		deps.Now = func() time.Time { return h.now }
	}
	h.u = newUI(h.app, backend, deps, h.loop.do)
	h.u.quit = func() {
		h.mu.Lock()
		h.quits++
		h.mu.Unlock()
	}
	h.u.follow()
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { h.u.Stop(); close(done) }()
		for {
			select {
			case <-done:
				return
			case f := <-h.loop.q: // let a goroutine blocked on do finish
				f()
			}
		}
	})
	return h
}

func (h *harness) quitCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.quits
}

// snapshot delivers s through the backend and waits until it is shown.
func (h *harness) snapshot(s view.Snapshot) {
	h.t.Helper()
	h.b.snaps <- s
	h.loop.until(h.t, "the snapshot to be applied", func() bool {
		return h.u.haveSnap && len(h.b.snaps) == 0 && snapEqual(h.u.snap, s)
	})
}

func snapEqual(a, b view.Snapshot) bool { return reflect.DeepEqual(a, b) }

// texts collects what a person reads in o: the text of every visible label,
// button, check, rich text and canvas text, in layout order. Entries are
// left out (their placeholders are not content); read them directly.
func texts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
			return
		case *widget.Button:
			if x.Text != "" {
				out = append(out, x.Text)
			}
			return
		case *widget.Check:
			out = append(out, x.Text)
			return
		case *widget.RichText:
			out = append(out, x.String())
			return
		case *widget.Hyperlink:
			out = append(out, x.Text)
			return
		case *widget.Select:
			out = append(out, x.Selected)
			return
		case *widget.Entry, *focusEntry:
			return
		case *canvas.Text:
			out = append(out, x.Text)
			return
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// windowTexts is texts of a window's content and its overlays (dialogs, menus).
func windowTexts(w fyne.Window) []string {
	out := texts(w.Content())
	for _, o := range w.Canvas().Overlays().List() {
		out = append(out, texts(o)...)
	}
	return out
}

func hasText(all []string, want string) bool {
	for _, s := range all {
		if s == want {
			return true
		}
	}
	return false
}

func containsText(all []string, part string) bool {
	for _, s := range all {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

// findButton finds the visible button with the given text in o.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil || o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return found
}

// findInWindow looks for a button in a window's content and overlays.
func findInWindow(w fyne.Window, text string) *widget.Button {
	for _, o := range w.Canvas().Overlays().List() {
		if b := findButton(o, text); b != nil {
			return b
		}
	}
	return findButton(w.Content(), text)
}

func mustText(t *testing.T, all []string, want string) {
	t.Helper()
	if !hasText(all, want) {
		t.Errorf("no %q on screen; texts: %q", want, all)
	}
}

func mustNotText(t *testing.T, all []string, want string) {
	t.Helper()
	if hasText(all, want) {
		t.Errorf("%q on screen, should not be; texts: %q", want, all)
	}
}

// withCore runs a core with opts for the window's settings requests and
// returns it; it stops with the test.
func (h *harness) withCore(opts app.Options) *app.Core {
	h.t.Helper()
	if opts.SystemLanguages == nil {
		// The core shares this process's l10n here: applying the config
		// ("language": "", the system's) must not switch the window under
		// test away from the language the test chose (English, unless it
		// said otherwise), whatever LANG the machine running it has.
		lang := l10n.Current().String()
		opts.SystemLanguages = func() []string { return []string{lang} }
	}
	core, err := app.New(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { core.Run(ctx); close(done) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			h.t.Error("core did not stop")
		}
	})
	h.b.mu.Lock()
	h.b.core = core
	h.b.mu.Unlock()
	return core
}

// fillPlainAccount types the in-memory test server's account (user "u",
// password "p", plain IMAP on loopback) into the settings form.
func fillPlainAccount(s *settingsWindow, host string, port int) {
	f := s.form
	typeInto(s, f.email, "u@example.com")
	typeInto(s, f.host, host)
	f.security.SetSelected("None (this computer only)")
	typeInto(s, f.port, strconv.Itoa(port))
	typeInto(s, f.username, "u")
	typeInto(s, f.password, "p")
}
