// Package scriptsamples holds mail subjects and senders in the scripts whose
// rendering the tests check — Japanese, Simplified Chinese, Korean, Arabic,
// Hebrew and emoji — with the Debian font package each needs (README:
// "Fonts"), and a fontconfig look-up of which characters no installed font
// has.
package scriptsamples

import (
	"fmt"
	"os/exec"
	"strings"
	"unicode"
)

// Sample is a message in one script.
type Sample struct {
	Script  string // "Japanese", …
	From    string // sender display name
	Subject string
	Package string // the Debian package that has its glyphs, for error messages
}

// CJK is the package make deps installs for Chinese, Japanese and Korean.
const CJK = "fonts-wqy-microhei (or fonts-noto-cjk)"

// All are the samples, one per script.
var All = []Sample{
	{"Japanese", "田中 由紀", "明日の会議について", CJK},
	{"Simplified Chinese", "王芳", "关于下周会议的安排", CJK},
	{"Korean", "김민준", "회의 자료를 보내드립니다", CJK},
	{"Arabic", "ليلى حداد", "مرحبا، هذا تقرير الأسبوع", "fonts-dejavu-core"},
	{"Hebrew", "נועה לוי", "שלום, מצורף הדוח השבועי", "fonts-dejavu-core"},
	{"emoji", "Olu 😀", "Party on Friday 🎉📬🎄", "fonts-noto-color-emoji (Fyne bundles its own)"},
}

// Drawn reports whether r is a character whose glyph the tests look for:
// not a space, punctuation or an invisible format character.
func Drawn(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.Is(unicode.Cf, r)
}

// FontconfigMissing returns the characters of s (those Drawn) for which
// fontconfig lists no installed font: what pango, and so dunst, would draw as
// a box with the code point in it.
func FontconfigMissing(s string) ([]rune, error) {
	var missing []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if !Drawn(r) || seen[r] {
			continue
		}
		seen[r] = true
		out, err := exec.Command("fc-list", fmt.Sprintf(":charset=%x", r), "file").Output()
		if err != nil {
			return nil, fmt.Errorf("fc-list for U+%04X: %w", r, err)
		}
		if strings.TrimSpace(string(out)) == "" {
			missing = append(missing, r)
		}
	}
	return missing, nil
}
