package app

import (
	"mailbell/app/control"
	"mailbell/app/policy"
	"mailbell/app/state"
	"mailbell/app/text"
	"mailbell/mail"
)

// Retractor is a Notifier that can take back what it showed when the
// messages were read or deleted elsewhere (in another client, on the
// phone, in webmail). Retract is called off the core's loop.
type Retractor interface {
	// Retract says the messages with these view keys are read or gone: a
	// notification that stood only for such messages is closed; a summary
	// with messages left is replaced by summary(left) (nil: closed too).
	// A notification for these keys that comes later is not shown.
	Retract(gone []string, summary func(left []string) (policy.Notification, bool))
}

// Events of mail read or deleted elsewhere (headless output and socket).
const (
	// EvSeen: a message announced or listed was read elsewhere.
	EvSeen = "seen"
	// EvExpunged: a message announced or listed was deleted or moved away.
	EvExpunged = "expunged"
)

// onFlags: reported messages were read (or marked unread) elsewhere. The
// recent list shows them read, the tray drops them, their pop-ups close.
func (c *Core) onFlags(key state.Key, e mail.FlagsEvent) {
	uv := c.store.Position(key).UIDValidity
	for _, uid := range e.Unseen {
		if err := c.store.SetSeen(key, uv, uid, false); err != nil {
			c.log.Error("saving recent list", "err", err)
		}
	}
	c.goneElsewhere(key, uv, e.Seen, EvSeen)
}

// onExpunged: reported messages were deleted or moved away elsewhere. The
// recent list keeps them, shown read; their pop-ups close.
func (c *Core) onExpunged(key state.Key, e mail.ExpungedEvent) {
	c.goneElsewhere(key, c.store.Position(key).UIDValidity, e.UIDs, EvExpunged)
}

func (c *Core) goneElsewhere(key state.Key, uv uint32, uids []uint32, ev string) {
	if len(uids) == 0 {
		return
	}
	var keys []string
	for _, uid := range uids {
		if err := c.store.SetSeen(key, uv, uid, true); err != nil {
			c.log.Error("saving recent list", "err", err)
		}
		keys = append(keys, messageOf(state.Recent{Account: key.Account, Folder: key.Folder, UIDValidity: uv, UID: uid}, "").Key())
		c.output(control.Event{Event: ev, Account: key.Account, Folder: key.Folder, UID: uid})
	}
	c.retract(keys)
}

// retract asks the notifier to close what it showed for keys. The summary
// of what is left is worded from a copy of the recent list taken now: the
// notifier's goroutine never reads the loop's state.
func (c *Core) retract(keys []string) {
	r, ok := c.opts.Notifier.(Retractor)
	if !ok || len(keys) == 0 {
		return
	}
	type who struct{ account, from string }
	known := map[string]who{}
	for _, m := range c.store.Recent() {
		known[messageOf(m, "").Key()] = who{c.accountName(m.Account), m.From}
	}
	showSender := c.cfg.Preferences.ShowSender
	summary := func(left []string) (policy.Notification, bool) {
		if len(left) == 0 {
			return policy.Notification{}, false
		}
		n := policy.Notification{Keys: left, Group: true}
		accounts := map[string]bool{}
		var names []string
		var account string
		for _, k := range left {
			w := known[k]
			accounts[w.account], account = true, w.account
			names = append(names, w.from)
		}
		if len(accounts) == 1 {
			n.Summary = text.Summary(len(left), account)
		} else {
			n.Summary = text.Summary(len(left), "") // "N new messages"
		}
		if showSender {
			n.Body = text.SenderList(names, len(left))
		}
		return n, true
	}
	go r.Retract(keys, summary)
}
