package mail

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// FolderInfo is what a connection test learns about a folder.
type FolderInfo struct {
	Messages    int
	Unseen      int
	UIDValidity uint32
}

// Probe logs in and EXAMINEs folder once: the settings window's "Test
// connection". The error wraps the same sentinels as the watcher's.
func Probe(ctx context.Context, a Account, folder string, opts Options) (FolderInfo, error) {
	opts = opts.withDefaults()
	s, err := dial(ctx, a, opts, newUnilateral(), nil)
	if err != nil {
		return FolderInfo{}, err
	}
	defer s.close(true)
	data, err := s.examine(folder)
	if err != nil {
		return FolderInfo{}, err
	}
	unseen, err := s.unseen()
	if err != nil {
		return FolderInfo{}, err
	}
	return FolderInfo{Messages: int(data.NumMessages), Unseen: unseen, UIDValidity: data.UIDValidity}, nil
}

// ErrStale: the folder's UIDVALIDITY changed, so the UIDs asked for mean other messages now.
var ErrStale = fmt.Errorf("folder changed since the message was seen")

// MarkSeen sets \Seen on messages in a short read-write session. It refuses
// when uidValidity no longer matches: the UIDs would name other messages.
func MarkSeen(ctx context.Context, a Account, folder string, uidValidity uint32, uids []uint32, opts Options) error {
	if len(uids) == 0 {
		return nil
	}
	opts = opts.withDefaults()
	s, err := dial(ctx, a, opts, newUnilateral(), nil)
	if err != nil {
		return err
	}
	defer s.close(true)
	stop := s.guardCommand()
	data, err := s.client.Select(folder, nil).Wait()
	stop()
	if err != nil {
		return s.wrapErr("SELECT "+folder, err)
	}
	if data.UIDValidity != uidValidity {
		return ErrStale
	}
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	stop = s.guardCommand()
	err = s.client.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	stop()
	return s.wrapErr("STORE", err)
}
