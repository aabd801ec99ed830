package tray

import (
	"strings"
	"time"
	"unicode"

	"mailbell/app/l10n"
	"mailbell/app/view"
)

// MaxSubjects is how many recent unread messages the menu lists.
const MaxSubjects = 5

// MaxLabel is the longest subject line in the menu, in runes.
const MaxLabel = 60

// maxSender bounds the sender part of a subject line so a long display name
// cannot push the subject out.
const maxSender = 24

// Menu is everything the tray shows, as plain data: BuildMenu makes it from a
// snapshot, and the systray code only copies it into menu items. Labels are
// the text a person reads (no mnemonic escaping yet).
type Menu struct {
	Icon    view.Icon
	Unseen  int
	Tooltip string

	Status   string         // the disabled first line
	Subjects []Subject      // newest first, at most MaxSubjects
	OpenMail []OpenMailItem // "Open mail" per account (openmail.go)

	PauseTitle string // the submenu's title: "Pause notifications" or "Notifications paused until 15:30"
	Paused     bool
	CanResume  bool // the Resume entry is enabled

	// Labels are the fixed entries' words in the current language, so a
	// change of language re-renders them like any other change.
	Labels Labels

	// RefreshIn, when positive, asks for the menu to be built again after
	// that long even if nothing changes: a "reconnecting in 12 s" countdown,
	// or a pause that ends. Zero means no timer at all, so an idle tray costs
	// no CPU.
	RefreshIn time.Duration
}

// Subject is one recent unread message in the menu.
type Subject struct {
	Label string // "Ann Lee — Quarterly report"
	Key   string // view.Message.Key(), passed back in open_mail
}

// Labels are the words of the menu's fixed entries. The pause submenu's are
// view's, shared with the window (view.PauseOptions, view.ResumeLabel).
type Labels struct {
	Open     string   // "Open Mailbell"
	Check    string   // "Check now"
	Pauses   []string // the pause lengths, in view.PauseOptions' order
	Resume   string   // "Resume"
	Settings string   // "Settings…"
	Quit     string   // "Quit"
}

// MenuLabels are the fixed entries' words in the current language (l10n).
func MenuLabels() Labels {
	l := Labels{
		Open:     l10n.T("tray.open"),
		Check:    l10n.T("tray.check"),
		Resume:   view.ResumeLabel(),
		Settings: l10n.T("tray.settings"),
		Quit:     l10n.T("tray.quit"),
	}
	for _, o := range view.PauseOptions() {
		l.Pauses = append(l.Pauses, o.Label)
	}
	return l
}

// BuildMenu says what the tray shows for s at now, in the current language
// (l10n). It is pure for a given language: same input, same menu.
func BuildMenu(s view.Snapshot, now time.Time) Menu {
	m := Menu{
		Icon:   s.IconState(now),
		Unseen: s.Unseen,
		Status: s.StatusLine(now),
		Paused: s.Paused(now),
	}
	for _, msg := range s.Recent {
		if len(m.Subjects) == MaxSubjects {
			break
		}
		if msg.Seen {
			continue
		}
		m.Subjects = append(m.Subjects, Subject{Label: subjectLabel(msg), Key: msg.Key()})
	}
	m.OpenMail = openMailItems(s)
	m.PauseTitle = view.PauseLabel()
	if m.Paused {
		m.PauseTitle = view.PausedText(s.PausedUntil, now)
		m.CanResume = true
	}
	m.Labels = MenuLabels()
	m.Tooltip = tooltip(s, m)
	m.RefreshIn = refreshIn(s, now)
	return m
}

// tooltip is the icon's tooltip: a list of facts joined by " · " (the
// product's name, the count, the status line, a pause), each from the
// catalogue.
func tooltip(s view.Snapshot, m Menu) string {
	parts := []string{Title}
	if s.Demo {
		parts[0] = l10n.T("tray.tooltip.demo")
	}
	switch {
	case s.Unseen > 0 && s.CountsNew:
		parts = append(parts, l10n.N("tray.tooltip.new", s.Unseen))
	case s.Unseen > 0:
		parts = append(parts, l10n.N("tray.tooltip.unread", s.Unseen))
	}
	parts = append(parts, m.Status)
	if m.Paused {
		parts = append(parts, l10n.T("tray.tooltip.paused"))
	}
	return strings.Join(parts, " · ")
}

// refreshIn is when the menu's words will change with no event from the
// core: a backoff countdown (every second under a minute and a half, then
// every 10 s, since minutes are shown), and a pause title that changes (the
// pause ends, or midnight turns "tomorrow 08:00" into "08:00"; see
// view.PausedTextChanges). Zero: nothing counts down.
func refreshIn(s view.Snapshot, now time.Time) time.Duration {
	var next time.Duration
	take := func(d time.Duration) {
		if d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	for _, a := range s.Accounts {
		if !a.Enabled {
			continue
		}
		for _, f := range a.Folders {
			if f.State != view.StateBackoff {
				continue
			}
			switch wait := f.NextTry.Sub(now); {
			case wait <= 0:
			case wait <= 90*time.Second:
				take(time.Second)
			default:
				take(10 * time.Second)
			}
		}
	}
	if change := view.PausedTextChanges(s.PausedUntil, now); !change.IsZero() {
		// A little past the change, so the next build sees the new words.
		take(change.Sub(now) + 50*time.Millisecond)
	}
	return next
}

// subjectLabel is "Sender — Subject", cleaned and shortened for a menu.
func subjectLabel(m view.Message) string {
	from := clean(m.From)
	if from == "" {
		from = clean(m.FromAddr)
	}
	subj := clean(m.Subject)
	if subj == "" {
		subj = l10n.T("text.no_subject")
	}
	if from == "" {
		return truncate(subj, MaxLabel)
	}
	return truncate(truncate(from, maxSender)+" — "+subj, MaxLabel)
}

// clean makes a header safe for a one-line menu entry: control characters
// and line breaks become spaces, bidi overrides and other invisible format
// characters go, runs of spaces collapse. The core sanitises already; the
// tray does not rely on it.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cf, r): // bidi overrides, zero-width joiners, …
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most n runes, ending in "…" when cut; it backs up
// to a word boundary when one is near, so no word is left as a stub.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := r[:n-1]
	if r[n-1] != ' ' {
		for i := len(cut) - 1; i >= len(cut)-12 && i > 0; i-- {
			if cut[i] == ' ' {
				cut = cut[:i]
				break
			}
		}
	}
	return strings.TrimRight(string(cut), " ") + "…"
}
