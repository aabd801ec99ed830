package app

import (
	"mailbell/app/state"
	"mailbell/app/view"
	"mailbell/mail"
)

// openState is the loop's state for the badge count. Owned by the loop.
type openState struct {
	// fresh holds the view keys of the mail announced since the person
	// last looked (opened the window or their mail): "count": "new"
	// counts those still unread. Bounded by the recent list: keys that
	// left it are dropped.
	fresh map[string]bool
	// folders: "*" listings and folder roles (core_folders.go).
	folders folderState
}

// markLooked notes that the person looked at their mail now.
func (c *Core) markLooked() { c.mine.fresh = nil }

// noteNew remembers announced mail for "count": "new".
func (c *Core) noteNew(key state.Key, e mail.NewMailEvent) {
	if c.mine.fresh == nil {
		c.mine.fresh = map[string]bool{}
	}
	for _, m := range e.Messages {
		c.mine.fresh[messageOf(state.Recent{Account: key.Account, Folder: key.Folder, UIDValidity: e.Position.UIDValidity, UID: m.UID}, "").Key()] = true
	}
}

// applyCount sets the snapshot's count as preferences "count" says: the
// servers' unseen count (as built), or with "new" the mail announced since
// the person last looked that is still unread and still in a watched
// folder's recent list. HideWhenEmpty is passed on for the tray.
func (c *Core) applyCount(s *view.Snapshot) {
	p := c.cfg.Preferences
	s.HideWhenEmpty = p.HideWhenEmpty
	if !p.CountsNew() {
		return
	}
	s.CountsNew = true
	n := 0
	inRecent := map[string]bool{}
	for _, m := range s.Recent {
		k := m.Key()
		inRecent[k] = true
		if c.mine.fresh[k] && !m.Seen {
			n++
		}
	}
	for k := range c.mine.fresh {
		if !inRecent[k] {
			delete(c.mine.fresh, k) // left the recent list: bounded by it
		}
	}
	s.Unseen = n
}
