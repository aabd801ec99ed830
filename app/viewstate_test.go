package app

import (
	"slices"
	"testing"

	"mailbell/app/view"
	"mailbell/mail"
)

// The core copies mail.State into view.State by conversion: every state a
// watcher can report must be one view knows (and words), spelled the same,
// since the string is also what headless mode and the control socket print.
func TestEveryMailStateIsAViewState(t *testing.T) {
	for _, s := range []mail.State{
		mail.StateConnecting, mail.StateAuthenticating, mail.StateSyncing, mail.StateIdle,
		mail.StatePolling, mail.StateBackoff, mail.StateStopped,
	} {
		if !slices.Contains(view.States, view.State(s)) {
			t.Errorf("mail state %q has no view.State", s)
		}
	}
}
