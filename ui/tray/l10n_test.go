package tray

import (
	"strings"
	"testing"
	"time"

	"mailbell/app/l10n"
	"mailbell/app/view"
	"mailbell/internal/testenv/l10ntest"
)

// TestMenuPseudoLocale: with the pseudo-locale every label of the menu
// model other than subjects and account names is the catalogue's: the
// fixed entries, the pause lengths, the pause title, the status line, the
// "Open mail" entries and the tooltip.
func TestMenuPseudoLocale(t *testing.T) {
	l10ntest.Use(t, "en-XA")
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
					l10ntest.CatalogueOnly(t, "fixed entry", label)
				}
				if len(l.Pauses) != len(view.PauseOptions()) {
					t.Errorf("%d pause lengths, want %d", len(l.Pauses), len(view.PauseOptions()))
				}
				l10ntest.CatalogueOnly(t, "pause title", m.PauseTitle, "AM", "PM")
				l10ntest.CatalogueOnly(t, "status", m.Status)
				for _, o := range m.OpenMail {
					l10ntest.CatalogueOnly(t, "open mail", o.Label, "Work", "Personal")
				}
				// The tooltip is a list of facts: each is the catalogue's but the product name.
				for _, part := range strings.Split(m.Tooltip, " · ") {
					if part != Title {
						l10ntest.CatalogueOnly(t, "tooltip part", part, "AM", "PM", "Mailbell")
					}
				}
				if len(m.Subjects) != 2 || m.Subjects[0].Label != "Ann Lee — Quarterly report" {
					t.Fatalf("subjects %+v", m.Subjects)
				}
				l10ntest.CatalogueOnly(t, "missing subject", m.Subjects[1].Label, "Bob")
			}
		}
	}
}

// TestMenuFollowsLanguage: the same snapshot builds a menu in the language
// in use when it is built, so that a change of language re-renders every
// entry whose words changed.
func TestMenuFollowsLanguage(t *testing.T) {
	s := view.Snapshot{Accounts: []view.Account{idle("Work")}}
	l10ntest.Use(t, "en")
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
