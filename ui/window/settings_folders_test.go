package window

import (
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fyne.io/fyne/v2"

	"mailbell/app"
	"mailbell/internal/testenv/imaptest"
	"mailbell/platform/secrets"
)

// The folder picker lists the server's folders (Junk marked as never
// notifying), offers "all but Junk, Trash, Sent, Drafts", and writes the
// choice into the Folders field: "*" or the ticked names.
func TestFolderPicker(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"u": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, f := range []string{"Lists", "Projects/2025", "Junk", "Trash", "Sent", "Drafts"} {
		if err := srv.CreateMailbox("u", f); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: t.TempDir(), Secrets: secrets.Memory()})
	s := h.openSettings("")
	f := s.form
	fillPlainAccount(s, srv.Host(), srv.Port())

	p := f.pickFolders()
	if p == nil {
		t.Fatal("no picker")
	}
	h.loop.until(t, "the folders listed", func() bool { return p.all != nil || p.status.Text != textListingFolder() })
	if p.all == nil {
		t.Fatalf("not listed: %q", p.status.Text)
	}
	got := texts(p.box)
	want := []string{labelAllFolders(), "INBOX", "Drafts", labelNeverNotify("Junk"), "Lists", "Projects/2025", "Sent", labelNeverNotify("Trash")}
	if !slices.Equal(got, want) {
		t.Fatalf("picker shows %q\nwant %q", got, want)
	}
	if p.all.Checked || !p.checks[0].Checked || p.checks[3].Checked {
		t.Fatal("the current choice (INBOX) is not what is ticked")
	}
	shot(t, s.w, "screenshot-folder-picker.png")

	p.all.SetChecked(true)
	if !p.checks[3].Checked || !p.checks[3].Disabled() || p.checks[2].Checked || p.checks[2].Disabled() {
		t.Fatal("all folders: Lists not ticked and fixed, or Junk not free")
	}
	p.apply()
	if f.folders.Text != "*" {
		t.Fatalf("all folders written as %q", f.folders.Text)
	}

	p = f.pickFolders()
	h.loop.until(t, "listed again", func() bool { return p.all != nil || p.status.Text != textListingFolder() })
	if p.all == nil || !p.all.Checked {
		t.Fatal(`"*" not shown as all folders`)
	}
	p.all.SetChecked(false) // what it covered stays ticked, free to change
	if !p.checks[4].Checked || p.checks[4].Disabled() {
		t.Fatal("unticking all folders cleared or kept fixed what it covered")
	}
	p.checks[4].SetChecked(false) // Projects/2025
	p.checks[0].SetChecked(false) // INBOX
	p.checks[3].SetChecked(true)  // Lists
	p.checks[2].SetChecked(true)  // Junk: watched, never notifies
	p.apply()
	if f.folders.Text != "Junk, Lists" {
		t.Fatalf("choice written as %q", f.folders.Text)
	}
}

// shot saves the window as docs/<name> when MAILBELL_SCREENSHOTS names the
// docs folder (make screenshots), rendered by Fyne's software test driver.
func shot(t *testing.T, w fyne.Window, name string) {
	dir := os.Getenv("MAILBELL_SCREENSHOTS")
	if dir == "" {
		return
	}
	w.Resize(fyne.NewSize(720, 640))
	img := w.Canvas().Capture()
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := png.Encode(out, img); err != nil {
		t.Fatal(err)
	}
}
