package cli

import (
	"slices"

	"mailbell/app/l10n"
	"mailbell/app/policy"
	"mailbell/platform/notify"
)

// maxRetracted bounds the keys remembered as read elsewhere.
const maxRetracted = 500

// retracted remembers the newest keys read or deleted elsewhere, so a
// notification for them still on its way is not shown.
type retracted struct {
	set   map[string]bool
	order []string
}

func (r *retracted) add(keys []string) {
	if r.set == nil {
		r.set = map[string]bool{}
	}
	for _, k := range keys {
		if !r.set[k] {
			r.set[k] = true
			r.order = append(r.order, k)
		}
	}
	for len(r.order) > maxRetracted {
		delete(r.set, r.order[0])
		r.order = r.order[1:]
	}
}

// all reports whether every key is retracted (and there is one).
func (r *retracted) all(keys []string) bool {
	for _, k := range keys {
		if !r.set[k] {
			return false
		}
	}
	return len(keys) > 0
}

// Retract implements app.Retractor: a pop-up whose messages were all read
// or deleted elsewhere is closed (CloseNotification); a summary with
// messages left is replaced by one that counts them.
func (d *desktopNotifier) Retract(gone []string, summary func(left []string) (policy.Notification, bool)) {
	type change struct {
		id    uint32
		left  []string
		group bool
	}
	var changes []change
	d.mu.Lock()
	d.gone.add(gone)
	for id, keys := range d.keys {
		left := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return slices.Contains(gone, k) })
		if len(left) == len(keys) {
			continue
		}
		changes = append(changes, change{id: id, left: left, group: len(keys) > 1})
		if len(left) == 0 {
			delete(d.keys, id)
		} else {
			d.keys[id] = left
		}
	}
	d.mu.Unlock()
	for _, c := range changes {
		if len(c.left) > 0 && c.group {
			if p, ok := summary(c.left); ok {
				if err := d.replace(c.id, p); err != nil {
					d.log.Warn("notification not updated", "err", err)
				}
				continue
			}
		}
		if len(c.left) > 0 {
			continue // one pop-up for several messages that is not a summary: leave it
		}
		if err := d.n.CloseNotification(c.id); err != nil {
			d.log.Debug("notification not closed", "id", c.id, "err", err)
		}
	}
}

// replace shows p in place of notification id, silently.
func (d *desktopNotifier) replace(id uint32, p policy.Notification) error {
	n := notify.Notification{Summary: p.Summary, Body: p.Body, IconPath: d.iconPath, Category: notify.CategoryEmailArrived, ReplacesID: id}
	if d.n.SupportsActions() {
		n.Actions = []notify.Action{{Key: notify.DefaultAction, Label: l10n.T("notify.action.open")}, {Key: actionShow, Label: l10n.T("notify.action.show")}}
	}
	_, err := d.n.Notify(n)
	return err
}
