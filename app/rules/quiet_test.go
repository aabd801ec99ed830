package rules

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has
)

func schedule(t *testing.T, q QuietHours, zone string) (*Schedule, *time.Location) {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	s, err := q.Schedule(loc)
	if err != nil {
		t.Fatal(err)
	}
	return s, loc
}

type probe struct {
	at     time.Time
	active bool
	end    time.Time // when active
}

func runProbes(t *testing.T, s *Schedule, probes []probe) {
	t.Helper()
	for _, p := range probes {
		if got := s.Active(p.at); got != p.active {
			t.Errorf("Active(%v) = %v, want %v", p.at, got, p.active)
		}
		end := s.End(p.at)
		if !p.active && !end.IsZero() || p.active && !end.Equal(p.end) {
			t.Errorf("End(%v) = %v, want %v", p.at, end, p.end)
		}
	}
}

func TestQuietAcrossMidnight(t *testing.T) {
	s, loc := schedule(t, QuietHours{From: "22:00", To: "07:00"}, "Europe/Berlin")
	at := func(d, h, m int) time.Time { return time.Date(2026, 6, d, h, m, 0, 0, loc) }
	runProbes(t, s, []probe{
		{at(10, 21, 59), false, time.Time{}},
		{at(10, 22, 0), true, at(11, 7, 0)},
		{at(10, 23, 59), true, at(11, 7, 0)},
		{at(11, 0, 0), true, at(11, 7, 0)},
		{at(11, 6, 59), true, at(11, 7, 0)},
		{at(11, 7, 0), false, time.Time{}},
		{at(11, 12, 0), false, time.Time{}},
	})
	if got := s.NextStart(at(11, 12, 0)); !got.Equal(at(11, 22, 0)) {
		t.Errorf("NextStart = %v", got)
	}
	// The same instant seen from another zone is the same answer.
	if !s.Active(at(10, 23, 0).UTC()) {
		t.Error("an instant in UTC is not read in the schedule's zone")
	}
	if got := s.Describe(); got != "Quiet from 22:00 to 07:00 every night" {
		t.Errorf("Describe = %q", got)
	}
}

func TestQuietSameDay(t *testing.T) {
	s, loc := schedule(t, QuietHours{From: "12:00", To: "13:30", Days: []string{"sat", "sun"}}, "UTC")
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, loc) } // 2026-11-28 is a Saturday
	runProbes(t, s, []probe{
		{at(28, 11, 59), false, time.Time{}},
		{at(28, 12, 0), true, at(28, 13, 30)},
		{at(28, 13, 30), false, time.Time{}},
		{at(29, 12, 30), true, at(29, 13, 30)},
		{at(30, 12, 30), false, time.Time{}}, // Monday
	})
	if got := s.Describe(); got != "Quiet from 12:00 to 13:30 on Sat and Sun" {
		t.Errorf("Describe = %q", got)
	}
}

// The day a spell starts on decides: Friday night runs into Saturday
// morning, Sunday night does not exist.
func TestQuietWeekdaysByStart(t *testing.T) {
	s, loc := schedule(t, QuietHours{From: "22:00", To: "07:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}}, "America/New_York")
	at := func(d, h int) time.Time { return time.Date(2026, 7, d, h, 0, 0, 0, loc) } // 2026-07-03 is a Friday
	runProbes(t, s, []probe{
		{at(3, 23), true, at(4, 7)}, // Friday night
		{at(4, 6), true, at(4, 7)},  // … into Saturday morning
		{at(4, 23), false, time.Time{}},
		{at(5, 23), false, time.Time{}}, // Sunday night
		{at(6, 6), false, time.Time{}},  // Monday morning: no spell started Sunday
		{at(6, 22), true, at(7, 7)},
	})
	if got := s.NextStart(at(4, 12)); !got.Equal(at(6, 22)) {
		t.Errorf("NextStart on Saturday = %v, want Monday 22:00", got)
	}
	if got := s.Describe(); got != "Quiet from 22:00 to 07:00 on nights starting Mon, Tue, Wed, Thu or Fri" {
		t.Errorf("Describe = %q", got)
	}
}

// On the nights the clocks change, 22:00–07:00 stays 22:00–07:00 on the
// wall clock: 8 hours when they go forward, 10 when they go back.
func TestQuietDST(t *testing.T) {
	for _, tc := range []struct {
		zone        string
		y           int
		m           time.Month
		night       int // the day the spell starts
		hours       time.Duration
		inGapOrFold []int // wall hours on the morning that are special
	}{
		{"Europe/Berlin", 2026, time.March, 28, 8, []int{3}},    // 02:00 → 03:00 on the 29th
		{"Europe/Berlin", 2026, time.October, 24, 10, []int{2}}, // 03:00 → 02:00 on the 25th
		{"America/New_York", 2026, time.March, 7, 8, []int{3}},  // 02:00 → 03:00 on the 8th
		{"America/New_York", 2026, time.October, 31, 10, []int{1}},
	} {
		t.Run(tc.zone+"/"+tc.m.String(), func(t *testing.T) {
			s, loc := schedule(t, QuietHours{From: "22:00", To: "07:00"}, tc.zone)
			start := time.Date(tc.y, tc.m, tc.night, 22, 0, 0, 0, loc)
			end := time.Date(tc.y, tc.m, tc.night+1, 7, 0, 0, 0, loc)
			if got := end.Sub(start); got != tc.hours*time.Hour {
				t.Fatalf("the test's own night lasts %v, want %v: not a clock-change night", got, tc.hours*time.Hour)
			}
			if h, m, _ := end.Clock(); h != 7 || m != 0 {
				t.Fatalf("end %v", end)
			}
			runProbes(t, s, []probe{
				{start.Add(-time.Second), false, time.Time{}},
				{start, true, end},
				{start.Add(tc.hours*time.Hour - time.Second), true, end},
				{end, false, time.Time{}},
			})
			// Every real minute of the night is quiet, including the ones in
			// the repeated hour.
			for at := start; at.Before(end); at = at.Add(time.Minute) {
				if !s.Active(at) || !s.End(at).Equal(end) {
					t.Fatalf("at %v: Active=%v End=%v", at, s.Active(at), s.End(at))
				}
			}
			// The next evening the spell is 22:00 again, wall time.
			next := s.NextStart(end)
			if want := time.Date(tc.y, tc.m, tc.night+1, 22, 0, 0, 0, loc); !next.Equal(want) {
				t.Fatalf("next start %v", next)
			}
			for _, h := range tc.inGapOrFold {
				at := time.Date(tc.y, tc.m, tc.night+1, h, 30, 0, 0, loc)
				if !s.Active(at) {
					t.Errorf("%v (around the clock change) not quiet", at)
				}
			}
		})
	}
}

func TestQuietNil(t *testing.T) {
	var q *QuietHours
	s, err := q.Schedule(nil)
	if err != nil || s != nil {
		t.Fatalf("nil quiet hours: %v, %v", s, err)
	}
	now := time.Now()
	if s.Active(now) || !s.End(now).IsZero() || !s.NextStart(now).IsZero() || s.Describe() != "No quiet hours" {
		t.Fatal("a nil schedule is never quiet")
	}
	if _, err := (&QuietHours{From: "25:00", To: "07:00"}).Schedule(nil); err == nil ||
		err.Error() != `rules: quiet_hours.from: "25:00" is not a time: want HH:MM on a 24-hour clock, e.g. "22:00" or "07:00"` {
		t.Fatalf("invalid: %v", err)
	}
}
