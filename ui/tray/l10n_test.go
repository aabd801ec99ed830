package tray

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"mailbell/app/l10n"
	"mailbell/app/view"
)

// useLang makes tag the process's language for one test, English after.
func useLang(t *testing.T, tag string) {
	t.Helper()
	l10n.Use(language.MustParse(tag))
	t.Cleanup(func() { l10n.Use(language.English) })
}

// wrapped fails unless s is the pseudo-locale's: in ⟦ ⟧, and with the data
// (account names, subjects) taken out no English letter left.
func wrapped(t *testing.T, what, s string, data ...string) {
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

// TestMenuPseudoLocale: with the pseudo-locale every label of the menu
// model other than subjects and account names is the catalogue's: the
// fixed entries, the pause lengths, the pause title, the status line, the
// "Open mail" entries and the tooltip.
func TestMenuPseudoLocale(t *testing.T) {
	useLang(t, "en-XA")
	s := view.Snapshot{
		Accounts: []view.Account{idle("Work"), idle("Personal")},
		Recent:   []view.Message{msg(1, "Ann Lee", "Quarterly report", false), msg(2, "Bob", "", false)},
		Unseen:   2,
	}
	for _, paused := range []time.Time{{}, now.Add(time.Hour), view.Forever} {
		s.PausedUntil = paused
		for _, demo := range []bool{false, true} {
			s.Demo = demo
			for _, countsNew := range []bool{false, true} {
				s.CountsNew = countsNew
				m := BuildMenu(s, now)
				l := m.Labels
				for _, label := range append([]string{l.Open, l.Check, l.Resume, l.Settings, l.Quit}, l.Pauses...) {
					wrapped(t, "fixed entry", label)
				}
				if len(l.Pauses) != len(view.PauseOptions()) {
					t.Errorf("%d pause lengths, want %d", len(l.Pauses), len(view.PauseOptions()))
				}
				wrapped(t, "pause title", m.PauseTitle, "AM", "PM")
				wrapped(t, "status", m.Status)
				for _, o := range m.OpenMail {
					wrapped(t, "open mail", o.Label, "Work", "Personal")
				}
				// The tooltip is a list of facts: each is the catalogue's but the product name.
				for _, part := range strings.Split(m.Tooltip, " · ") {
					if part != Title {
						wrapped(t, "tooltip part", part, "AM", "PM", "Mailbell")
					}
				}
				if len(m.Subjects) != 2 || m.Subjects[0].Label != "Ann Lee — Quarterly report" {
					t.Fatalf("subjects %+v", m.Subjects)
				}
				wrapped(t, "missing subject", m.Subjects[1].Label, "Bob")
			}
		}
	}
}

// TestMenuFollowsLanguage: the same snapshot builds a menu in the language
// in use when it is built, so that a change of language re-renders every
// entry whose words changed.
func TestMenuFollowsLanguage(t *testing.T) {
	s := view.Snapshot{Accounts: []view.Account{idle("Work")}}
	useLang(t, "en")
	en := BuildMenu(s, now)
	l10n.Use(l10n.Pseudo)
	xa := BuildMenu(s, now)
	if en.Labels.Quit != "Quit" || xa.Labels.Quit == en.Labels.Quit || !strings.HasPrefix(xa.Labels.Quit, l10n.PseudoOpen) {
		t.Errorf("Quit: English %q, pseudo %q", en.Labels.Quit, xa.Labels.Quit)
	}
	if xa.Status == en.Status || xa.PauseTitle == en.PauseTitle || xa.Tooltip == en.Tooltip {
		t.Errorf("pseudo menu keeps English words: %+v", xa)
	}
}
