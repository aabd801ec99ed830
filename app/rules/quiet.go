package rules

import (
	"fmt"
	"strings"
	"time"

	"mailbell/app/l10n"
)

// Schedule is compiled quiet hours. A nil *Schedule is never quiet.
//
// Times are wall-clock times in the schedule's location, so a 22:00–07:00
// spell stays 22:00–07:00 on the nights the clocks change (it lasts 8 or 10
// hours there). A start or end that falls in a skipped hour is moved by Go's
// time.Date rules (02:30 on a spring-forward night is 03:30).
type Schedule struct {
	from, to int     // minutes after midnight
	days     [7]bool // by time.Weekday of the day a spell starts
	loc      *time.Location
	q        QuietHours
}

// Schedule compiles q for the location (nil: time.Local, read at each call,
// so a changed system zone is followed). A nil q gives a nil Schedule; an
// invalid one an error whose text is the first Problem's.
func (q *QuietHours) Schedule(loc *time.Location) (*Schedule, error) {
	if q == nil {
		return nil, nil
	}
	if probs := q.Validate("quiet_hours"); len(probs) > 0 {
		return nil, fmt.Errorf("rules: %s: %s", probs[0].Field, probs[0].Msg)
	}
	s := &Schedule{loc: loc, q: *q}
	s.from, _ = parseClock(q.From)
	s.to, _ = parseClock(q.To)
	if len(q.Days) == 0 {
		s.days = [7]bool{true, true, true, true, true, true, true}
	}
	for _, d := range q.Days {
		wd, _ := parseDay(d)
		s.days[wd] = true
	}
	return s, nil
}

func (s *Schedule) location() *time.Location {
	if s.loc != nil {
		return s.loc
	}
	return time.Local
}

// spell returns the spell that starts on the calendar day of day (in the
// schedule's location), if the schedule has one that day.
func (s *Schedule) spell(y int, m time.Month, d int) (start, end time.Time, ok bool) {
	loc := s.location()
	noon := time.Date(y, m, d, 12, 0, 0, 0, loc)
	if !s.days[noon.Weekday()] {
		return time.Time{}, time.Time{}, false
	}
	start = time.Date(y, m, d, s.from/60, s.from%60, 0, 0, loc)
	endDay := d
	if s.to <= s.from {
		endDay++ // crosses midnight
	}
	end = time.Date(y, m, endDay, s.to/60, s.to%60, 0, 0, loc)
	return start, end, true
}

// current returns the end of the spell active at now, if any.
func (s *Schedule) current(now time.Time) (time.Time, bool) {
	if s == nil {
		return time.Time{}, false
	}
	local := now.In(s.location())
	y, m, d := local.Date()
	// A spell is shorter than a day plus an hour, so only the spells that
	// started today, yesterday or (with a clock change) the day before can
	// still run.
	for back := 0; back <= 2; back++ {
		start, end, ok := s.spell(y, m, d-back)
		if ok && !now.Before(start) && now.Before(end) {
			return end, true
		}
	}
	return time.Time{}, false
}

// Active reports whether now is inside a quiet spell.
func (s *Schedule) Active(now time.Time) bool {
	_, ok := s.current(now)
	return ok
}

// End returns when the spell active at now ends; zero when none is.
func (s *Schedule) End(now time.Time) time.Time {
	end, _ := s.current(now)
	return end
}

// NextStart returns when the next spell after now starts (zero for a nil
// schedule). During a spell it is the start of the following one.
func (s *Schedule) NextStart(now time.Time) time.Time {
	if s == nil {
		return time.Time{}
	}
	local := now.In(s.location())
	y, m, d := local.Date()
	for ahead := 0; ahead <= 8; ahead++ {
		if start, _, ok := s.spell(y, m, d+ahead); ok && start.After(now) {
			return start
		}
	}
	return time.Time{}
}

// Describe says the schedule in words: "Quiet from 22:00 to 07:00 on
// nights starting Mon, Tue, Wed, Thu or Fri".
func (s *Schedule) Describe() string {
	if s == nil {
		return l10n.T("rules.quiet.none")
	}
	// The times as the quiet-hours fields take them (HH:MM, 24-hour), so
	// the description reads like what was typed.
	args := l10n.Args{
		"From": fmt.Sprintf("%02d:%02d", s.from/60, s.from%60),
		"To":   fmt.Sprintf("%02d:%02d", s.to/60, s.to%60),
	}
	var names []string
	all := true
	for i := range 7 {
		wd := time.Weekday((i + 1) % 7) // Monday first
		if s.days[wd] {
			names = append(names, l10n.Weekday(wd))
		} else {
			all = false
		}
	}
	switch {
	case all && s.to <= s.from:
		return l10n.T("rules.quiet.every_night", args)
	case all:
		return l10n.T("rules.quiet.every_day", args)
	case s.to <= s.from:
		args["Days"] = joinList(names, conjOr)
		return l10n.T("rules.quiet.nights", args)
	}
	args["Days"] = joinList(names, conjAnd)
	return l10n.T("rules.quiet.days", args)
}

// parseClock reads "HH:MM" (24-hour, two digits each).
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func parseDay(s string) (time.Weekday, bool) {
	for i, n := range dayNames {
		if strings.EqualFold(s, n) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}
