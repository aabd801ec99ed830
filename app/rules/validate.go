package rules

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
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

func (p *problems) add(name, format string, args ...any) {
	f := name
	if p.path != "" {
		f = p.path + "." + name
	}
	p.list = append(p.list, Problem{Field: f, Msg: fmt.Sprintf(format, args...)})
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
			ps.add(name, "empty word: it would mute every subject")
		case !ok:
			ps.add(name, "%q contains control characters", w)
		default:
			if first, dup := seen[sw.folded]; dup {
				ps.add(name, "%q is listed twice: mute_subjects[%d] has it already", w, first)
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
			ps.add("sound.file", "blank path")
		case strings.IndexFunc(f, unicode.IsControl) >= 0:
			ps.add("sound.file", "%q contains control characters", f)
		case !filepath.IsAbs(f):
			ps.add("sound.file", "%q is not an absolute path: want the full path of a sound file, e.g. /usr/share/sounds/freedesktop/stereo/message-new-email.oga", f)
		}
	}
	switch p.Popup {
	case "", PopupDefault, PopupPersistent:
	default:
		ps.add("popup", "unknown popup %q: want %q or %q", string(p.Popup), PopupDefault, PopupPersistent)
	}
	switch p.Batching {
	case "", BatchSummarise, BatchEach:
	default:
		ps.add("batching", "unknown batching %q: want %q or %q", string(p.Batching), BatchSummarise, BatchEach)
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
			ps.add(name, "empty entry: want an address (bob@example.com) or a domain (example.com, or @example.com for that domain only)")
		case !ok:
			ps.add(name, "%q is not an address or a domain: want bob@example.com, example.com (with its subdomains) or @example.com (that domain only)", s)
		default:
			key := fmt.Sprint(p.kind, p.norm)
			if first, dup := seen[key]; dup {
				ps.add(name, "%q is listed twice: %s[%d] has it already", s, field[strings.LastIndexByte(field, '.')+1:], first)
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
			ps.add(f.name, "missing: a time like \"22:00\"")
		default:
			ps.add(f.name, "%q is not a time: want HH:MM on a 24-hour clock, e.g. \"22:00\" or \"07:00\"", f.v)
		}
	}
	if okFrom && okTo && from == to {
		ps.add("to", "same as from (%s): quiet hours need an end different from their start", q.From)
	}
	seen := map[string]int{}
	for i, d := range q.Days {
		name := fmt.Sprintf("days[%d]", i)
		if _, ok := parseDay(d); !ok {
			ps.add(name, "unknown day %q: want mon, tue, wed, thu, fri, sat or sun", d)
			continue
		}
		key := strings.ToLower(d)
		if first, dup := seen[key]; dup {
			ps.add(name, "%q is listed twice: days[%d] has it already", d, first)
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
			ps.add(name, "empty alias")
		case !ok:
			ps.add(name, "%q is not an email address", s)
		default:
			if first, dup := seen[n]; dup {
				ps.add(name, "%q is listed twice: aliases[%d] has it already", s, first)
			} else {
				seen[n] = i
			}
		}
	}
	for _, name := range sortedKeys(a.FolderOptions) {
		field := fmt.Sprintf("folder_options[%q]", name)
		switch {
		case strings.TrimSpace(name) == "":
			ps.add(field, "empty folder name")
		case folders != nil && !hasFolder(folders, name):
			ps.add(field, "%q is not one of this account's folders: add it to \"folders\" or remove its options", name)
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
