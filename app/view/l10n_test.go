package view

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"mailbell/app/l10n"
)

// useLang makes tag the process's language for one test, English after.
func useLang(t *testing.T, tag string) {
	t.Helper()
	l10n.Use(language.MustParse(tag))
	t.Cleanup(func() { l10n.Use(l10n.English) })
}

// pseudoOnly fails unless s is pseudo-locale text throughout: every part
// outside the data (names, numbers, errors) wrapped in ⟦ ⟧, no ASCII letter
// left outside a wrap.
func pseudoOnly(t *testing.T, what, s string, data ...string) {
	t.Helper()
	if !strings.Contains(s, l10n.PseudoOpen) {
		t.Errorf("%s: %q did not come through the catalogue", what, s)
		return
	}
	rest := s
	for _, d := range data {
		rest = strings.ReplaceAll(rest, d, "")
	}
	if i := strings.IndexFunc(rest, func(r rune) bool { return r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }); i >= 0 {
		t.Errorf("%s: %q has English outside the catalogue (%q)", what, s, rest[i:])
	}
}

// TestPseudoLocaleWords: with the pseudo-locale every word the view says is
// the catalogue's: states, status lines, pause texts, durations and times.
func TestPseudoLocaleWords(t *testing.T) {
	useLang(t, "en-XA")
	for _, st := range States {
		pseudoOnly(t, "state "+string(st), FolderState(Folder{State: st}, now))
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
		pseudoOnly(t, "folder", FolderState(f, now), "boom")
		s := snap(f, Folder{State: StateIdle})
		pseudoOnly(t, "status", s.StatusLine(now), "Work", "boom")
	}
	idle := Folder{State: StateIdle}
	pseudoOnly(t, "all connected", snap(idle, idle).StatusLine(now))
	pseudoOnly(t, "connecting", snap(Folder{State: StateConnecting}, idle).StatusLine(now), "Work")
	pseudoOnly(t, "no accounts", Snapshot{}.StatusLine(now))
	pseudoOnly(t, "config error", Snapshot{ConfigError: "x"}.StatusLine(now))
	one := Snapshot{Accounts: []Account{{Name: "Work", Enabled: true, Folders: []Folder{idle}}}}
	pseudoOnly(t, "connected", one.StatusLine(now))
	for _, until := range []time.Time{now.Add(time.Hour), now.Add(24 * time.Hour), now.Add(3 * 24 * time.Hour), now.Add(30 * 24 * time.Hour), Forever} {
		pseudoOnly(t, "paused", PausedText(until, now), "PM", "AM")
	}
	for _, o := range PauseOptions() {
		pseudoOnly(t, "pause option", o.Label)
	}
	for _, l := range []string{PauseLabel(), PauseShortLabel(), ResumeLabel()} {
		pseudoOnly(t, "pause label", l)
	}
	for _, d := range []time.Duration{time.Minute, 2 * time.Hour, 3 * 24 * time.Hour} {
		pseudoOnly(t, "ago", Ago(now.Add(-d), now))
	}
}
