// Package state persists what Mailbell must remember across restarts: per
// account × folder how far it has read (mail.Position), and the recent list
// (the last MaxRecent messages across accounts).
//
// Both live in one file, state.json, beside the config. Every change is one
// atomic write (temp file, fsync, rename, fsync of the folder), so a crash or
// kill -9 at any moment leaves either the old or the new file, never a mix.
// That is what lets the watcher promise no duplicate and no loss across
// restarts: a position is "acknowledged" only once Commit has returned.
package state

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"mailbell/internal/atomicfile"
	"mailbell/mail"
)

const (
	// FileName is the state file inside the folder given to Open.
	FileName = "state.json"
	// MaxRecent is how many messages the recent list keeps, across accounts.
	MaxRecent = 50
	// Version is the format written; files of any other version are set aside.
	Version = 1

	tmpPrefix     = FileName + ".tmp-"
	corruptPrefix = FileName + ".corrupt-"
)

// Key names one watched folder.
type Key struct {
	Account string // the account's id in config.json
	Folder  string // the IMAP mailbox name; may contain '/' or any other delimiter
}

func (k Key) String() string { return k.Account + ":" + k.Folder }

// Recent is one entry of the recent list. (Account, Folder, UIDValidity, UID)
// identifies the message on the server, which is what "mark as read" needs.
type Recent struct {
	Account     string    `json:"account"`
	Folder      string    `json:"folder"`
	UID         uint32    `json:"uid"`
	UIDValidity uint32    `json:"uidvalidity"`
	From        string    `json:"from"`      // display name, else the address
	FromAddr    string    `json:"from_addr"` // the bare address
	Subject     string    `json:"subject"`
	Date        time.Time `json:"date"` // the message's Date header (or INTERNALDATE)
	Seen        bool      `json:"seen"`
	Muted       bool      `json:"muted,omitempty"`       // a notification rule muted it
	Arrived     time.Time `json:"arrived"`               // when Mailbell learnt of it
	MessageID   string    `json:"message_id,omitempty"`  // for an "open" command's {message_id}
	GmailMsgID  uint64    `json:"gmail_msgid,omitempty"` // X-GM-MSGID, for a link to the message
}

func (r Recent) id() recentID {
	return recentID{r.Account, r.Folder, r.UIDValidity, r.UID}
}

type recentID struct {
	account, folder string
	uidValidity     uint32
	uid             uint32
}

// Store is the persisted state. It is safe for concurrent use. Writes are
// serialized; readers never wait for a write's fsync.
type Store struct {
	dir  string
	path string
	log  *slog.Logger

	writeMu sync.Mutex // held for a whole read-modify-write; orders the writes

	mu        sync.RWMutex // guards the fields below; never held across I/O
	positions map[Key]mail.Position
	recent    []Recent  // newest first, at most MaxRecent
	paused    time.Time // the pause the core restores at start (pause.go)

	// beforeRename, when set (tests only), runs after the temp file is
	// written and synced; an error aborts the write there.
	beforeRename func(tmp string) error
}

// fileFormat is state.json. Positions are a list, not an object keyed by a
// joined "account/folder" string: folder names may contain any delimiter.
type fileFormat struct {
	Version   int             `json:"version"`
	Positions []positionEntry `json:"positions"`
	Recent    []Recent        `json:"recent"`
	// PausedUntil: notifications are paused until then (pause.go).
	PausedUntil time.Time `json:"paused_until,omitzero"`
}

type positionEntry struct {
	Account     string `json:"account"`
	Folder      string `json:"folder"`
	UIDValidity uint32 `json:"uidvalidity"`
	LastUID     uint32 `json:"last_uid"`
}

// Open loads dir/state.json, creating dir (0700) if needed. A missing file is
// an empty state. A file that does not parse (it can only be damaged from
// outside, since writes are atomic) or has another version is renamed to
// state.json.corrupt-<time> with a warning, and the state starts empty: the
// watchers then take a fresh baseline, which announces nothing old.
// Temp files left by a crash mid-write are removed.
//
// Only one process may use a folder at a time (Mailbell is single-instance):
// Open removes temp files another writer could be using.
func Open(dir string) (*Store, error) {
	return OpenWithLogger(dir, slog.Default())
}

// OpenWithLogger is Open with the logger for its warnings.
func OpenWithLogger(dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: create folder: %w", err)
	}
	s := &Store{
		dir:       dir,
		path:      filepath.Join(dir, FileName),
		log:       log,
		positions: map[Key]mail.Position{},
	}
	s.removeTemps()
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// removeTemps deletes temp files a crash left behind. They are never the
// truth: the rename that would have made them so did not happen.
func (s *Store) removeTemps() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		s.log.Warn("state: cannot list folder for leftover temp files", "dir", s.dir, "err", err)
		return
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		p := filepath.Join(s.dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("state: cannot remove leftover temp file", "file", p, "err", err)
			continue
		}
		s.log.Info("state: removed temp file left by an interrupted write", "file", p)
	}
}

func (s *Store) load() error {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: read %s: %w", s.path, err)
	}
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return s.setAside(fmt.Errorf("not valid JSON (%d bytes): %w", len(data), err))
	}
	if f.Version != Version {
		return s.setAside(fmt.Errorf("format version %d, this Mailbell reads version %d", f.Version, Version))
	}
	for _, p := range f.Positions {
		if p.Account == "" || p.Folder == "" {
			s.log.Warn("state: ignoring a position without account or folder", "file", s.path,
				"account", p.Account, "folder", p.Folder)
			continue
		}
		s.positions[Key{p.Account, p.Folder}] = mail.Position{UIDValidity: p.UIDValidity, LastUID: p.LastUID}
	}
	// The file is ours, but normalizing costs nothing and keeps the
	// invariants (sorted, unique, bounded) true even after hand edits.
	s.recent = mergeRecent(nil, f.Recent)
	s.paused = f.PausedUntil
	return nil
}

// setAside moves an unreadable state file out of the way, keeping it for a
// post-mortem, so that the next write does not destroy the evidence.
func (s *Store) setAside(why error) error {
	stamp := time.Now().UTC().Format("20060102T150405.000000000Z")
	aside := filepath.Join(s.dir, corruptPrefix+stamp)
	if err := os.Rename(s.path, aside); err != nil {
		return fmt.Errorf("state: %s is unreadable (%v) and cannot be moved aside: %w", s.path, why, err)
	}
	s.log.Warn("state: state file unreadable; moved aside and starting empty "+
		"(every folder takes a new baseline: nothing old is announced, recent list cleared)",
		"file", s.path, "moved_to", aside, "reason", why.Error())
	return nil
}

// Position returns how far k has been read; the zero Position if never.
func (s *Store) Position(k Key) mail.Position {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.positions[k]
}

// Positions returns a copy of every stored position, e.g. to forget the
// folders no longer in the config.
func (s *Store) Positions() map[Key]mail.Position {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[Key]mail.Position, len(s.positions))
	for k, p := range s.positions {
		out[k] = p
	}
	return out
}

// Recent returns a copy of the recent list, newest first.
func (s *Store) Recent() []Recent {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.recent)
}

// Commit sets k's position and adds messages to the recent list in one
// atomic write: after a crash either both happened or neither did. Items of
// add with an empty Account or Folder get k's. An item already in the list
// (same account, folder, UIDVALIDITY and UID) is replaced by the new one.
// When Commit returns nil the change is durable; on error the file and the
// in-memory state are unchanged.
func (s *Store) Commit(k Key, pos mail.Position, add []Recent) error {
	return s.CommitAnnounce(k, pos, add, nil)
}

// CommitAnnounce is Commit that calls announce once the new state is written
// and fsynced but not yet renamed into place. A kill before announce leaves
// the old state, so the next start fetches and announces the messages again;
// a kill after the rename finds them announced and saved. Only a kill
// between announce's last write and the rename — two system calls — can
// announce a message twice; none can lose one.
func (s *Store) CommitAnnounce(k Key, pos mail.Position, add []Recent, announce func()) error {
	items := make([]Recent, len(add))
	for i, r := range add {
		if r.Account == "" {
			r.Account = k.Account
		}
		if r.Folder == "" {
			r.Folder = k.Folder
		}
		items[i] = r
	}
	return s.updateThen(func(positions map[Key]mail.Position, recent []Recent) ([]Recent, bool) {
		positions[k] = pos
		return mergeRecent(items, recent), true
	}, announce)
}

// SetSeen sets the seen flag of one recent message. A message not in the list
// is no error and causes no write.
func (s *Store) SetSeen(k Key, uidValidity, uid uint32, seen bool) error {
	want := recentID{k.Account, k.Folder, uidValidity, uid}
	return s.update(func(_ map[Key]mail.Position, recent []Recent) ([]Recent, bool) {
		changed := false
		for i := range recent {
			if recent[i].id() == want && recent[i].Seen != seen {
				recent[i].Seen = seen
				changed = true
			}
		}
		return recent, changed
	})
}

// RemoveAccount drops every position and recent message of the account.
func (s *Store) RemoveAccount(id string) error {
	return s.update(func(positions map[Key]mail.Position, recent []Recent) ([]Recent, bool) {
		changed := false
		for k := range positions {
			if k.Account == id {
				delete(positions, k)
				changed = true
			}
		}
		kept := recent[:0]
		for _, r := range recent {
			if r.Account != id {
				kept = append(kept, r)
			}
		}
		changed = changed || len(kept) != len(recent)
		return kept, changed
	})
}

// Forget drops k's position, so that watching the folder again later takes a
// fresh baseline instead of announcing everything that arrived meanwhile. Its
// messages stay in the recent list: they are still true history.
func (s *Store) Forget(k Key) error {
	return s.update(func(positions map[Key]mail.Position, recent []Recent) ([]Recent, bool) {
		_, ok := positions[k]
		delete(positions, k)
		return recent, ok
	})
}

// update runs change on copies of the state, writes the result, and only then
// makes it the in-memory state, so memory never runs ahead of the disk.
// change reports whether anything changed; if not, nothing is written.
func (s *Store) update(change func(positions map[Key]mail.Position, recent []Recent) ([]Recent, bool)) error {
	return s.updateThen(change, nil)
}

// updateThen is update that runs beforeRename (if set) just before the new
// file replaces the old one.
func (s *Store) updateThen(change func(positions map[Key]mail.Position, recent []Recent) ([]Recent, bool), beforeRename func()) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()

	// Only writers (all holding writeMu) replace the fields, so reading them
	// here without mu is safe; readers may hold mu concurrently.
	positions := make(map[Key]mail.Position, len(s.positions)+1)
	for k, p := range s.positions {
		positions[k] = p
	}
	recent, changed := change(positions, slices.Clone(s.recent))
	if !changed {
		return nil
	}
	data, err := encodeWith(positions, recent, s.paused)
	if err != nil {
		return err
	}
	hook := s.beforeRename
	if beforeRename != nil {
		hook = func(tmp string) error {
			if s.beforeRename != nil {
				if err := s.beforeRename(tmp); err != nil {
					return err
				}
			}
			beforeRename()
			return nil
		}
	}
	err = atomicfile.Write(s.path, data, atomicfile.Options{TempPattern: tmpPrefix + "*", BeforeRename: hook})
	if err != nil {
		err = fmt.Errorf("state: %w", err)
	}
	if err == nil || errors.Is(err, atomicfile.ErrNotDurable) {
		// The new file is in place (perhaps not yet durable if only the
		// folder's fsync failed): memory follows what the file says.
		s.mu.Lock()
		s.positions, s.recent = positions, recent
		s.mu.Unlock()
	}
	return err
}

func encodeWith(positions map[Key]mail.Position, recent []Recent, paused time.Time) ([]byte, error) {
	f := fileFormat{Version: Version, Positions: make([]positionEntry, 0, len(positions)), Recent: recent, PausedUntil: paused}
	if f.Recent == nil {
		f.Recent = []Recent{}
	}
	for k, p := range positions {
		f.Positions = append(f.Positions, positionEntry{k.Account, k.Folder, p.UIDValidity, p.LastUID})
	}
	// A stable order keeps the file diffable and the writes reproducible.
	slices.SortFunc(f.Positions, func(a, b positionEntry) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Folder, b.Folder))
	})
	data, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, fmt.Errorf("state: encode: %w", err)
	}
	return append(data, '\n'), nil
}

// mergeRecent puts add before old, drops duplicates (the first wins, so a new
// item replaces an older copy), sorts newest first and keeps MaxRecent. It
// returns a new slice.
func mergeRecent(add, old []Recent) []Recent {
	out := make([]Recent, 0, len(add)+len(old))
	seen := make(map[recentID]bool, len(add)+len(old))
	for _, list := range [][]Recent{add, old} {
		for _, r := range list {
			if seen[r.id()] {
				continue
			}
			seen[r.id()] = true
			out = append(out, r)
		}
	}
	// Newest first: by arrival, then by the message's date; the UID breaks
	// exact ties so a batch delivered at one instant lists newest first.
	slices.SortStableFunc(out, func(a, b Recent) int {
		return cmp.Or(b.Arrived.Compare(a.Arrived), b.Date.Compare(a.Date), cmp.Compare(b.UID, a.UID))
	})
	if len(out) > MaxRecent {
		out = slices.Clip(out[:MaxRecent])
	}
	return out
}
