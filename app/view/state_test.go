package view

import (
	"encoding/json"
	"strings"
	"testing"
)

// The state strings are wire format: headless mode prints them, the control
// socket sends them, the README lists them. This is the one place they are
// spelled out as literals, so a renamed constant fails here.
func TestStateWireStrings(t *testing.T) {
	want := map[State]string{
		StateConnecting:     "connecting",
		StateAuthenticating: "authenticating",
		StateSyncing:        "syncing",
		StateIdle:           "idle",
		StatePolling:        "polling",
		StateBackoff:        "backoff",
		StateStopped:        "stopped",
		StateDisabled:       "disabled",
	}
	if len(States) != len(want) {
		t.Fatalf("States has %d entries, want %d", len(States), len(want))
	}
	for _, s := range States {
		w, ok := want[s]
		if !ok || string(s) != w {
			t.Errorf("state %q, want one of the documented strings", s)
		}
		b, err := json.Marshal(Folder{Name: "INBOX", State: s})
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if !strings.Contains(string(b), `"state":"`+w+`"`) {
			t.Errorf("JSON %s, want \"state\":%q", b, w)
		}
		var back Folder
		if err := json.Unmarshal(b, &back); err != nil || back.State != s {
			t.Errorf("round trip of %s: %+v, %v", b, back, err)
		}
	}
}

func TestConnected(t *testing.T) {
	for _, s := range States {
		if got, want := s.Connected(), s == StateIdle || s == StatePolling; got != want {
			t.Errorf("%q.Connected() = %v, want %v", s, got, want)
		}
	}
}
