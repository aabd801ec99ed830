// Package l10ntest helps tests that check Mailbell's words: a language for
// one test, and whether a text came through the catalogue.
package l10ntest

import (
	"strings"
	"testing"

	"golang.org/x/text/language"

	"mailbell/app/l10n"
)

// Use makes tag ("de", "en-XA" for the pseudo-locale) the process's
// language for one test, English after it.
func Use(t testing.TB, tag string) {
	t.Helper()
	l10n.Use(language.MustParse(tag))
	t.Cleanup(func() { l10n.Use(l10n.English) })
}

// CatalogueOnly fails unless s came through the catalogue in the
// pseudo-locale: wrapped in ⟦ ⟧ and, with the data taken out, no ASCII
// letter left.
func CatalogueOnly(t testing.TB, what, s string, data ...string) {
	t.Helper()
	if !strings.Contains(s, l10n.PseudoOpen) || !strings.Contains(s, l10n.PseudoClose) {
		t.Errorf("%s: %q is not the catalogue's", what, s)
		return
	}
	rest := s
	for _, d := range data {
		rest = strings.ReplaceAll(rest, d, "")
	}
	if i := strings.IndexFunc(rest, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }); i >= 0 {
		t.Errorf("%s: %q has English outside the catalogue (%q)", what, s, rest[i:])
	}
}
