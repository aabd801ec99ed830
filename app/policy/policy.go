// Package policy decides which notifications new mail becomes: the first
// message after a quiet spell at once, then what follows within the batch
// window together — up to three one by one, more as a single summary — and
// nothing while paused but one summary on resume.
//
// It is pure logic driven by the caller's clock, so it is tested without
// timers; the caller calls Flush when Deadline passes.
package policy

import (
	"fmt"
	"slices"
	"time"

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
}

// Notification is what to show.
type Notification struct {
	Summary string
	Body    string
	Keys    []string // the messages it stands for
	Group   bool     // a summary of several messages: replace the previous one
}

// MaxSingles is how many messages of one batch get a notification each.
const MaxSingles = 3

// Policy batches and pauses. Not safe for concurrent use: one goroutine owns it.
type Policy struct {
	Window      time.Duration // batch window (default 1 s)
	ShowSender  bool
	ShowSubject bool

	pending     []Item
	windowEnd   time.Time // while now < windowEnd, new items wait for Flush
	pausedUntil time.Time
	missed      []Item // arrived while paused

	// The last summary: a summary shown soon after replaces it on screen,
	// so it must count the earlier messages too.
	group   []Item
	groupAt time.Time
}

// MergeWindow is how long a summary stays open to later messages: a new
// summary within it replaces the old one and counts them all.
const MergeWindow = 30 * time.Second

// New returns a policy with the default window, showing sender and subject.
func New() *Policy {
	return &Policy{Window: time.Second, ShowSender: true, ShowSubject: true}
}

// Add takes new messages at now and returns what to show at once. Seen
// messages never notify.
func (p *Policy) Add(now time.Time, items []Item) []Notification {
	var fresh []Item
	for _, it := range items {
		if !it.Seen {
			fresh = append(fresh, it)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if now.Before(p.pausedUntil) {
		p.missed = append(p.missed, fresh...)
		return nil
	}
	if now.Before(p.windowEnd) {
		p.pending = append(p.pending, fresh...)
		return nil
	}
	// Quiet until now: hold whatever follows for a window. A single message
	// or a clear burst shows at once; two or three wait for the window,
	// since more of the same burst are likely on their way.
	p.windowEnd = now.Add(p.window())
	if len(fresh) > 1 && len(fresh) <= MaxSingles {
		p.pending = append(p.pending, fresh...)
		return nil
	}
	return p.render(now, fresh)
}

// SummaryClosed tells the policy that its last summary is gone from the
// screen (dismissed or expired): the next one starts counting afresh.
func (p *Policy) SummaryClosed() {
	p.group, p.groupAt = nil, time.Time{}
}

// Deadline is when Flush should run next (zero: nothing waits).
func (p *Policy) Deadline() time.Time {
	if len(p.pending) == 0 {
		return time.Time{}
	}
	return p.windowEnd
}

// Flush returns what waited for the window, if the window is over.
func (p *Policy) Flush(now time.Time) []Notification {
	if len(p.pending) == 0 || now.Before(p.windowEnd) {
		return nil
	}
	items := p.pending
	p.pending = nil
	// What arrives right after a flush waits a window too, so a steady
	// trickle makes at most one notification per window.
	p.windowEnd = now.Add(p.window())
	// The tail of a burst whose summary is still open joins that summary
	// rather than popping up one by one after it.
	if len(p.group) > 0 && now.Sub(p.groupAt) < MergeWindow {
		items = append(slices.Clip(p.group), items...)
		p.group, p.groupAt = items, now
		return []Notification{p.summary(items, "")}
	}
	return p.render(now, items)
}

// Pause holds notifications until until (view.Forever: until Resume).
// Messages waiting for the window are held too.
func (p *Policy) Pause(until time.Time) {
	p.pausedUntil = until
	p.missed = append(p.missed, p.pending...)
	p.pending = nil
}

// Resume ends a pause; what arrived meanwhile becomes at most one summary.
func (p *Policy) Resume(now time.Time) []Notification {
	p.pausedUntil = time.Time{}
	missed := p.missed
	p.missed = nil
	if len(missed) == 0 {
		return nil
	}
	p.windowEnd = now.Add(p.window())
	if len(missed) == 1 {
		return p.render(now, missed)
	}
	return []Notification{p.summary(missed, " while paused")}
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
		return []Notification{p.summary(items, "")}
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
		n.Summary, n.Body = it.From, "New message in "+it.AccountName
	case p.ShowSubject:
		n.Summary, n.Body = "New message in "+it.AccountName, it.Subject
	default:
		n.Summary = "New message in " + it.AccountName
	}
	return n
}

func (p *Policy) summary(items []Item, suffix string) Notification {
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
		n.Summary = text.Summary(len(items), account) + suffix
	} else {
		n.Summary = fmt.Sprintf("%d new messages in %d accounts%s", len(items), len(accounts), suffix)
	}
	if p.ShowSender {
		n.Body = text.SenderList(names, len(items))
	}
	return n
}
