package window

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"mailbell/app/view"
	"mailbell/internal/testenv/scriptsamples"
)

// missingRune is a code point no font maps (unassigned in Unicode 15): what
// Fyne paints for it is what it paints wherever no font has a glyph.
const missingRune = '\u0378'

// TestRecentWindowRendersEveryScript shows subjects and senders in Japanese,
// Chinese, Korean, Arabic, Hebrew and emoji in the recent window, then paints
// every character of what the window's labels hold, one at a time, in the
// labels' own style with Fyne's software painter (the drawing code the GL
// window uses for text too) and fails for each character whose picture is
// Fyne's no-glyph picture or empty. Fyne 2.7 draws a character no font has
// as U+FFFD, the replacement character "�" of its bundled Noto Sans, one per
// character. Fyne looks for a system font per
// character it has no glyph for (go-text fontscan over /usr/share/fonts and
// the fontconfig dirs), so this fails on a machine without the font package.
func TestRecentWindowRendersEveryScript(t *testing.T) {
	h := newHarness(t, Deps{ConfigDir: t.TempDir()})
	r := h.u.openRecent()
	s := view.Snapshot{Notifications: true, Accounts: stateSnapshot(h.now).Accounts[:1]}
	for i, c := range scriptsamples.All {
		s.Recent = append(s.Recent, view.Message{Account: "work", AccountName: "Work", Folder: "INBOX",
			UIDValidity: 1, UID: uint32(100 - i), From: c.From, Subject: c.Subject, Date: h.now.Add(-time.Duration(i+1) * time.Minute)})
	}
	s.Unseen = len(s.Recent)
	r.w.Resize(fyne.NewSize(600, 900))
	h.snapshot(s)

	rows := messageRows(r)
	if len(rows) != len(scriptsamples.All) {
		t.Fatalf("%d rows laid out, want %d", len(rows), len(scriptsamples.All))
	}
	th := h.app.Settings().Theme()
	mark := paint(canvas.Text{Text: string(missingRune), TextSize: th.Size(theme.SizeNameText)})
	if !hasInk(mark) || sameImage(mark, paint(canvas.Text{Text: "A", TextSize: th.Size(theme.SizeNameText)})) {
		t.Fatal("a missing glyph paints nothing or like \"A\": the comparison below would prove nothing")
	}
	for i, c := range scriptsamples.All {
		row := rows[i]
		for _, l := range []struct {
			want string
			text string
			st   fyne.TextStyle
			size fyne.ThemeSizeName
		}{
			{c.Subject, row.subject.Text, row.subject.TextStyle, row.subject.SizeName},
			{c.From, row.sender.Text, row.sender.TextStyle, row.sender.SizeName},
		} {
			if l.text != l.want {
				t.Errorf("%s: row %d shows %q, want %q", c.Script, i, l.text, l.want)
				continue
			}
			if l.size == "" {
				l.size = theme.SizeNameText
			}
			size := th.Size(l.size)
			missing := paint(canvas.Text{Text: string(missingRune), TextSize: size, TextStyle: l.st})
			var noGlyph, blank []string
			for _, ch := range l.text {
				if !scriptsamples.Drawn(ch) {
					continue
				}
				img := paint(canvas.Text{Text: string(ch), TextSize: size, TextStyle: l.st})
				switch {
				case sameImage(img, missing):
					noGlyph = append(noGlyph, fmt.Sprintf("%c U+%04X", ch, ch))
				case !hasInk(img):
					blank = append(blank, fmt.Sprintf("%c U+%04X", ch, ch))
				}
			}
			if len(noGlyph) > 0 {
				t.Errorf("%s: in %q, %d characters paint as Fyne's no-glyph mark (no installed font has them; install %s): %s",
					c.Script, l.text, len(noGlyph), c.Package, strings.Join(noGlyph, ", "))
			}
			if len(blank) > 0 {
				t.Errorf("%s: in %q, %d characters paint nothing: %s", c.Script, l.text, len(blank), strings.Join(blank, ", "))
			}
		}
	}
}

// TestRightToLeftSubjectPaintsRightToLeft paints Arabic and Hebrew subjects
// as the recent window's labels do and finds where their first and last words
// land: right to left, the first word is at the right end. Fyne 2.7 has no
// full bidi layout: go-text shapes each run of one script and one font in its
// direction, and where Latin punctuation, digits or words are mixed in the
// pieces can come out of order (README: "Fonts"). So the subjects here are
// RTL letters, spaces and the Arabic comma, which do read right to left.
func TestRightToLeftSubjectPaintsRightToLeft(t *testing.T) {
	a := test.NewTempApp(t)
	th := a.Settings().Theme()
	size := th.Size(theme.SizeNameText) * 2
	for _, c := range []struct{ subject, first, last string }{
		{"مرحبا، هذا تقرير الأسبوع", "مرحبا", "الأسبوع"},
		{"שלום רב מצוות הפיתוח", "שלום", "הפיתוח"},
	} {
		full := paint(canvas.Text{Text: c.subject, TextSize: size})
		first := paint(canvas.Text{Text: c.first, TextSize: size})
		last := paint(canvas.Text{Text: c.last, TextSize: size})
		fx, fd := findIn(full, first)
		lx, ld := findIn(full, last)
		t.Logf("%q: first word at x=%d (%d pixels differ), last word at x=%d (%d differ), width %d", c.subject, fx, fd, lx, ld, full.Bounds().Dx())
		if fx+first.Bounds().Dx() < full.Bounds().Dx()-2 || lx > 2 {
			t.Errorf("%q does not read right to left: first word %q at x=%d..%d, last word %q at x=%d, in a picture %d wide",
				c.subject, c.first, fx, fx+first.Bounds().Dx(), c.last, lx, full.Bounds().Dx())
		}
	}
}

// findIn returns the x offset where part best matches img (same height, top
// aligned) and how many pixels differ there.
func findIn(img, part image.Image) (x, diff int) {
	diff = -1
	w, h := part.Bounds().Dx(), min(part.Bounds().Dy(), img.Bounds().Dy())
	for x0 := 0; x0+w <= img.Bounds().Dx(); x0++ {
		n := 0
		for y := 0; y < h; y++ {
			for dx := 0; dx < w; dx++ {
				if !sameColor(img.At(img.Bounds().Min.X+x0+dx, img.Bounds().Min.Y+y), part.At(part.Bounds().Min.X+dx, part.Bounds().Min.Y+y)) {
					n++
				}
			}
		}
		if diff < 0 || n < diff {
			x, diff = x0, n
		}
	}
	return x, diff
}

func sameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// paint renders a text object alone with the software painter, in the
// current app's theme. (software.Render would set the theme first, which
// refreshes every open window and reloads the fonts on each call.)
func paint(txt canvas.Text) image.Image {
	if txt.Color == nil {
		txt.Color = color.Black
	}
	c := software.NewCanvas()
	c.SetPadded(false)
	c.SetContent(&txt)
	return c.Capture()
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	bd := a.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			if !sameColor(a.At(x, y), b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// hasInk reports whether img has a pixel unlike its top-left corner's.
func hasInk(img image.Image) bool {
	bd := img.Bounds()
	bg := img.At(bd.Min.X, bd.Min.Y)
	r0, g0, b0, _ := bg.RGBA()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r != r0 || g != g0 || b != b0 {
				return true
			}
		}
	}
	return false
}
