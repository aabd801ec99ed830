package view

// State is a folder's connection state as front ends see it. Its values are
// mail.State's, spelled the same (they are the "state" strings of the
// headless output and of the control socket, documented in the README), plus
// StateDisabled for a folder whose account is switched off. view does not
// import mail: the window process reads this type without the protocol code.
type State string

// The states. Their strings are wire format: never change one.
const (
	StateConnecting     State = "connecting"
	StateAuthenticating State = "authenticating"
	StateSyncing        State = "syncing"
	StateIdle           State = "idle"    // IDLE running: changes are pushed
	StatePolling        State = "polling" // no IDLE: NOOP every PollInterval
	StateBackoff        State = "backoff" // waiting until NextTry to reconnect
	StateStopped        State = "stopped" // not retried; Error says why
	StateDisabled       State = "disabled"
)

// States lists every State, for tests that check each one is worded and
// that mail's states all have a counterpart here.
var States = []State{
	StateConnecting, StateAuthenticating, StateSyncing, StateIdle,
	StatePolling, StateBackoff, StateStopped, StateDisabled,
}

// Connected reports whether the folder is in sync and watching: idle or polling.
func (s State) Connected() bool { return s == StateIdle || s == StatePolling }
