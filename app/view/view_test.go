package view

import (
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestFolderState(t *testing.T) {
	for _, tc := range []struct {
		f    Folder
		want string
	}{
		{Folder{State: StateIdle}, "Connected · idle"},
		{Folder{State: StatePolling, PollInterval: time.Minute}, "Polling every 60 s"},
		{Folder{State: StateBackoff, NextTry: now.Add(12 * time.Second)}, "Reconnecting in 12 s"},
		{Folder{State: StateBackoff, NextTry: now.Add(5 * time.Minute)}, "Reconnecting in 5 min"},
		{Folder{State: StateStopped, Error: "password rejected for ann", ErrorKind: ErrorAuth}, "Password rejected — open Settings"},
		{Folder{State: StateStopped, Error: "certificate not trusted", ErrorKind: ErrorTLS}, "Certificate not trusted — open Settings"},
	} {
		if got := FolderState(tc.f, now); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
}

// Every state has words of its own: none falls through to the raw string.
func TestFolderStateWordsEveryState(t *testing.T) {
	for _, st := range States {
		if got := FolderState(Folder{State: st}, now); got == "" || got == string(st) {
			t.Errorf("state %q is worded %q", st, got)
		}
	}
}

func snap(folders ...Folder) Snapshot {
	return Snapshot{Accounts: []Account{{ID: "w", Name: "Work", Enabled: true, Folders: folders[:1]}, {ID: "p", Name: "Personal", Enabled: true, Folders: folders[1:]}}}
}

func TestStatusLineAndIcon(t *testing.T) {
	idle := Folder{State: StateIdle}
	s := snap(idle, idle)
	if got := s.StatusLine(now); got != "All accounts connected" || s.IconState(now) != IconNormal {
		t.Fatalf("%q %v", got, s.IconState(now))
	}
	s.Unseen = 3
	if s.IconState(now) != IconUnread {
		t.Fatal("unread icon")
	}
	s.PausedUntil = Forever
	if s.IconState(now) != IconPaused {
		t.Fatal("paused icon")
	}
	s = snap(Folder{State: StateBackoff, NextTry: now.Add(30 * time.Second)}, idle)
	if got := s.StatusLine(now); got != "Work: reconnecting in 30 s" {
		t.Fatalf("%q", got)
	}
	s = snap(idle, Folder{State: StateStopped, Error: "x", ErrorKind: ErrorAuth})
	if got := s.StatusLine(now); got != "Personal: password rejected — open Settings" || s.IconState(now) != IconAttention {
		t.Fatalf("%q", got)
	}
	if (Snapshot{}).StatusLine(now) != "No accounts set up" {
		t.Fatal("empty")
	}
}

func TestBadgeAndAgo(t *testing.T) {
	if Badge(0) != "" || Badge(7) != "7" || Badge(150) != "99+" {
		t.Fatal("badge")
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "just now", 5 * time.Minute: "5 min ago", 30 * time.Hour: "yesterday", 50 * time.Hour: "2 days ago"} {
		if got := Ago(now.Add(-d), now); got != want {
			t.Errorf("Ago(-%v) = %q, want %q", d, got, want)
		}
	}
}

// hide_when_empty swaps only the normal icon for the quiet one: a count,
// trouble and a pause still show.
func TestIconQuietWhenEmpty(t *testing.T) {
	now := time.Now()
	s := Snapshot{HideWhenEmpty: true, Accounts: []Account{{ID: "a", Name: "A", Enabled: true, Folders: []Folder{{Name: "INBOX", State: StateIdle}}}}}
	if got := s.IconState(now); got != IconQuiet {
		t.Errorf("empty: %v, want quiet", got)
	}
	s.Unseen = 2
	if got := s.IconState(now); got != IconUnread {
		t.Errorf("2 unseen: %v, want unread", got)
	}
	s.Unseen, s.PausedUntil = 0, now.Add(time.Hour)
	if got := s.IconState(now); got != IconPaused {
		t.Errorf("paused: %v, want paused", got)
	}
	s.PausedUntil = time.Time{}
	s.Accounts[0].Folders[0] = Folder{Name: "INBOX", State: StateStopped, Error: "refused"}
	if got := s.IconState(now); got != IconAttention {
		t.Errorf("trouble: %v, want attention", got)
	}
	s.HideWhenEmpty = false
	s.Accounts[0].Folders[0] = Folder{Name: "INBOX", State: StateIdle}
	if got := s.IconState(now); got != IconNormal {
		t.Errorf("option off: %v, want normal", got)
	}
}
