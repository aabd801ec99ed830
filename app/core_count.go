package app

import (
	"time"

	"mailbell/app/state"
	"mailbell/app/view"
)

// openState is the loop's state for opening mail, mail read elsewhere,
// the badge count and waking up. Owned by the loop.
type openState struct {
	// lookedAt is when the person last looked at their mail (opened it,
	// the window, a message): "count": "new" counts what arrived after.
	lookedAt time.Time
}

// markLooked notes that the person looked at their mail now.
func (c *Core) markLooked() { c.mine.lookedAt = time.Now() }

// applyCount sets the snapshot's count as preferences "count" says: the
// servers' unseen count (as built), or with "new" the recent messages that
// arrived since the person last looked and are still unread. With
// "hide_when_empty" a zero count hides the tray icon's badge.
func (c *Core) applyCount(s *view.Snapshot) {
	p := c.cfg.Preferences
	s.HideWhenEmpty = p.HideWhenEmpty
	if !p.CountsNew() {
		return
	}
	s.CountsNew = true
	n := 0
	for _, r := range c.store.Recent() {
		if _, watched := c.folders[state.Key{Account: r.Account, Folder: r.Folder}]; watched &&
			!r.Seen && r.Arrived.After(c.mine.lookedAt) {
			n++
		}
	}
	s.Unseen = n
}
