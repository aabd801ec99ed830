// Package policy decides which notifications new mail becomes: the first
// message after a lull at once, then what follows within the batch
// window together — up to three one by one, more as a single summary — and
// nothing while paused but one summary on resume.
//
// Quiet hours (rules.Schedule) hold mail like a pause, with one summary
// when the spell ends; a VIP allowed to break through notifies at once,
// silently. Muted messages (rules.Verdict) never notify. Batching "each"
// shows one notification per message. The first notification of a burst
// carries Sound, never one per message, none while paused or quiet.
//
// It is pure logic driven by the caller's clock, so it is tested without
// timers; the caller calls Flush when Deadline passes.
package policy

import (
	"slices"
	"time"

	"mailbell/app/l10n"
	"mailbell/app/rules"
	"mailbell/app/text"
)

// Item is one new message as the policy sees it.
type Item struct {
	Account     string // id
	AccountName string
	Key         string // the message's view key, for actions
	From        string // display name or address, already cleaned
	Subject     string // already cleaned
	Seen        bool
	// Muted: a rule muted it (rules.Verdict.Muted); it never notifies.
	Muted bool
	// BreaksQuiet: a VIP that notifies during quiet hours
	// (rules.Verdict.BreaksQuiet).
	BreaksQuiet bool
	// SoundOff: its account's sound is off.
	SoundOff bool
}

// WithVerdict returns it with the verdict's Muted and BreaksQuiet.
func (it Item) WithVerdict(v rules.Verdict) Item {
	it.Muted, it.BreaksQuiet = v.Muted, v.BreaksQuiet
	return it
}

// Notification is what to show.
type Notification struct {
	Summary string
	Body    string
	Keys    []string // the messages it stands for
	Group   bool     // a summary of several messages: replace the previous one
	// Sound: play the new-mail sound with this one. True for the first
	// notification of a burst or held summary only, when Policy.Sound is on
	// and one of its messages' accounts has sound; never while paused or in
	// quiet hours.
	Sound bool
	// SoundFile and Persistent are not the policy's: the core fills them in
	// from the preferences (the sound file, "" for the theme's; pop-ups
	// that stay until dismissed).
	SoundFile  string
	Persistent bool
}

// MaxSingles is how many messages of one batch get a notification each.
const MaxSingles = 3

// Policy batches and pauses. Not safe for concurrent use: one goroutine owns it.
type Policy struct {
	Window      time.Duration // batch window (default 1 s)
	ShowSender  bool
	ShowSubject bool
	// Batching: rules.BatchSummarise ("" too) or rules.BatchEach.
	Batching rules.Batching
	// Sound: new mail plays a sound (the first notification of a burst).
	Sound bool

	pending     []Item
	windowEnd   time.Time // while now < windowEnd, new items wait for Flush
	pausedUntil time.Time

	// held arrived while paused or in quiet hours; it becomes one summary
	// when neither holds any more.
	held       []Item
	heldPaused bool // some of held came during a pause: say "while paused"

	quiet      *rules.Schedule
	quietUntil time.Time // end of the quiet spell held is waiting for; zero: none

	// burstSounded: the current burst already had its sound. A burst starts
	// when mail arrives after a window passed with nothing new.
	burstSounded bool

	// The last summary: a summary shown soon after replaces it on screen,
	// so it must count the earlier messages too.
	group   []Item
	groupAt time.Time
}

// MergeWindow is how long a summary stays open to later messages: a new
// summary within it replaces the old one and counts them all.
const MergeWindow = 30 * time.Second

// New returns a policy with the default window, showing sender and subject,
// summarising bursts, without sound (the caller sets Sound from the
// preferences) and without quiet hours.
func New() *Policy {
	return &Policy{Window: time.Second, ShowSender: true, ShowSubject: true}
}

// SetQuietHours sets the quiet hours (nil: none) at now. Mail held for the
// old schedule is shown at the next Flush if the new one is not quiet now.
func (p *Policy) SetQuietHours(s *rules.Schedule, now time.Time) {
	p.quiet = s
	if len(p.held) > 0 && p.pausedUntil.IsZero() {
		p.holdUntilQuietEnds(now)
	}
}

// holdUntilQuietEnds sets the deadline of what is held: the end of the
// spell, or now when none is active (the next Flush shows it).
func (p *Policy) holdUntilQuietEnds(now time.Time) {
	if end := p.quiet.End(now); !end.IsZero() {
		p.quietUntil = end
	} else {
		p.quietUntil = now
	}
}

// holdForQuiet, during a quiet spell, holds the items that do not break
// quiet hours until the spell ends and returns those that do, in order.
func (p *Policy) holdForQuiet(now time.Time, items []Item) []Item {
	var through []Item
	for _, it := range items {
		if it.BreaksQuiet {
			through = append(through, it)
		} else {
			p.held = append(p.held, it)
		}
	}
	if len(p.held) > 0 {
		p.holdUntilQuietEnds(now)
	}
	return through
}

// Quiet reports whether now is in quiet hours.
func (p *Policy) Quiet(now time.Time) bool { return p.quiet.Active(now) }

// Add takes new messages at now and returns what to show at once. Seen and
// muted messages never notify.
func (p *Policy) Add(now time.Time, items []Item) []Notification {
	var fresh []Item
	for _, it := range items {
		if !it.Seen && !it.Muted {
			fresh = append(fresh, it)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if now.Before(p.pausedUntil) {
		p.held = append(p.held, fresh...)
		p.heldPaused = true
		return nil
	}
	quiet := p.quiet.Active(now)
	if quiet {
		if fresh = p.holdForQuiet(now, fresh); len(fresh) == 0 {
			return nil
		}
	}
	if p.Batching.Effective() == rules.BatchEach {
		return p.each(now, fresh, quiet)
	}
	if now.Before(p.windowEnd) {
		p.pending = append(p.pending, fresh...)
		return nil
	}
	// Quiet until now: hold whatever follows for a window. A single message
	// or a clear burst shows at once; two or three wait for the window,
	// since more of the same burst are likely on their way.
	p.windowEnd = now.Add(p.window())
	if len(p.pending) == 0 {
		p.burstSounded = false
	}
	if len(fresh) > 1 && len(fresh) <= MaxSingles {
		p.pending = append(p.pending, fresh...)
		return nil
	}
	return p.sound(p.render(now, fresh), fresh, quiet)
}

// each shows every message on its own. Messages less than a window apart
// are one burst: one sound.
func (p *Policy) each(now time.Time, items []Item, quiet bool) []Notification {
	if !now.Before(p.windowEnd) {
		p.burstSounded = false
	}
	p.windowEnd = now.Add(p.window())
	out := make([]Notification, 0, len(items))
	for _, it := range items {
		out = append(out, p.single(it))
	}
	return p.sound(out, items, quiet)
}

// sound sets Sound on the first notification of ns that stands for a
// message whose account has sound, unless the burst had its sound already
// or quiet is true. items are the messages ns stand for.
func (p *Policy) sound(ns []Notification, items []Item, quiet bool) []Notification {
	if !p.Sound || p.burstSounded || quiet {
		return ns
	}
	audible := map[string]bool{}
	for _, it := range items {
		if !it.SoundOff {
			audible[it.Key] = true
		}
	}
	for i := range ns {
		for _, k := range ns[i].Keys {
			if audible[k] {
				ns[i].Sound = true
				p.burstSounded = true
				return ns
			}
		}
	}
	return ns
}

// SummaryClosed tells the policy that its last summary is gone from the
// screen (dismissed or expired): the next one starts counting afresh.
func (p *Policy) SummaryClosed() {
	p.group, p.groupAt = nil, time.Time{}
}

// Deadline is when Flush should run next (zero: nothing waits): the end of
// the batch window, or of the quiet spell that holds mail.
func (p *Policy) Deadline() time.Time {
	var d time.Time
	if len(p.pending) > 0 {
		d = p.windowEnd
	}
	if len(p.held) > 0 && p.pausedUntil.IsZero() && !p.quietUntil.IsZero() && (d.IsZero() || p.quietUntil.Before(d)) {
		d = p.quietUntil
	}
	return d
}

// Flush returns what waited for the window, if the window is over, and at
// the end of a quiet spell at most one summary of what it held.
func (p *Policy) Flush(now time.Time) []Notification {
	var out []Notification
	quiet := p.quiet.Active(now)
	if len(p.held) > 0 && p.pausedUntil.IsZero() {
		if quiet {
			p.holdUntilQuietEnds(now) // the schedule changed, or the next spell began
		} else {
			out = p.release(now)
		}
	}
	if len(p.pending) == 0 || now.Before(p.windowEnd) {
		return out
	}
	items := p.pending
	p.pending = nil
	if quiet { // the spell began while these waited for their window
		if items = p.holdForQuiet(now, items); len(items) == 0 {
			return out
		}
	}
	return append(out, p.flush(now, items, quiet)...)
}

func (p *Policy) flush(now time.Time, items []Item, quiet bool) []Notification {
	// What arrives right after a flush waits a window too, so a steady
	// trickle makes at most one notification per window.
	p.windowEnd = now.Add(p.window())
	// The tail of a burst whose summary is still open joins that summary
	// rather than popping up one by one after it.
	if p.Batching.Effective() == rules.BatchEach {
		out := make([]Notification, 0, len(items))
		for _, it := range items {
			out = append(out, p.single(it))
		}
		return p.sound(out, items, quiet)
	}
	if len(p.group) > 0 && now.Sub(p.groupAt) < MergeWindow {
		fresh := items
		items = append(slices.Clip(p.group), items...)
		p.group, p.groupAt = items, now
		return p.sound([]Notification{p.summary(items, text.HeldNot)}, fresh, quiet)
	}
	return p.sound(p.render(now, items), items, quiet)
}

// Pause holds notifications until until (view.Forever: until Resume).
// Messages waiting for the window are held too.
func (p *Policy) Pause(until time.Time) {
	p.pausedUntil = until
	if len(p.pending) > 0 {
		p.held = append(p.held, p.pending...)
		p.heldPaused = true
	}
	p.pending = nil
}

// Resume ends a pause; what arrived meanwhile becomes at most one summary —
// at once, or at the end of the quiet spell now is in.
func (p *Policy) Resume(now time.Time) []Notification {
	p.pausedUntil = time.Time{}
	if len(p.held) == 0 {
		return nil
	}
	if p.quiet.Active(now) {
		p.holdUntilQuietEnds(now)
		return nil
	}
	return p.release(now)
}

// release shows what was held: one message as itself, more as one summary
// (in either batching mode: a storm after a pause or a quiet night is what
// the person chose to avoid). It starts a new burst, with its own sound.
func (p *Policy) release(now time.Time) []Notification {
	held := p.held
	why := text.HeldQuiet
	if p.heldPaused {
		why = text.HeldPaused
	}
	p.held, p.heldPaused, p.quietUntil = nil, false, time.Time{}
	p.windowEnd = now.Add(p.window())
	p.burstSounded = false
	if len(held) == 1 {
		return p.sound([]Notification{p.single(held[0])}, held, false)
	}
	return p.sound([]Notification{p.summary(held, why)}, held, false)
}

// Saved is the part of the policy that outlives a restart: the core keeps it
// in its state file. The zero value is "not paused".
type Saved struct {
	// PausedUntil: view.Forever for "until resumed"; zero: not paused.
	PausedUntil time.Time `json:"paused_until,omitzero"`
}

// Save returns what to persist. Held messages are not in it: they are in
// the recent list already, and after a restart a summary of mail the
// person has seen listed would only repeat it.
func (p *Policy) Save() Saved { return Saved{PausedUntil: p.pausedUntil} }

// Restore takes back what Save returned, at now: a pause that ended while
// the app was not running is dropped (there is nothing held to show).
func (p *Policy) Restore(s Saved, now time.Time) {
	if s.PausedUntil.After(now) {
		p.pausedUntil = s.PausedUntil
	} else {
		p.pausedUntil = time.Time{}
	}
}

// PausedUntil is the end of the pause (zero: not paused).
func (p *Policy) PausedUntil() time.Time { return p.pausedUntil }

// Expired reports whether a timed pause has run out at now; the caller then calls Resume.
func (p *Policy) Expired(now time.Time) bool {
	return !p.pausedUntil.IsZero() && !now.Before(p.pausedUntil)
}

func (p *Policy) window() time.Duration {
	if p.Window <= 0 {
		return time.Second
	}
	return p.Window
}

func (p *Policy) render(now time.Time, items []Item) []Notification {
	if len(items) > MaxSingles {
		if now.Sub(p.groupAt) < MergeWindow {
			items = append(slices.Clip(p.group), items...)
		}
		p.group, p.groupAt = items, now
		return []Notification{p.summary(items, text.HeldNot)}
	}
	out := make([]Notification, 0, len(items))
	for _, it := range items {
		out = append(out, p.single(it))
	}
	return out
}

func (p *Policy) single(it Item) Notification {
	n := Notification{Keys: []string{it.Key}}
	switch {
	case p.ShowSender && p.ShowSubject:
		n.Summary, n.Body = it.From, it.Subject
	case p.ShowSender:
		n.Summary, n.Body = it.From, newIn(it.AccountName)
	case p.ShowSubject:
		n.Summary, n.Body = newIn(it.AccountName), it.Subject
	default:
		n.Summary = newIn(it.AccountName)
	}
	return n
}

// newIn is "New message in Work" in the current language.
func newIn(account string) string {
	return l10n.T("notify.new_in_account", l10n.Args{"Account": account})
}

// summary is one notification for items; why says whether they waited
// for a pause or quiet hours to end. Its words are whole sentences of the
// catalogue in the current language.
func (p *Policy) summary(items []Item, why text.Held) Notification {
	n := Notification{Group: true}
	var names []string
	accounts := map[string]bool{}
	var account string
	for _, it := range items {
		n.Keys = append(n.Keys, it.Key)
		accounts[it.Account] = true
		account = it.AccountName
		names = append(names, it.From)
	}
	if len(accounts) == 1 {
		n.Summary = text.HeldSummary(len(items), account, why)
	} else {
		n.Summary = text.AccountsSummary(len(items), len(accounts), why)
	}
	if p.ShowSender {
		n.Body = text.SenderList(names, len(items))
	}
	return n
}
