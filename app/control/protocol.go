// Package control is the core's local socket: JSON lines both ways. A client
// gets a snapshot of the view model on connect, then every event; it sends
// commands (show window, check now, pause, resume, reload, mark read).
//
// The window process and scripts are clients; the tray lives in the core's
// process and uses the same Command type without the socket.
package control

import (
	"time"

	"mailbell/app/view"
)

// Event is one line from the core. Event names the kind; the other fields
// are set as the kind needs. new_mail and state lines are the headless
// mode's contract too.
type Event struct {
	Event string `json:"event"` // one of the Ev* constants

	// new_mail and state
	Account string `json:"account,omitempty"`
	Folder  string `json:"folder,omitempty"`
	UID     uint32 `json:"uid,omitempty"`
	From    string `json:"from,omitempty"`
	Subject string `json:"subject,omitempty"`
	Date    string `json:"date,omitempty"` // RFC 3339
	Seen    *bool  `json:"seen,omitempty"`
	State   string `json:"state,omitempty"`
	Error   string `json:"error,omitempty"`
	NextTry string `json:"next_try,omitempty"` // RFC 3339, state "backoff"

	// snapshot
	Snapshot *view.Snapshot `json:"snapshot,omitempty"`

	// show (to a window client): which view and message to bring up
	View    string `json:"view,omitempty"`
	Message string `json:"message,omitempty"`

	// reply to a command with an id
	ID int   `json:"id,omitempty"`
	OK *bool `json:"ok,omitempty"`
	// Value carries a reply's payload (the demo's secret_get).
	Value string `json:"value,omitempty"`
}

const (
	EvSnapshot = "snapshot"
	EvNewMail  = "new_mail"
	EvState    = "state"
	EvShow     = "show"
	EvReply    = "reply"
	EvError    = "error" // a malformed or failed command without an id
)

// Command is one line to the core.
type Command struct {
	ID  int    `json:"id,omitempty"` // echoed in the reply
	Cmd string `json:"cmd"`          // one of the Cmd* constants

	Role    string    `json:"role,omitempty"`    // hello: "window" marks the window process
	View    string    `json:"view,omitempty"`    // show_window: ViewRecent or ViewSettings
	Message string    `json:"message,omitempty"` // show_window, mark_read: view.Message.Key()
	Until   time.Time `json:"until,omitzero"`    // pause: end; view.Forever = until resumed
	Account string    `json:"account,omitempty"` // secret_*: account id
	Secret  string    `json:"secret,omitempty"`  // secret_set
}

const (
	CmdHello      = "hello"
	CmdShowWindow = "show_window"
	CmdCheckNow   = "check_now"
	CmdPause      = "pause"
	CmdResume     = "resume"
	CmdReload     = "reload"
	CmdMarkRead   = "mark_read"
	CmdQuit       = "quit"
	// Secrets through the socket exist only in demo mode, whose secrets live
	// in the core's memory; otherwise the window uses the keyring itself.
	CmdSecretGet    = "secret_get"
	CmdSecretSet    = "secret_set"
	CmdSecretDelete = "secret_delete"
)

const (
	ViewRecent   = "recent"
	ViewSettings = "settings"
)

// MaxLine bounds one line either way; longer lines are refused.
const MaxLine = 1 << 20
