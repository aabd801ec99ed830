package state

import (
	"testing"
	"time"

	"mailbell/mail"
)

// A pause written by one Store is read by the next one on the same folder,
// and survives the other writes.
func TestPauseSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	until := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := s.SetPausedUntil(until); err != nil {
		t.Fatalf("SetPausedUntil: %v", err)
	}
	if err := s.Commit(Key{"a", "INBOX"}, mail.Position{UIDValidity: 1, LastUID: 3}, nil); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if got := s2.PausedUntil(); !got.Equal(until) {
		t.Fatalf("PausedUntil after reopen = %v, want %v", got, until)
	}
	if got := s2.Position(Key{"a", "INBOX"}); got.LastUID != 3 {
		t.Fatalf("position lost: %+v", got)
	}
	if err := s2.SetPausedUntil(time.Time{}); err != nil {
		t.Fatalf("clear: %v", err)
	}
	s3, err := Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if got := s3.PausedUntil(); !got.IsZero() {
		t.Fatalf("cleared pause read back as %v", got)
	}
}
