package settings

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"mailbell/app/l10n"
	"mailbell/app/rules"
)

// The Notifications tab: rules, quiet hours, sound, pop-ups and batching
// (package rules). Pure: the window shows these values and words, the core
// validates again on save with the loader's rules.

// Names of the Notifications tab's fields: keys of Errors. They are the
// config.json names under "preferences".
const (
	FMuteSenders  = "rules.mute_senders"
	FMuteSubjects = "rules.mute_subjects"
	FVIPSenders   = "rules.vip_senders"
	FQuietFrom    = "quiet_hours.from"
	FQuietTo      = "quiet_hours.to"
	FQuietDays    = "quiet_hours.days"
	FSoundFile    = "sound.file"
)

// RuleValues are the Notifications tab's fields as the person set them.
type RuleValues struct {
	// MuteSenders, MuteSubjects, VIPSenders: one entry a line.
	MuteSenders, MuteSubjects, VIPSenders string
	VIPBreaksQuiet                        bool

	Quiet              bool   // quiet hours on
	QuietFrom, QuietTo string // "22:00"
	// QuietDays by time.Weekday (Sunday is 0): the days a spell starts.
	QuietDays [7]bool

	Sound      bool
	SoundFile  string // "" is the theme's new-mail sound
	Persistent bool   // pop-ups stay until dismissed
	Each       bool   // one notification per message, no summaries
}

// Day is one day of the quiet hours' row.
type Day struct{ Day time.Weekday }

// Label is the day's short name as the tab shows it ("Mon").
func (d Day) Label() string {
	switch d.Day {
	case time.Monday:
		return l10n.T("settings.day.mon")
	case time.Tuesday:
		return l10n.T("settings.day.tue")
	case time.Wednesday:
		return l10n.T("settings.day.wed")
	case time.Thursday:
		return l10n.T("settings.day.thu")
	case time.Friday:
		return l10n.T("settings.day.fri")
	case time.Saturday:
		return l10n.T("settings.day.sat")
	}
	return l10n.T("settings.day.sun")
}

// Days in the order the tab shows them, Monday first.
var Days = []Day{{time.Monday}, {time.Tuesday}, {time.Wednesday}, {time.Thursday}, {time.Friday}, {time.Saturday}, {time.Sunday}}

var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// RuleValuesOf is what the tab shows for p.
func RuleValuesOf(p rules.Preferences) RuleValues {
	v := RuleValues{
		MuteSenders:    strings.Join(p.Rules.MuteSenders, "\n"),
		MuteSubjects:   strings.Join(p.Rules.MuteSubjects, "\n"),
		VIPSenders:     strings.Join(p.Rules.VIPSenders, "\n"),
		VIPBreaksQuiet: p.Rules.VIPBreaksQuiet,
		QuietFrom:      "22:00",
		QuietTo:        "07:00",
		QuietDays:      [7]bool{true, true, true, true, true, true, true},
		Sound:          p.Sound.On(),
		SoundFile:      p.Sound.File,
		Persistent:     p.Popup.Effective() == rules.PopupPersistent,
		Each:           p.Batching.Effective() == rules.BatchEach,
	}
	if q := p.QuietHours; q != nil {
		v.Quiet, v.QuietFrom, v.QuietTo = true, q.From, q.To
		if len(q.Days) > 0 { // none listed: every day, as ticked above
			v.QuietDays = [7]bool{}
		}
		for _, d := range q.Days {
			for i, k := range dayKeys {
				if strings.EqualFold(d, k) {
					v.QuietDays[i] = true
				}
			}
		}
	}
	return v
}

// Preferences are the preferences the tab describes. Defaults are left
// out (sound on, the server's pop-up timeout, summaries), so config.json
// stays as short as the person left it.
func (v RuleValues) Preferences() rules.Preferences {
	p := rules.Preferences{Rules: rules.Rules{
		MuteSenders:    Lines(v.MuteSenders),
		MuteSubjects:   Lines(v.MuteSubjects),
		VIPSenders:     Lines(v.VIPSenders),
		VIPBreaksQuiet: v.VIPBreaksQuiet,
	}}
	if v.Quiet {
		q := &rules.QuietHours{From: trim(v.QuietFrom), To: trim(v.QuietTo)}
		all := true
		for _, d := range Days {
			if v.QuietDays[d.Day] {
				q.Days = append(q.Days, dayKeys[d.Day])
			} else {
				all = false
			}
		}
		if all {
			q.Days = nil // every day, the default
		}
		p.QuietHours = q
	}
	if !v.Sound {
		off := false
		p.Sound.Enabled = &off
	}
	p.Sound.File = trim(v.SoundFile)
	if v.Persistent {
		p.Popup = rules.PopupPersistent
	}
	if v.Each {
		p.Batching = rules.BatchEach
	}
	return p
}

// Lines splits a text box into its non-blank lines, trimmed.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = trim(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// listIndex finds "name[3]" in a rules field: the list's field and the
// entry's index.
var listIndex = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

// ValidateRules checks the tab as the person types, with the config
// loader's own words; an entry of a list is named by its line ("Line 2:
// …"), a time that is not one says how to write it.
func ValidateRules(v RuleValues) Errors {
	errs := Errors{}
	for _, p := range v.Preferences().Validate("") {
		field, msg := p.Field, UpperFirst(p.Msg)
		if m := listIndex.FindStringSubmatch(field); m != nil {
			n, _ := strconv.Atoi(m[2])
			field, msg = m[1], l10n.T("settings.rules.line_error", l10n.Args{"Line": l10n.Number(n + 1), "Error": p.Msg})
		}
		if old, ok := errs[field]; ok {
			msg = old + "\n" + msg
		}
		errs[field] = msg
	}
	if v.Quiet && v.QuietDays == [7]bool{} {
		errs[FQuietDays] = l10n.T("settings.rules.no_days")
	}
	return errs
}

// DescribeRules says in words what the preferences do, one line a rule in
// the order they apply (the global ones: each account adds its own on the
// Accounts tab), then quiet hours, sound, pop-ups and batching.
func DescribeRules(p rules.Preferences) []string {
	out := rules.New(p.Rules, nil).Describe("")
	if len(out) == 0 {
		out = append(out, l10n.T("settings.rules.every_message"))
	}
	sched, err := p.QuietHours.Schedule(nil)
	switch {
	case err != nil:
		out = append(out, l10n.T("settings.rules.quiet_invalid"))
	case sched == nil:
		out = append(out, l10n.T("settings.rules.no_quiet"))
	default:
		line := l10n.T("settings.rules.quiet", l10n.Args{"Schedule": sched.Describe()})
		if p.Rules.VIPBreaksQuiet && len(p.Rules.VIPSenders) > 0 {
			line = l10n.T("settings.rules.quiet_vip", l10n.Args{"Schedule": sched.Describe()})
		}
		out = append(out, line)
	}
	switch {
	case !p.Sound.On():
		out = append(out, l10n.T("settings.rules.no_sound"))
	case p.Sound.File != "":
		out = append(out, l10n.T("settings.rules.sound_file", l10n.Args{"File": p.Sound.File}))
	default:
		out = append(out, l10n.T("settings.rules.sound_desktop"))
	}
	if p.Popup.Effective() == rules.PopupPersistent {
		out = append(out, l10n.T("settings.rules.popup_persistent"))
	} else {
		out = append(out, l10n.T("settings.rules.popup_default"))
	}
	if p.Batching.Effective() == rules.BatchEach {
		out = append(out, l10n.T("settings.rules.batch_each"))
	} else {
		out = append(out, l10n.T("settings.rules.batch_summary"))
	}
	return out
}
