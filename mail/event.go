package mail

import (
	"time"
)

// Position is how far a folder has been read: the UID of the last message
// announced, valid only under the same UIDVALIDITY. The zero Position means
// "never seen": the first sync takes a baseline and announces nothing old.
type Position struct {
	UIDValidity uint32 `json:"uidvalidity"`
	LastUID     uint32 `json:"last_uid"`
}

// Known reports whether the position came from an earlier sync.
func (p Position) Known() bool { return p.UIDValidity != 0 }

// State is where a watcher is in its life.
type State string

const (
	StateConnecting     State = "connecting"
	StateAuthenticating State = "authenticating"
	StateSyncing        State = "syncing"
	StateIdle           State = "idle"    // IDLE running: changes are pushed
	StatePolling        State = "polling" // no IDLE: NOOP every PollInterval
	StateBackoff        State = "backoff" // waiting until NextTry to reconnect
	StateStopped        State = "stopped" // Run returned; Err says why (nil: cancelled)
)

// Address is one mailbox of a header, decoded.
type Address struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr,omitempty"`
}

// Message is what the watcher knows of a message: its envelope, never its body.
type Message struct {
	UID          uint32
	From         []Address
	To           []Address
	Subject      string
	Date         time.Time // the Date header, else the INTERNALDATE
	InternalDate time.Time
	Flags        []string
	Seen         bool
	MessageID    string
}

// Event is one of the *Event types below.
type Event interface{ isEvent() }

// StateEvent: the watcher moved to another state.
type StateEvent struct {
	State   State
	Err     error     // why: the error that caused a backoff or a stop
	NextTry time.Time // StateBackoff only
	Attempt int       // StateBackoff: consecutive failures so far
}

// NewMailEvent: messages that arrived after Position's previous value. The
// caller announces them, then persists Position.
type NewMailEvent struct {
	Messages []Message
	Position Position
}

// RecentEvent: the latest messages already in the folder at a first sync or a
// baseline reset, for a recent list. They are not new: never announce them.
type RecentEvent struct {
	Messages []Message
}

// BaselineEvent: the folder's UIDVALIDITY changed (or it is seen for the first
// time); everything in it now counts as seen. Persist Position.
type BaselineEvent struct {
	Old, New Position
	First    bool // no earlier position was known
}

// ExpungedEvent: messages were removed from the folder (deleted or moved
// elsewhere, by another client or a server rule), for dropping a message
// that was announced or listed as recent.
//
// The watcher sends one after each catch-up in which the server reported
// expunges (Count > 0), and after a (re)connect when messages it reported
// earlier are gone (Count 0: they went while it was not connected). UIDs
// are those of the messages it reported in a RecentEvent or NewMailEvent of
// the same UIDVALIDITY that are no longer in the folder, ascending; only
// the newest 100 it reported are followed, so UIDs may be empty or miss an
// older message even when Count > 0. A CountsEvent follows when the totals
// changed. After a BaselineEvent, no UID from before it is ever reported.
// (VANISHED, the QRESYNC form of EXPUNGE, never arrives: the watcher does
// not enable QRESYNC.)
type ExpungedEvent struct {
	Count int      // EXPUNGE responses on this connection since the last event
	UIDs  []uint32 // reported messages now gone, ascending
}

// CountsEvent: the folder's total and unseen counts.
type CountsEvent struct {
	Total, Unseen int
}

// SyncedEvent: the folder is known to be in sync with the server as of At
// (after a catch-up, a poll, or an IDLE cycle).
type SyncedEvent struct {
	At time.Time
}

func (SyncedEvent) isEvent()   {}
func (StateEvent) isEvent()    {}
func (NewMailEvent) isEvent()  {}
func (RecentEvent) isEvent()   {}
func (BaselineEvent) isEvent() {}
func (ExpungedEvent) isEvent() {}
func (CountsEvent) isEvent()   {}
