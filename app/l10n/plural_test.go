package l10n

import (
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// cldrForms are CLDR's cardinal plural forms, written out by hand from
// the CLDR tables (not computed by either library under test).
var cldrForms = map[string]map[int]plural.Form{
	"en": {0: plural.Other, 1: plural.One, 2: plural.Other, 5: plural.Other, 21: plural.Other, 22: plural.Other, 25: plural.Other, 101: plural.Other},
	"pl": {0: plural.Many, 1: plural.One, 2: plural.Few, 5: plural.Many, 21: plural.Many, 22: plural.Few, 25: plural.Many, 101: plural.Many},
	"ru": {0: plural.Many, 1: plural.One, 2: plural.Few, 5: plural.Many, 21: plural.One, 22: plural.Few, 25: plural.Many, 101: plural.One},
	"ja": {0: plural.Other, 1: plural.Other, 2: plural.Other, 5: plural.Other, 21: plural.Other, 22: plural.Other, 25: plural.Other, 101: plural.Other},
}

func formText(m *i18n.Message, f plural.Form) string {
	switch f {
	case plural.One:
		return m.One
	case plural.Few:
		return m.Few
	case plural.Many:
		return m.Many
	}
	return m.Other
}

// TestPluralForms: every plural message of English, Polish, Russian and
// Japanese picks CLDR's form at 0, 1, 2, 5, 21, 22, 25 and 101.
func TestPluralForms(t *testing.T) {
	for lang, want := range cldrForms {
		tag := language.MustParse(lang)
		msgs := catalog.Messages(tag)
		if len(msgs) == 0 {
			t.Errorf("%s: no messages", lang)
			continue
		}
		use(t, lang)
		plurals := 0
		for id, m := range catalog.Messages(English) {
			if m.One == "" {
				continue
			}
			plurals++
			tr := msgs[id]
			if tr == nil {
				continue // TestCatalogueComplete reports it
			}
			args := Args{}
			for _, p := range placeholders(m) {
				if p != "Count" {
					args[p] = "‹" + p + "›"
				}
			}
			for n, f := range want {
				data := map[string]any{"Count": Number(n)}
				for k, v := range args {
					data[k] = v
				}
				var b strings.Builder
				if err := template.Must(template.New(id).Parse(formText(tr, f))).Execute(&b, data); err != nil {
					t.Fatal(err)
				}
				if got := N(id, n, args); got != b.String() {
					t.Errorf("%s %q at %d: %q, want the %v form %q", lang, id, n, got, f, b.String())
				}
			}
		}
		if plurals == 0 {
			t.Fatal("no plural messages in English")
		}
	}
}

func TestFormatsByLanguage(t *testing.T) {
	at := time.Date(2026, 3, 7, 15, 4, 0, 0, time.UTC)
	for _, c := range []struct{ tag, clock, date, num string }{
		{"de-DE", "15:04", "07.03.2026", "1.204"},
		{"fr", "15:04", "07/03/2026", "1\u00a0204"},
		{"ja", "15:04", "2026/03/07", "1,204"},
		{"ru", "15:04", "07.03.2026", "1\u00a0204"},
		{"pl", "15:04", "07.03.2026", "1\u00a0204"},
		{"pt-BR", "15:04", "07/03/2026", "1.204"},
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
	use(t, "ru")
	if got := Ago(at, at.Add(-5*24*time.Hour)); got != "5 дней назад" {
		t.Errorf("ru Ago 5 days = %q", got)
	}
	if got := Ago(at, at.Add(-22*time.Minute)); got != "22 минуты назад" {
		t.Errorf("ru Ago 22 min = %q", got)
	}
}
