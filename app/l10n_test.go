package app

import (
	"strings"
	"testing"

	"golang.org/x/text/language"

	"mailbell/app/l10n"
)

// usePseudo speaks the pseudo-locale for one test, English after.
func usePseudo(t *testing.T) {
	t.Helper()
	l10n.Use(l10n.Pseudo)
	t.Cleanup(func() { l10n.Use(language.English) })
}

// catalogueOnly fails unless s came through the catalogue: wrapped in ⟦ ⟧
// and, with the data taken out, no English letter left.
func catalogueOnly(t *testing.T, what, s string, data ...string) {
	t.Helper()
	if !strings.Contains(s, l10n.PseudoOpen) {
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

// TestDescribeProbePseudo: every Test connection result is the
// catalogue's; only the host, folder and the protocol code's own error
// text stay as they are.
func TestDescribeProbePseudo(t *testing.T) {
	usePseudo(t)
	for _, c := range probeCases() {
		got := DescribeProbe(c.info, c.err, "imap.example.com", 993, "INBOX")
		data := []string{"imap.example.com", "INBOX", "STARTTLS", "TLS", "Mailbell"}
		if c.err != nil {
			_, detail, _ := strings.Cut(c.err.Error(), ": ") // mail's words after its sentinel
			data = append([]string{c.err.Error(), detail}, data...)
		}
		catalogueOnly(t, c.name, got, data...)
	}
}
