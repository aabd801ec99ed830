package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"mailbell/internal/atomicfile"
)

// saveMu orders the Saves of this process; against other processes the
// atomic rename is what keeps readers safe.
var saveMu sync.Mutex

// Save validates c and writes it to dir/config.json atomically: a temporary
// file in the same folder (mode 0600), fsync, rename over the old file, fsync
// of the folder. A reader sees the old file or the new one, never a mix, and
// a crash leaves one of them. The folder is created with mode 0700.
//
// A file that is there but does not load (hand-edited and broken, or from a
// newer version) is never overwritten: Save returns an error that matches
// ErrInvalid and names the file, and the file stays as it is. c is not
// modified; several goroutines may save the same *Config. If config.json
// is a symbolic link (dotfile managers), the file it points to is replaced.
func Save(dir string, c *Config) error {
	path := Path(dir)
	if probs := c.validate(); len(probs) > 0 {
		return fmt.Errorf("not saved: %w", &Error{File: path, Problems: probs})
	}
	out := *c
	if out.Accounts == nil {
		out.Accounts = []Account{}
	}
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	data = append(data, '\n')

	saveMu.Lock()
	defer saveMu.Unlock()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config: %w", err)
	}
	if _, err := loadFile(target); err != nil {
		return fmt.Errorf("not saved: %s is there but does not load, and saving would replace it; fix it or move it away first: %w", path, err)
	}
	if err := atomicfile.Write(target, data, atomicfile.Options{TempPattern: ".config-*.tmp"}); err != nil {
		return fmt.Errorf("config: saving %s: %w", path, err)
	}
	return nil
}
