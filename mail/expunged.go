package mail

import (
	"slices"

	"github.com/emersion/go-imap/v2"
)

// maxTracked bounds the UIDs the watcher remembers for ExpungedEvent: the
// newest messages it reported, whatever the folder's size.
const maxTracked = 100

// tracked is the set of UIDs the watcher reported (RecentEvent,
// NewMailEvent) that may still be on screen, ascending, at most maxTracked.
// EXPUNGE names a sequence number, which shifts with every removal; keeping
// a sequence→UID map in step with the server costs a map of the whole folder.
// Instead, after expunges the watcher asks which of these few UIDs are still
// there: one UID SEARCH of at most maxTracked numbers.
type tracked []uint32

// add remembers msgs, dropping the oldest beyond maxTracked.
func (t *tracked) add(msgs []Message) {
	for _, m := range msgs {
		*t = append(*t, m.UID)
	}
	slices.Sort(*t)
	*t = slices.Compact(*t)
	if n := len(*t); n > maxTracked {
		*t = slices.Delete(*t, 0, n-maxTracked)
	}
}

// checkExpunged asks the server which tracked UIDs are gone, forgets them,
// and emits an ExpungedEvent when expunges (count, as the server reported
// them on this connection) or gone UIDs make one worth sending.
func (w *Watcher) checkExpunged(s *session, count int) error {
	var gone []uint32
	if len(w.tracked) > 0 {
		var set imap.UIDSet
		for _, uid := range w.tracked {
			set.AddNum(imap.UID(uid))
		}
		present, err := s.uidsPresent(set)
		if err != nil {
			return err
		}
		keep := w.tracked[:0]
		for _, uid := range w.tracked {
			if slices.Contains(present, uid) {
				keep = append(keep, uid)
			} else {
				gone = append(gone, uid)
			}
		}
		w.tracked = keep
	}
	if count > 0 || len(gone) > 0 {
		w.emit(ExpungedEvent{Count: count, UIDs: gone})
	}
	return nil
}
