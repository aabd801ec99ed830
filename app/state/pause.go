package state

import (
	"fmt"
	"time"

	"mailbell/internal/atomicfile"
	"mailbell/mail"
)

// PausedUntil is the pause kept in the file (zero: none): the core
// restores it at start, so a pause survives a restart.
func (s *Store) PausedUntil() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.paused
}

// SetPausedUntil keeps the pause (zero: none) in the file, atomically like
// every write. Setting the value it has already writes nothing.
func (s *Store) SetPausedUntil(t time.Time) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// Only writers (all holding writeMu) replace the fields: reading them
	// without mu is safe here.
	if s.paused.Equal(t) {
		return nil
	}
	data, err := encodeWith(s.positions, s.recent, t)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(s.path, data, atomicfile.Options{TempPattern: tmpPrefix + "*", BeforeRename: s.beforeRename}); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	s.mu.Lock()
	s.paused = t
	s.mu.Unlock()
	return nil
}

// encode is the file without a pause.
func encode(positions map[Key]mail.Position, recent []Recent) ([]byte, error) {
	return encodeWith(positions, recent, time.Time{})
}
