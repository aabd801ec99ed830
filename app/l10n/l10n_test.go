package l10n

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"
)

// use switches the process language for one test and back.
func use(t *testing.T, tag string) {
	t.Helper()
	Use(language.MustParse(tag))
	t.Cleanup(func() { Use(English) })
}

func TestEnglishPlural(t *testing.T) {
	use(t, "en")
	for n, want := range map[int]string{0: "0 days ago", 1: "1 day ago", 2: "2 days ago", 1204: "1,204 days ago"} {
		if got := N("time.days_ago", n); got != want {
			t.Errorf("N(days_ago, %d) = %q, want %q", n, got, want)
		}
	}
	if got := T("no.such.id"); got != "no.such.id" {
		t.Errorf("unknown id: %q", got)
	}
}

func TestPseudo(t *testing.T) {
	use(t, "en-XA")
	got := N("time.days_ago", 3)
	if !strings.HasPrefix(got, PseudoOpen) || !strings.HasSuffix(got, PseudoClose) || !strings.Contains(got, "3") || strings.Contains(got, "days") {
		t.Errorf("pseudo: %q", got)
	}
}

func TestFormats(t *testing.T) {
	at := time.Date(2026, 3, 7, 15, 4, 0, 0, time.UTC)
	for _, c := range []struct{ tag, clock, date, num string }{
		{"en", "3:04 PM", "3/7/2026", "1,204"},
		{"en-US", "3:04 PM", "3/7/2026", "1,204"},
		{"en-GB", "15:04", "07/03/2026", "1,204"},
		{"en-XA", "3:04 PM", "3/7/2026", "1,204"},
	} {
		use(t, c.tag)
		if got := Clock(at); got != c.clock {
			t.Errorf("%s: Clock = %q, want %q", c.tag, got, c.clock)
		}
		if got := Date(at); got != c.date {
			t.Errorf("%s: Date = %q, want %q", c.tag, got, c.date)
		}
		if got := Number(1204); got != c.num {
			t.Errorf("%s: Number = %q, want %q", c.tag, got, c.num)
		}
	}
}

func TestAgo(t *testing.T) {
	use(t, "en")
	now := time.Date(2026, 3, 7, 15, 4, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		10 * time.Second:    "just now",
		37 * time.Minute:    "37 min ago",
		3 * time.Hour:       "3 h ago",
		30 * time.Hour:      "yesterday",
		3 * 24 * time.Hour:  "3 days ago",
		30 * 24 * time.Hour: "2/5/2026",
	} {
		if got := Ago(now, now.Add(-d)); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCompare(t *testing.T) {
	use(t, "en")
	names := []string{"Zoë", "émilie", "Emil", "anna", "Bob"}
	SortFunc(names, func(s string) string { return s })
	if want := []string{"anna", "Bob", "Emil", "émilie", "Zoë"}; strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("sorted %q, want %q", names, want)
	}
}

func TestChildEnv(t *testing.T) {
	env := ChildEnv([]string{"LANG=C.UTF-8", "LANGUAGE=fr", "HOME=/h"}, language.MustParse("pt-BR"))
	got := strings.Join(env, " ")
	if got != "LANG=C.UTF-8 HOME=/h MAILBELL_LANG=pt-BR LANGUAGE=pt_BR" {
		t.Errorf("ChildEnv = %q", got)
	}
}

// TestLaterPart: a process starts with the common and core parts parsed;
// the first id of the windows' part parses the rest, in the language in
// use, and the pseudo-locale wraps it too.
func TestLaterPart(t *testing.T) {
	for _, lang := range []string{"en", "de", "en-XA"} {
		use(t, lang)
		if current.Load().all {
			t.Fatalf("%s: every part parsed at Use", lang)
		}
		want := func(id string) string {
			if lang == "en-XA" {
				return PseudoOpen + pseudoText(catalog.Messages(English)[id].Other) + PseudoClose
			}
			return catalog.Messages(language.MustParse(lang))[id].Other
		}
		if got := T("recent.check_now"); got != want("recent.check_now") || !current.Load().all {
			t.Errorf("%s: recent.check_now = %q, want %q (and every part parsed after it)", lang, got, want("recent.check_now"))
		}
		if got := T("tray.quit"); got != want("tray.quit") {
			t.Errorf("%s: tray.quit after the later part = %q, want %q", lang, got, want("tray.quit"))
		}
	}
}
