package app

import (
	"reflect"
	"time"

	"mailbell/app/config"
	"mailbell/app/policy"
	"mailbell/app/rules"
	"mailbell/app/state"
	"mailbell/app/view"
)

// The notification rules, quiet hours, sound, pop-up persistence and
// batching (package rules) as the core applies them: a verdict per new
// message before it is announced (a muted one is still counted, listed and
// printed, with "muted": true), the policy's settings from the preferences,
// and the pause kept in state.json so that it survives a restart.

// applyRules rebuilds the rules engine and sets the policy from the
// preferences; called whenever the config is (re)applied.
func (c *Core) applyRules() {
	c.rules = c.cfg.Rules()
	p := c.cfg.Preferences
	c.policy.Sound = p.Sound.On()
	c.policy.Batching = p.Batching.Effective()
	// nil location: time.Local at each call, so the schedule follows the
	// system's time zone and its daylight-saving changes.
	sched, err := p.QuietHours.Schedule(nil)
	if err != nil { // the loader refuses such a file; a config built in code may not
		c.log.Error("quiet hours not applied", "err", err)
		sched = nil
	}
	c.policy.SetQuietHours(sched, time.Now())
}

// judge gives the rules' verdict on each new message and marks the muted
// ones, before they are announced and saved.
func (c *Core) judge(items []state.Recent) []rules.Verdict {
	out := make([]rules.Verdict, len(items))
	for i := range items {
		r := &items[i]
		out[i] = c.rules.Check(rules.Message{Account: r.Account, Folder: r.Folder, From: r.FromAddr, Subject: r.Subject})
		r.Muted = out[i].Muted
		if r.Muted {
			c.log.Debug("muted by a rule", "account", r.Account, "folder", r.Folder, "uid", r.UID, "reason", string(out[i].Reason))
		}
	}
	return out
}

// withRules puts the verdict and the account's sound choice on a policy item.
func (c *Core) withRules(it policy.Item, v rules.Verdict) policy.Item {
	it = it.WithVerdict(v)
	if a, ok := c.cfg.Account(it.Account); ok && !a.SoundOn() {
		it.SoundOff = true
	}
	return it
}

// withPreferences fills in what the notifier needs of the preferences: the
// sound file and whether pop-ups stay until dismissed.
func (c *Core) withPreferences(ns []policy.Notification) []policy.Notification {
	p := c.cfg.Preferences
	for i := range ns {
		if ns[i].Sound {
			ns[i].SoundFile = p.Sound.File
		}
		ns[i].Persistent = p.Popup.Effective() == rules.PopupPersistent
	}
	return ns
}

// restorePause takes back the pause kept in state.json (a pause that ended
// while Mailbell was not running is dropped).
func (c *Core) restorePause() {
	c.policy.Restore(policy.Saved{PausedUntil: c.store.PausedUntil()}, time.Now())
	c.savePause() // an expired one is cleared from the file
}

// savePause keeps the policy's pause in state.json.
func (c *Core) savePause() {
	if err := c.store.SetPausedUntil(c.policy.Save().PausedUntil); err != nil {
		c.log.Error("saving the pause; it will not survive a restart", "err", err)
	}
}

// countMuted fills in the snapshot's count of muted messages.
func countMuted(s *view.Snapshot) {
	for _, m := range s.Recent {
		if m.Muted {
			s.Muted++
		}
	}
}

// sameWatch reports whether two versions of an account watch the same
// way: the notification settings (notify, sound, aliases, folder options)
// apply through the rules engine, without reconnecting.
func sameWatch(a, b config.Account) bool {
	a.AccountOptions, b.AccountOptions = rules.AccountOptions{}, rules.AccountOptions{}
	return reflect.DeepEqual(a, b)
}
