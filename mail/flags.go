package mail

import (
	"slices"

	"github.com/emersion/go-imap/v2"
)

// FlagsEvent: messages the watcher reported (in a RecentEvent or a
// NewMailEvent of the same UIDVALIDITY, the newest 100 it follows as for
// ExpungedEvent) were read or marked unread elsewhere: another client,
// the phone, webmail. Seen lists the UIDs that gained \Seen, Unseen those
// that lost it, ascending.
//
// It comes from the server's own updates: after a FETCH FLAGS pushed while
// idling (or answered to a poll's NOOP) the watcher asks which followed
// UIDs are \Seen now (one UID SEARCH), and after each reconnect the same
// for what changed while it was away. A CountsEvent follows when the
// unseen count changed.
type FlagsEvent struct {
	Seen, Unseen []uint32
}

func (FlagsEvent) isEvent() {}

// seenSet is the subset of tracked UIDs known to be \Seen.
type seenSet map[uint32]bool

// note records the \Seen state of reported messages.
func (w *Watcher) noteSeen(msgs []Message) {
	if w.seen == nil {
		w.seen = seenSet{}
	}
	for _, m := range msgs {
		if m.Seen {
			w.seen[m.UID] = true
		} else {
			delete(w.seen, m.UID)
		}
	}
	// Only tracked UIDs are followed: forget the rest.
	for uid := range w.seen {
		if _, found := slices.BinarySearch(w.tracked, uid); !found {
			delete(w.seen, uid)
		}
	}
}

// checkFlags asks the server which tracked UIDs are \Seen now and emits a
// FlagsEvent for those whose state changed.
func (w *Watcher) checkFlags(s *session) error {
	if len(w.tracked) == 0 {
		return nil
	}
	var set imap.UIDSet
	for _, uid := range w.tracked {
		set.AddNum(imap.UID(uid))
	}
	seenNow, err := s.uidsSeen(set)
	if err != nil {
		return err
	}
	var ev FlagsEvent
	now := seenSet{}
	for _, uid := range seenNow {
		if _, found := slices.BinarySearch(w.tracked, uid); !found {
			continue
		}
		now[uid] = true
		if !w.seen[uid] {
			ev.Seen = append(ev.Seen, uid)
		}
	}
	for _, uid := range w.tracked {
		if w.seen[uid] && !now[uid] {
			ev.Unseen = append(ev.Unseen, uid)
		}
	}
	w.seen = now
	slices.Sort(ev.Seen)
	if len(ev.Seen) > 0 || len(ev.Unseen) > 0 {
		w.emit(ev)
	}
	return nil
}

// uidsSeen returns which UIDs of set are \Seen in the selected folder.
func (s *session) uidsSeen(set imap.UIDSet) ([]uint32, error) {
	stop := s.guardCommand()
	data, err := s.client.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}, Flag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	stop()
	if err != nil {
		return nil, s.wrapErr("UID SEARCH SEEN", err)
	}
	uids := data.AllUIDs()
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = uint32(u)
	}
	return out, nil
}
