package memserver

import (
	"bytes"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// These methods change mail as another client or a delivery agent would.
// They go through imapmemserver's mailbox trackers, so idling clients get
// EXISTS, FETCH (flags) and EXPUNGE pushed just as for a change made over IMAP.

// AddUser adds a user with an empty INBOX, or fails if the name is taken.
func (s *Server) AddUser(name, password string) error {
	u := imapmemserver.NewUser(name, password)
	if err := u.Create("INBOX", nil); err != nil {
		return fmt.Errorf("memserver: create INBOX for %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[name]; ok {
		return fmt.Errorf("memserver: user %q exists", name)
	}
	s.users[name] = u
	return nil
}

func (s *Server) user(name string) (*imapmemserver.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if u == nil {
		return nil, fmt.Errorf("memserver: no user %q", name)
	}
	return u, nil
}

// Append delivers msg to a mailbox with the current time as its internal
// date and returns its UID.
func (s *Server) Append(user, mailbox string, msg []byte, flags ...imap.Flag) (imap.UID, error) {
	u, err := s.user(user)
	if err != nil {
		return 0, err
	}
	defer s.notifyChange()
	data, err := u.Append(mailbox, bytes.NewReader(msg), &imap.AppendOptions{
		Flags: flags,
		Time:  time.Now(),
	})
	if err != nil {
		return 0, fmt.Errorf("memserver: append to %q: %w", mailbox, err)
	}
	return data.UID, nil
}

// CreateMailbox creates a mailbox. A mailbox created again after
// DeleteMailbox gets a new UIDVALIDITY (imapmemserver counts them per user).
func (s *Server) CreateMailbox(user, name string) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	if err := u.Create(name, nil); err != nil {
		return fmt.Errorf("memserver: create %q: %w", name, err)
	}
	return nil
}

// DeleteMailbox deletes a mailbox and its mail. Clients that have it
// selected are not told (imapmemserver keeps their view of the old mailbox);
// call CloseClientConns to make them reconnect and see the change.
func (s *Server) DeleteMailbox(user, name string) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	if err := u.Delete(name); err != nil {
		return fmt.Errorf("memserver: delete %q: %w", name, err)
	}
	return nil
}

// Status returns the number of messages, unseen count, UIDNEXT and
// UIDVALIDITY of a mailbox.
func (s *Server) Status(user, mailbox string) (*imap.StatusData, error) {
	u, err := s.user(user)
	if err != nil {
		return nil, err
	}
	data, err := u.Status(mailbox, &imap.StatusOptions{
		NumMessages: true,
		NumUnseen:   true,
		UIDNext:     true,
		UIDValidity: true,
	})
	if err != nil {
		return nil, fmt.Errorf("memserver: status %q: %w", mailbox, err)
	}
	return data, nil
}

// AddFlags adds flags to a message, e.g. \Seen as if read elsewhere.
func (s *Server) AddFlags(user, mailbox string, uid imap.UID, flags ...imap.Flag) error {
	return s.store(user, mailbox, uid, imap.StoreFlagsAdd, flags, false)
}

// RemoveFlags removes flags from a message.
func (s *Server) RemoveFlags(user, mailbox string, uid imap.UID, flags ...imap.Flag) error {
	return s.store(user, mailbox, uid, imap.StoreFlagsDel, flags, false)
}

// SetFlags replaces a message's flags.
func (s *Server) SetFlags(user, mailbox string, uid imap.UID, flags ...imap.Flag) error {
	return s.store(user, mailbox, uid, imap.StoreFlagsSet, flags, false)
}

// Expunge removes a message for good, as "STORE +FLAGS \Deleted" then
// "UID EXPUNGE" from another client would.
func (s *Server) Expunge(user, mailbox string, uid imap.UID) error {
	return s.store(user, mailbox, uid, imap.StoreFlagsAdd, []imap.Flag{imap.FlagDeleted}, true)
}

// store runs a STORE (and optionally a UID EXPUNGE) in a short session of
// its own, the way another client would. The session has no connection, so
// the writers imapmemserver would answer into are not used: STORE is silent
// and the ExpungeWriter's zero value discards.
func (s *Server) store(user, mailbox string, uid imap.UID, op imap.StoreFlagsOp, flags []imap.Flag, expunge bool) error {
	u, err := s.user(user)
	if err != nil {
		return err
	}
	defer s.notifyChange()
	sess := imapmemserver.NewUserSession(u)
	defer sess.Close()
	if _, err := sess.Select(mailbox, nil); err != nil {
		return fmt.Errorf("memserver: select %q: %w", mailbox, err)
	}
	set := imap.UIDSetNum(uid)
	found, err := sess.Search(imapserver.NumKindUID, &imap.SearchCriteria{UID: []imap.UIDSet{set}}, &imap.SearchOptions{})
	if err != nil {
		return fmt.Errorf("memserver: search %q: %w", mailbox, err)
	}
	if found.Count == 0 {
		return fmt.Errorf("memserver: no message with UID %d in %q", uid, mailbox)
	}
	if err := sess.Store(nil, imap.UIDSetNum(uid), &imap.StoreFlags{Op: op, Silent: true, Flags: flags}, nil); err != nil {
		return fmt.Errorf("memserver: store in %q: %w", mailbox, err)
	}
	if expunge {
		uids := imap.UIDSetNum(uid)
		if err := sess.Expunge(&imapserver.ExpungeWriter{}, &uids); err != nil {
			return fmt.Errorf("memserver: expunge in %q: %w", mailbox, err)
		}
	}
	return nil
}
