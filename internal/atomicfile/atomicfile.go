// Package atomicfile replaces a file so that a reader, or the next start
// after a crash or kill -9, sees either the old content or the new one,
// never a mix.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNotDurable: the new content is in place, but the folder could not be
// fsynced, so the rename may not survive a power loss.
var ErrNotDurable = errors.New("written, but the folder could not be synced")

// Options tune Write. The zero value is fine.
type Options struct {
	// TempPattern names the temp file (os.CreateTemp pattern); default ".tmp-*".
	TempPattern string
	// BeforeRename runs just before the rename (tests inject failures here).
	BeforeRename func(tmp string) error
}

// Write replaces path with data: a temp file in the same folder (mode 0600,
// so rename stays within one file system), written, fsynced, renamed over
// path, then the folder fsynced so the rename itself is durable. Before the
// rename, a failure leaves path untouched and removes the temp file.
func Write(path string, data []byte, opts Options) (err error) {
	dir := filepath.Dir(path)
	pattern := opts.TempPattern
	if pattern == "" {
		pattern = ".tmp-*"
	}
	f, err := os.CreateTemp(dir, pattern) // created 0600
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if opts.BeforeRename != nil {
		if err := opts.BeforeRename(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	renamed = true
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotDurable, dir, err)
	}
	return nil
}

// SyncDir fsyncs a folder. Windows cannot open a folder for fsync; its
// rename (MoveFileEx with REPLACE_EXISTING) is as durable as it gets there.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
