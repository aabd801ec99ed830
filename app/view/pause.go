package view

import (
	"time"

	"mailbell/app/l10n"
)

// PauseLabel is the tray's submenu title when not paused: "Pause
// notifications". The words of pausing are shared by the tray menu and the
// window so that both offer the same lengths and say the same thing.
func PauseLabel() string { return l10n.T("pause.menu") }

// PauseShortLabel is the window's toolbar button: "Pause".
func PauseShortLabel() string { return l10n.T("pause.button") }

// ResumeLabel ends a pause: "Resume".
func ResumeLabel() string { return l10n.T("pause.resume") }

// MorningHour is the local wall-clock hour at which "tomorrow morning" ends.
const MorningHour = 8

// nightEndsHour is the local hour before which a person still counts the
// time as the night of the day before: at 02:00, "tomorrow morning" is the
// morning after this night (today's 08:00, six hours away), not the next
// day's (thirty hours away). From 05:00 on it is the next calendar day's.
const nightEndsHour = 5

// PauseOption is one length of pause a front end offers.
type PauseOption struct {
	Label string                        // "For 1 hour"
	Until func(now time.Time) time.Time // the pause's end for a click at now
}

// PauseOptions are the pause lengths, in menu order: an hour, until tomorrow
// morning, until resumed, labelled in the current language. Each call
// returns a fresh slice.
func PauseOptions() []PauseOption {
	return []PauseOption{
		{l10n.T("pause.for_hour"), func(now time.Time) time.Time { return now.Add(time.Hour) }},
		{l10n.T("pause.until_morning"), TomorrowMorning},
		{l10n.T("pause.until_resumed"), func(time.Time) time.Time { return Forever }},
	}
}

// TomorrowMorning is the end of "until tomorrow morning": MorningHour on
// the wall clock of now's location, on the morning that follows the night
// now belongs to. Before nightEndsHour (05:00) that is today's 08:00 — a
// person up at 02:00 who pauses "until tomorrow morning" has not slept yet
// and means the coming morning; muting them for 30 hours would hide a whole
// day of mail without a word, while an early end only shows mail. From 05:00
// on it is the next day's 08:00: at 07:30 nobody means "for half an hour".
// Calendar arithmetic, not 24 h additions, so a DST change in between still
// ends at 08:00 on the wall clock. Pass time.Now() for the person's zone.
func TomorrowMorning(now time.Time) time.Time {
	y, m, d := now.Date()
	if now.Hour() >= nightEndsHour {
		d++
	}
	return time.Date(y, m, d, MorningHour, 0, 0, 0, now.Location())
}

// PausedText says until when notifications are paused, in now's location
// and the current language: "Notifications paused until 15:30", "… until
// tomorrow 08:00", "… until Thu 08:00", "… until 2 Apr 09:15", "… until you
// resume" (times of day as l10n.Clock writes them). A pause more than a
// year away reads as until resumed.
func PausedText(until, now time.Time) string {
	if pausedForever(until, now) {
		return l10n.T("pause.until_you_resume")
	}
	u := until.In(now.Location())
	clock := l10n.Clock(u)
	switch days := dayNumber(u) - dayNumber(now); {
	case days <= 0:
		return l10n.T("pause.until_time", l10n.Args{"Time": clock})
	case days == 1:
		return l10n.T("pause.until_tomorrow", l10n.Args{"Time": clock})
	case days < 7:
		return l10n.T("pause.until_weekday", l10n.Args{"Day": l10n.Weekday(u.Weekday()), "Time": clock})
	}
	return l10n.T("pause.until_date", l10n.Args{"Date": l10n.DayMonth(u), "Time": clock})
}

// PausedTextChanges is the next moment after now at which PausedText(until,
// ·) says something else with no change to until: the end of the pause, or
// the coming local midnight ("tomorrow 08:00" becomes "08:00"), whichever is
// first. Zero when the words never change (not paused, or until resumed).
func PausedTextChanges(until, now time.Time) time.Time {
	if !now.Before(until) || pausedForever(until, now) {
		return time.Time{}
	}
	y, m, d := now.Date()
	if midnight := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()); midnight.Before(until) {
		return midnight
	}
	return until
}

func pausedForever(until, now time.Time) bool {
	return !until.Before(Forever) || until.Sub(now) > 365*24*time.Hour
}

// dayNumber counts calendar days in t's location, so that the difference of
// two is the number of midnights between them (DST days included).
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
