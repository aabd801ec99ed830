package policy

import (
	"fmt"
	"testing"
	"time"

	"mailbell/app/rules"
	"mailbell/internal/testenv/l10ntest"
)

// cyrillic are items whose data (account, sender, subject) has no ASCII
// letter, so that any ASCII letter in a notification is English that did
// not come through the catalogue.
func cyrillic(n int, account string, senders ...string) []Item {
	var out []Item
	for i := range n {
		out = append(out, Item{Account: account, AccountName: account, Key: fmt.Sprint(account, i),
			From: senders[i%len(senders)], Subject: fmt.Sprint("Тема ", i)})
	}
	return out
}

// TestPseudoLocale: every notification text that is not mail data speaks
// the catalogue's language: "New message in X", summaries of one account
// and of several, after a pause and after quiet hours, and the sender
// lists with "and N more".
func TestPseudoLocale(t *testing.T) {
	l10ntest.Use(t, "en-XA")

	// A single with sender and subject is data only.
	p := New()
	got := p.Add(t0, cyrillic(1, "Работа", "Анна"))
	if len(got) != 1 || got[0].Summary != "Анна" || got[0].Body != "Тема 0" {
		t.Fatalf("single: %+v", got)
	}
	// Sender or subject hidden: "New message in Работа".
	for _, c := range []struct{ sender, subject bool }{{true, false}, {false, true}, {false, false}} {
		p := New()
		p.ShowSender, p.ShowSubject = c.sender, c.subject
		got := p.Add(t0, cyrillic(1, "Работа", "Анна"))
		if len(got) != 1 {
			t.Fatalf("%+v: %+v", c, got)
		}
		n := got[0]
		switch {
		case c.sender:
			l10ntest.CatalogueOnly(t, "body without subject", n.Body)
		default:
			l10ntest.CatalogueOnly(t, "summary without sender", n.Summary)
		}
	}

	// Sender lists: one name, two, one and more, two and more.
	for _, senders := range [][]string{{"Анна"}, {"Анна", "Борис"}} {
		for _, n := range []int{len(senders), 5} {
			if n <= MaxSingles && n > 1 {
				continue // these come one by one
			}
			p := New()
			p.Pause(t0.Add(time.Hour))
			p.Add(t0, cyrillic(n, "Работа", senders...))
			got := p.Resume(t0.Add(time.Minute))
			if len(got) != 1 {
				t.Fatalf("%d from %q: %+v", n, senders, got)
			}
			if n == 1 {
				continue // one held message is shown as itself: data
			}
			l10ntest.CatalogueOnly(t, "held summary", got[0].Summary)
			l10ntest.CatalogueOnly(t, "sender list", got[0].Body)
		}
	}
	for _, senders := range [][]string{{"Анна"}, {"Анна", "Борис"}, {"Анна", "Борис", "Вера"}} {
		p := New()
		got := p.Add(t0, cyrillic(len(senders)+4, "Работа", senders...))
		if len(got) != 1 {
			t.Fatalf("burst: %+v", got)
		}
		l10ntest.CatalogueOnly(t, "summary", got[0].Summary)
		l10ntest.CatalogueOnly(t, "sender list", got[0].Body)
	}

	// Several accounts, at once and after a pause.
	p = New()
	got = p.Add(t0, append(cyrillic(3, "Работа", "Анна"), cyrillic(2, "Дом", "Борис")...))
	if len(got) != 1 {
		t.Fatalf("accounts: %+v", got)
	}
	l10ntest.CatalogueOnly(t, "accounts summary", got[0].Summary)
	p = New()
	p.Pause(t0.Add(time.Hour))
	p.Add(t0, append(cyrillic(2, "Работа", "Анна"), cyrillic(2, "Дом", "Борис")...))
	got = p.Resume(t0.Add(time.Minute))
	l10ntest.CatalogueOnly(t, "accounts summary while paused", got[0].Summary)

	// Quiet hours: one account and several.
	for _, its := range [][]Item{cyrillic(4, "Работа", "Анна"), append(cyrillic(2, "Работа", "Анна"), cyrillic(2, "Дом", "Борис")...)} {
		p, loc := quietPolicy(t, rules.QuietHours{From: "22:00", To: "07:00"}, "Europe/Berlin")
		night := time.Date(2026, 3, 28, 23, 0, 0, 0, loc)
		p.Add(night, its)
		got := p.Flush(time.Date(2026, 3, 29, 7, 0, 0, 0, loc))
		if len(got) != 1 {
			t.Fatalf("quiet: %+v", got)
		}
		l10ntest.CatalogueOnly(t, "summary after quiet hours", got[0].Summary)
		l10ntest.CatalogueOnly(t, "sender list after quiet hours", got[0].Body)
	}
}
