package rules

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"mailbell/app/l10n"
)

// Problem is one wrong field, worded like app/config's problems; Field is
// prefixed with the path given to Validate ("preferences.rules.mute_senders[2]").
// config turns them into its own Problems with the file position.
type Problem struct {
	Field string
	Msg   string
}

// problems collects Problems under a path.
type problems struct {
	path string
	list []Problem
}

// add records a problem in the current language's words (l10n): the
// settings window shows them under the field.
func (p *problems) add(name, msg string) {
	f := name
	if p.path != "" {
		f = p.path + "." + name
	}
	p.list = append(p.list, Problem{Field: f, Msg: msg})
}

// twice is "… is listed twice: LIST[FIRST] has it already".
func twice(value, list string, first int) string {
	return l10n.T("rules.listed_twice", l10n.Args{"Value": strconv.Quote(value), "List": list, "First": first})
}

// Validate checks the preferences; path is their place in the file
// ("preferences").
func (p Preferences) Validate(path string) []Problem {
	ps := &problems{path: path}
	ps.senders("rules.mute_senders", p.Rules.MuteSenders)
	ps.senders("rules.vip_senders", p.Rules.VIPSenders)
	seen := map[string]int{}
	for i, w := range p.Rules.MuteSubjects {
		name := fmt.Sprintf("rules.mute_subjects[%d]", i)
		sw, ok := parseSubjectWord(w)
		switch {
		case strings.TrimSpace(w) == "":
			ps.add(name, l10n.T("rules.word_empty"))
		case !ok:
			ps.add(name, l10n.T("rules.control_characters", l10n.Args{"Value": strconv.Quote(w)}))
		default:
			if first, dup := seen[sw.folded]; dup {
				ps.add(name, twice(w, "mute_subjects", first))
			} else {
				seen[sw.folded] = i
			}
		}
	}
	if p.QuietHours != nil {
		sub := fieldPrefix(path, "quiet_hours")
		ps.list = append(ps.list, p.QuietHours.Validate(sub)...)
	}
	if f := p.Sound.File; f != "" {
		switch {
		case strings.TrimSpace(f) == "":
			ps.add("sound.file", l10n.T("config.blank_path"))
		case strings.IndexFunc(f, unicode.IsControl) >= 0:
			ps.add("sound.file", l10n.T("rules.control_characters", l10n.Args{"Value": strconv.Quote(f)}))
		case !filepath.IsAbs(f):
			ps.add("sound.file", l10n.T("rules.sound_not_absolute", l10n.Args{"Value": strconv.Quote(f)}))
		}
	}
	switch p.Popup {
	case "", PopupDefault, PopupPersistent:
	default:
		ps.add("popup", l10n.T("rules.popup_unknown", l10n.Args{"Value": strconv.Quote(string(p.Popup)), "A": strconv.Quote(string(PopupDefault)), "B": strconv.Quote(string(PopupPersistent))}))
	}
	switch p.Batching {
	case "", BatchSummarise, BatchEach:
	default:
		ps.add("batching", l10n.T("rules.batching_unknown", l10n.Args{"Value": strconv.Quote(string(p.Batching)), "A": strconv.Quote(string(BatchSummarise)), "B": strconv.Quote(string(BatchEach))}))
	}
	return ps.list
}

func (ps *problems) senders(field string, list []string) {
	seen := map[string]int{}
	for i, s := range list {
		name := fmt.Sprintf("%s[%d]", field, i)
		p, ok := parseSender(s)
		switch {
		case strings.TrimSpace(s) == "":
			ps.add(name, l10n.T("rules.sender_empty"))
		case !ok:
			ps.add(name, l10n.T("rules.sender_invalid", l10n.Args{"Value": strconv.Quote(s)}))
		default:
			key := fmt.Sprint(p.kind, p.norm)
			if first, dup := seen[key]; dup {
				ps.add(name, twice(s, field[strings.LastIndexByte(field, '.')+1:], first))
			} else {
				seen[key] = i
			}
		}
	}
}

// Validate checks quiet hours; path is their place ("preferences.quiet_hours").
func (q QuietHours) Validate(path string) []Problem {
	ps := &problems{path: path}
	from, okFrom := parseClock(q.From)
	to, okTo := parseClock(q.To)
	for _, f := range []struct {
		name, v string
		ok      bool
	}{{"from", q.From, okFrom}, {"to", q.To, okTo}} {
		switch {
		case f.ok:
		case f.v == "":
			ps.add(f.name, l10n.T("rules.time_missing"))
		default:
			ps.add(f.name, l10n.T("rules.time_invalid", l10n.Args{"Value": strconv.Quote(f.v)}))
		}
	}
	if okFrom && okTo && from == to {
		ps.add("to", l10n.T("rules.quiet_same", l10n.Args{"From": q.From}))
	}
	seen := map[string]int{}
	for i, d := range q.Days {
		name := fmt.Sprintf("days[%d]", i)
		if _, ok := parseDay(d); !ok {
			ps.add(name, l10n.T("rules.day_unknown", l10n.Args{"Value": strconv.Quote(d)}))
			continue
		}
		key := strings.ToLower(d)
		if first, dup := seen[key]; dup {
			ps.add(name, twice(d, "days", first))
		} else {
			seen[key] = i
		}
	}
	return ps.list
}

// Validate checks an account's notification options; path is the account's
// place ("accounts[1]") and folders the folders it watches (nil: do not
// check folder_options' names against them).
func (a AccountOptions) Validate(path string, folders []string) []Problem {
	ps := &problems{path: path}
	seen := map[string]int{}
	for i, s := range a.Aliases {
		name := fmt.Sprintf("aliases[%d]", i)
		n, ok := normAddress(s)
		switch {
		case strings.TrimSpace(s) == "":
			ps.add(name, l10n.T("rules.alias_empty"))
		case !ok:
			ps.add(name, l10n.T("config.not_email", l10n.Args{"Value": strconv.Quote(s)}))
		default:
			if first, dup := seen[n]; dup {
				ps.add(name, twice(s, "aliases", first))
			} else {
				seen[n] = i
			}
		}
	}
	for _, name := range sortedKeys(a.FolderOptions) {
		field := fmt.Sprintf("folder_options[%q]", name)
		switch {
		case strings.TrimSpace(name) == "":
			ps.add(field, l10n.T("config.folder_empty"))
		case folders != nil && !hasFolder(folders, name):
			ps.add(field, l10n.T("rules.folder_not_watched", l10n.Args{"Folder": strconv.Quote(name)}))
		}
	}
	return ps.list
}

func hasFolder(folders []string, name string) bool {
	for _, f := range folders {
		if f == name || isInbox(f) && isInbox(name) {
			return true
		}
	}
	return false
}

func fieldPrefix(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
