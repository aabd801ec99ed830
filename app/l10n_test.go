package app

import (
	"strings"
	"testing"

	"mailbell/internal/testenv/l10ntest"
)

// TestDescribeProbePseudo: every Test connection result is the
// catalogue's; only the host, folder and the protocol code's own error
// text stay as they are.
func TestDescribeProbePseudo(t *testing.T) {
	l10ntest.Use(t, "en-XA")
	for _, c := range probeCases() {
		got := DescribeProbe(c.info, c.err, "imap.example.com", 993, "INBOX")
		data := []string{"imap.example.com", "INBOX", "STARTTLS", "TLS", "Mailbell"}
		if c.err != nil {
			_, detail, _ := strings.Cut(c.err.Error(), ": ") // mail's words after its sentinel
			data = append([]string{c.err.Error(), detail}, data...)
		}
		l10ntest.CatalogueOnly(t, c.name, got, data...)
	}
}
