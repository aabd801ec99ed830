package view

import (
	"testing"
	"time"

	"mailbell/internal/testenv/l10ntest"
)

// TestPseudoLocaleWords: with the pseudo-locale every word the view says is
// the catalogue's: states, status lines, pause texts, durations and times.
func TestPseudoLocaleWords(t *testing.T) {
	l10ntest.Use(t, "en-XA")
	for _, st := range States {
		l10ntest.CatalogueOnly(t, "state "+string(st), FolderState(Folder{State: st}, now))
	}
	for _, f := range []Folder{
		{State: StatePolling, PollInterval: time.Minute},
		{State: StateBackoff, NextTry: now.Add(12 * time.Second)},
		{State: StateBackoff, NextTry: now.Add(5 * time.Minute)},
		{State: StateBackoff, NextTry: now.Add(3 * time.Hour)},
		{State: StateStopped, Error: "boom", ErrorKind: ErrorAuth},
		{State: StateStopped, Error: "boom", ErrorKind: ErrorSignIn},
		{State: StateStopped, Error: "boom", ErrorKind: ErrorNoSignIn},
		{State: StateStopped, Error: "boom", ErrorKind: ErrorTLS},
		{State: StateStopped, Error: "boom", ErrorKind: ErrorNetwork},
	} {
		l10ntest.CatalogueOnly(t, "folder", FolderState(f, now), "boom")
		s := snap(f, Folder{State: StateIdle})
		l10ntest.CatalogueOnly(t, "status", s.StatusLine(now), "Work", "boom")
	}
	idle := Folder{State: StateIdle}
	l10ntest.CatalogueOnly(t, "all connected", snap(idle, idle).StatusLine(now))
	l10ntest.CatalogueOnly(t, "connecting", snap(Folder{State: StateConnecting}, idle).StatusLine(now), "Work")
	l10ntest.CatalogueOnly(t, "no accounts", Snapshot{}.StatusLine(now))
	l10ntest.CatalogueOnly(t, "config error", Snapshot{ConfigError: "x"}.StatusLine(now))
	one := Snapshot{Accounts: []Account{{Name: "Work", Enabled: true, Folders: []Folder{idle}}}}
	l10ntest.CatalogueOnly(t, "connected", one.StatusLine(now))
	for _, until := range []time.Time{now.Add(time.Hour), now.Add(24 * time.Hour), now.Add(3 * 24 * time.Hour), now.Add(30 * 24 * time.Hour), Forever} {
		l10ntest.CatalogueOnly(t, "paused", PausedText(until, now), "PM", "AM")
	}
	for _, o := range PauseOptions() {
		l10ntest.CatalogueOnly(t, "pause option", o.Label)
	}
	for _, l := range []string{PauseLabel(), PauseShortLabel(), ResumeLabel()} {
		l10ntest.CatalogueOnly(t, "pause label", l)
	}
	for _, d := range []time.Duration{time.Minute, 2 * time.Hour, 3 * 24 * time.Hour} {
		l10ntest.CatalogueOnly(t, "ago", Ago(now.Add(-d), now))
	}
}
