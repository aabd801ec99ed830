// Package control is the core's local socket: JSON lines both ways. A client
// gets a snapshot of the view model on connect, then every event; it sends
// commands (show window, check now, pause, resume, reload, mark read) and
// the settings intents (get_settings, save_account, remove_account,
// save_preferences, test_account): the core is the only writer of
// config.json and of the secret store, so a settings window asks it.
//
// The window process and scripts are clients; the tray lives in the core's
// process and uses the same Command type without the socket.
package control

import (
	"time"

	"mailbell/app/config"
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
	Muted   bool   `json:"muted,omitempty"` // new_mail: a notification rule muted it (still counted and listed)
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
	// Value carries a reply's words (test_account: "Connected — 3 messages in INBOX").
	Value string `json:"value,omitempty"`
	// Fields, in a failed reply, says what is wrong with which field of a
	// save_account, save_preferences or test_account, in config.json's
	// field names and the config loader's words:
	//   {"event":"reply","id":7,"ok":false,"error":"host: missing: …",
	//    "fields":{"host":"missing: the IMAP server's name, e.g. imap.example.com"}}
	Fields FieldErrors `json:"fields,omitempty"`
	// Folders answers list_folders (folders.go).
	Folders []Folder `json:"folders,omitempty"`
	// Settings answers get_settings.
	Settings *Settings `json:"settings,omitempty"`
	// SignIn names a sign-in (sign_in's reply, signed_in; signin.go).
	SignIn string `json:"sign_in,omitempty"`
	// OnlineAccounts answers online_accounts (signin.go).
	OnlineAccounts []OnlineAccount `json:"online_accounts,omitempty"`
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
	Account string    `json:"account,omitempty"` // remove_account: the account's id

	// save_account, test_account: the account as config.json has it.
	Settings *config.Account `json:"settings,omitempty"`
	// save_account, test_account: the id the account has in config.json
	// now ("" for a new one). A save whose Settings.ID differs renames it.
	OriginalID string `json:"original_id,omitempty"`
	// save_account: the password to store ("" keeps the stored one);
	// test_account: the password to try ("" tries the stored one).
	// It travels over the 0600 socket only and is never logged.
	Secret string `json:"secret,omitempty"`
	// save_preferences: the preferences, start_at_login included (the core
	// applies it to the system's autostart).
	Preferences *config.Preferences `json:"preferences,omitempty"`
	// save_account, test_account: the browser sign-in (sign_in's reply)
	// whose tokens the account uses (signin.go).
	SignIn string `json:"sign_in,omitempty"`
}

// FieldErrors maps a field's name in config.json ("host", "port",
// "folders", "idle_refresh_minutes") to what is wrong with it. "secret" is
// the password; "" holds what no single field explains.
type FieldErrors map[string]string

// Field names of FieldErrors that are not config.json keys.
const (
	FieldSecret  = "secret"
	FieldGeneral = ""
)

// Settings is what a settings window edits: config.json as the core has
// it on disk, and whether starting at login is supported and on.
type Settings struct {
	Accounts    []config.Account   `json:"accounts"`
	Preferences config.Preferences `json:"preferences"` // start_at_login as the system has it
	// AutostartSupported is false where Mailbell cannot start at login yet.
	AutostartSupported bool `json:"autostart_supported"`
	// Error: config.json does not load. Nothing can be saved until it is
	// fixed or moved away; Accounts and Preferences are empty.
	Error string `json:"error,omitempty"`
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

	// The settings intents. Their replies come once the work is done (the
	// secret stored, config.json written, the changed accounts restarted);
	// a client can send other commands meanwhile.
	CmdGetSettings     = "get_settings"     // reply: Settings
	CmdSaveAccount     = "save_account"     // Settings, OriginalID, Secret; reply: Fields on error
	CmdRemoveAccount   = "remove_account"   // Account
	CmdSavePreferences = "save_preferences" // Preferences; reply: Fields on error
	// CmdTestAccount logs in with Settings and examines its first folder;
	// the reply's Value (ok) or Error (not ok) says the result in words. A
	// window that gives up on a test drops its late reply.
	CmdTestAccount = "test_account"
)

// CmdOpenMail opens the user's mail where the account's "open" says
// (Message: that message; else Account: the account's mail).
const CmdOpenMail = "open_mail"

// CmdWake says the machine woke up or came back online: every watcher
// reconnects and syncs at once.
const CmdWake = "wake"

const (
	ViewRecent   = "recent"
	ViewSettings = "settings"
)

// MaxLine bounds one line either way; longer lines are refused.
const MaxLine = 1 << 20
