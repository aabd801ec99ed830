package rules

import (
	"strings"
	"testing"
	"time"

	"mailbell/app/l10n"
	"mailbell/internal/testenv/l10ntest"
)

// TestDescribePseudo: every rule and quiet-hours description is the
// catalogue's: with the pseudo-locale each is wrapped in ⟦ ⟧ and, with the
// data (addresses, folders, words, times) taken out, has no English word.
func TestDescribePseudo(t *testing.T) {
	l10ntest.Use(t, "en-XA")
	off := false
	e := New(Rules{MuteSenders: []string{"spam.example.com", "@news.example.org"}, MuteSubjects: []string{"digest", "sale"},
		VIPSenders: []string{"boss@work.example", "ann@example.com"}, VIPBreaksQuiet: true},
		[]Account{{ID: "work", Email: "me@elsewhere.example", AccountOptions: AccountOptions{FolderOptions: map[string]FolderOptions{"Lists": {Notify: &off}, "Spam": {Notify: &off}}}},
			{ID: "home", AccountOptions: AccountOptions{Notify: &off}}})
	got := append(e.Describe("work"), e.Describe("home")...)
	e = New(Rules{VIPSenders: []string{"boss@work.example"}}, nil)
	got = append(got, e.Describe("")...)
	for _, q := range []QuietHours{
		{From: "22:00", To: "07:00"}, {From: "12:00", To: "13:30"},
		{From: "22:00", To: "07:00", Days: []string{"mon", "tue", "fri"}}, {From: "12:00", To: "13:30", Days: []string{"sat", "sun"}},
	} {
		s, err := q.Schedule(time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Describe())
	}
	got = append(got, (*Schedule)(nil).Describe())
	if len(got) != 15 { // home has the global rules too
		t.Fatalf("%d descriptions: %q", len(got), got)
	}
	data := strings.NewReplacer("spam.example.com", "", "@news.example.org", "", "digest", "", "sale", "", "boss@work.example", "",
		"ann@example.com", "", "me@elsewhere.example", "", "Lists", "", "Spam", "")
	for _, d := range got {
		if !strings.HasPrefix(d, l10n.PseudoOpen) {
			t.Errorf("%q is not the catalogue's", d)
		}
		rest := data.Replace(d)
		if i := strings.IndexFunc(rest, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }); i >= 0 {
			t.Errorf("%q has English outside the catalogue (%q)", d, rest[i:])
		}
	}
}
