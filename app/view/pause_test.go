package view

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin even on a machine without zoneinfo

	"mailbell/internal/testenv/l10ntest"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("loading Europe/Berlin: %v", err)
	}
	return loc
}

func TestTomorrowMorning(t *testing.T) {
	ber := berlin(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ber) }
	// The second 02:30 of the night the clocks go back (CET, after CEST's 02:30).
	secondHalfPast2 := time.Date(2025, 10, 26, 1, 30, 0, 0, time.UTC).In(ber)
	for _, c := range []struct {
		name    string
		now     time.Time
		want    time.Time
		elapsed time.Duration // real time until the end
	}{
		{"midday", at(2025, 3, 10, 12, 0), at(2025, 3, 11, 8, 0), 20 * time.Hour},
		{"just before midnight", at(2025, 3, 10, 23, 59), at(2025, 3, 11, 8, 0), 8*time.Hour + time.Minute},
		{"just past midnight", at(2025, 3, 11, 0, 0), at(2025, 3, 11, 8, 0), 8 * time.Hour},
		{"02:00 means this morning", at(2025, 3, 11, 2, 0), at(2025, 3, 11, 8, 0), 6 * time.Hour},
		{"04:59 still the night", at(2025, 3, 11, 4, 59), at(2025, 3, 11, 8, 0), 3*time.Hour + time.Minute},
		{"05:00 the day has begun", at(2025, 3, 11, 5, 0), at(2025, 3, 12, 8, 0), 27 * time.Hour},
		{"07:30 not half an hour", at(2025, 3, 11, 7, 30), at(2025, 3, 12, 8, 0), 24*time.Hour + 30*time.Minute},
		{"08:00 exactly", at(2025, 3, 11, 8, 0), at(2025, 3, 12, 8, 0), 24 * time.Hour},
		{"new year's eve", at(2025, 12, 31, 23, 30), at(2026, 1, 1, 8, 0), 8*time.Hour + 30*time.Minute},
		// Clocks go forward on 30 March 2025 at 02:00 CET: an hour shorter night.
		{"evening before spring forward", at(2025, 3, 29, 20, 0), at(2025, 3, 30, 8, 0), 11 * time.Hour},
		{"spring forward, before the jump", at(2025, 3, 30, 1, 30), at(2025, 3, 30, 8, 0), 5*time.Hour + 30*time.Minute},
		{"spring forward, after the jump", at(2025, 3, 30, 3, 30), at(2025, 3, 30, 8, 0), 4*time.Hour + 30*time.Minute},
		{"spring forward day, evening", at(2025, 3, 30, 20, 0), at(2025, 3, 31, 8, 0), 12 * time.Hour},
		// Clocks go back on 26 October 2025 at 03:00 CEST: an hour longer night.
		{"evening before fall back", at(2025, 10, 25, 20, 0), at(2025, 10, 26, 8, 0), 13 * time.Hour},
		{"fall back, first 01:30", at(2025, 10, 26, 1, 30), at(2025, 10, 26, 8, 0), 7*time.Hour + 30*time.Minute},
		{"fall back, second 02:30", secondHalfPast2, at(2025, 10, 26, 8, 0), 5*time.Hour + 30*time.Minute},
		{"fall back day, evening", at(2025, 10, 26, 20, 0), at(2025, 10, 27, 8, 0), 12 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := TomorrowMorning(c.now)
			if !got.Equal(c.want) {
				t.Fatalf("TomorrowMorning(%v) = %v, want %v", c.now, got, c.want)
			}
			if got.Hour() != MorningHour || got.Minute() != 0 || got.Location() != ber {
				t.Errorf("not %02d:00 on Berlin's wall clock: %v", MorningHour, got)
			}
			if d := got.Sub(c.now); d != c.elapsed {
				t.Errorf("ends after %v, want %v", d, c.elapsed)
			}
		})
	}
}

func TestPausedText(t *testing.T) {
	l10ntest.Use(t, "en-GB") // a 24-hour clock; the US English one is TestPausedTextClock's
	ber := berlin(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ber) }
	now := at(2025, 3, 10, 14, 0) // a Monday
	for _, c := range []struct {
		name       string
		until, now time.Time
		want       string
	}{
		{"later today", at(2025, 3, 10, 15, 30), now, "Notifications paused until 15:30"},
		{"tomorrow", TomorrowMorning(now), now, "Notifications paused until tomorrow 08:00"},
		{"this week", at(2025, 3, 13, 8, 0), now, "Notifications paused until Thu 08:00"},
		{"a week or more", at(2025, 4, 2, 9, 15), now, "Notifications paused until 2 Apr 09:15"},
		{"until resumed", Forever, now, "Notifications paused until you resume"},
		{"over a year away", now.Add(400 * 24 * time.Hour), now, "Notifications paused until you resume"},
		{"another zone's end in now's zone", time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC), now, "Notifications paused until 16:00"},
		// Across midnight the same end reads differently.
		{"before midnight", at(2025, 3, 11, 8, 0), at(2025, 3, 10, 23, 59), "Notifications paused until tomorrow 08:00"},
		{"after midnight", at(2025, 3, 11, 8, 0), at(2025, 3, 11, 0, 0), "Notifications paused until 08:00"},
		{"paused at 02:00 until the morning", TomorrowMorning(at(2025, 3, 11, 2, 0)), at(2025, 3, 11, 2, 0), "Notifications paused until 08:00"},
		// The nights the clocks change: calendar days, not 24 h blocks.
		{"spring forward night", at(2025, 3, 30, 8, 0), at(2025, 3, 29, 23, 30), "Notifications paused until tomorrow 08:00"},
		{"spring forward, after the jump", at(2025, 3, 30, 8, 0), at(2025, 3, 30, 3, 0), "Notifications paused until 08:00"},
		{"fall back night", at(2025, 10, 26, 8, 0), at(2025, 10, 25, 23, 30), "Notifications paused until tomorrow 08:00"},
		{"fall back, in the repeated hour", at(2025, 10, 26, 8, 0), time.Date(2025, 10, 26, 1, 30, 0, 0, time.UTC).In(ber), "Notifications paused until 08:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := PausedText(c.until, c.now); got != c.want {
				t.Errorf("PausedText(%v, %v) = %q, want %q", c.until, c.now, got, c.want)
			}
		})
	}
}

func TestPausedTextChanges(t *testing.T) {
	ber := berlin(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ber) }
	for _, c := range []struct {
		name       string
		until, now time.Time
		want       time.Time
	}{
		{"ends today", at(2025, 3, 10, 15, 0), at(2025, 3, 10, 14, 0), at(2025, 3, 10, 15, 0)},
		{"midnight first", at(2025, 3, 11, 8, 0), at(2025, 3, 10, 22, 0), at(2025, 3, 11, 0, 0)},
		{"ends at midnight", at(2025, 3, 11, 0, 0), at(2025, 3, 10, 22, 0), at(2025, 3, 11, 0, 0)},
		{"midnight before a DST night", at(2025, 3, 31, 8, 0), at(2025, 3, 29, 20, 0), at(2025, 3, 30, 0, 0)},
		{"after the DST jump", at(2025, 3, 31, 8, 0), at(2025, 3, 30, 3, 0), at(2025, 3, 31, 0, 0)},
		{"until resumed", Forever, at(2025, 3, 10, 14, 0), time.Time{}},
		{"over", at(2025, 3, 10, 13, 0), at(2025, 3, 10, 14, 0), time.Time{}},
		{"not paused", time.Time{}, at(2025, 3, 10, 14, 0), time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := PausedTextChanges(c.until, c.now); !got.Equal(c.want) {
				t.Errorf("PausedTextChanges(%v, %v) = %v, want %v", c.until, c.now, got, c.want)
			}
			// Just before the change the words are still those of now.
			if w := PausedTextChanges(c.until, c.now); !w.IsZero() && c.now.Before(c.until) {
				before := w.Add(-time.Second)
				if before.After(c.now) && PausedText(c.until, before) != PausedText(c.until, c.now) {
					t.Errorf("words changed before %v: %q then %q", w, PausedText(c.until, c.now), PausedText(c.until, before))
				}
			}
		})
	}
}

func TestPauseOptions(t *testing.T) {
	ber := berlin(t)
	now := time.Date(2025, 3, 11, 2, 0, 0, 0, ber)
	opts := PauseOptions()
	want := []struct {
		label string
		until time.Time
	}{
		{"For 1 hour", now.Add(time.Hour)},
		{"Until tomorrow morning", time.Date(2025, 3, 11, 8, 0, 0, 0, ber)},
		{"Until I resume", Forever},
	}
	if len(opts) != len(want) {
		t.Fatalf("%d options, want %d", len(opts), len(want))
	}
	for i, w := range want {
		if opts[i].Label != w.label || !opts[i].Until(now).Equal(w.until) {
			t.Errorf("option %d: %q until %v, want %q until %v", i, opts[i].Label, opts[i].Until(now), w.label, w.until)
		}
	}
	// Each call is a fresh slice: a caller's change does not leak.
	opts[0].Label = "changed"
	if PauseOptions()[0].Label != "For 1 hour" {
		t.Error("PauseOptions shares its slice")
	}
}

// The time of day follows the language's clock: 12-hour in US English.
func TestPausedTextClock(t *testing.T) {
	l10ntest.Use(t, "en-US")
	ber := berlin(t)
	now := time.Date(2025, 3, 10, 14, 0, 0, 0, ber)
	if got, want := PausedText(now.Add(90*time.Minute), now), "Notifications paused until 3:30 PM"; got != want {
		t.Errorf("PausedText = %q, want %q", got, want)
	}
}
