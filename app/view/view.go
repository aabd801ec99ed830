// Package view is the view model the core publishes and every front end
// (tray, windows, scripts on the control socket) reads: plain data that
// crosses a process boundary as JSON, plus the words used to show it.
package view

import (
	"fmt"
	"time"

	"mailbell/app/l10n"
)

// Snapshot is everything a front end shows, at one moment.
type Snapshot struct {
	Accounts      []Account `json:"accounts"`
	Recent        []Message `json:"recent"`         // newest first
	Unseen        int       `json:"unseen"`         // across all watched folders
	PausedUntil   time.Time `json:"paused_until"`   // zero: not paused
	Notifications bool      `json:"notifications"`  // the preference
	Demo          bool      `json:"demo,omitempty"` // running on the built-in demo server
	ConfigError   string    `json:"config_error,omitempty"`
	Muted         int       `json:"muted,omitempty"` // muted messages in Recent
	// CountsNew: Unseen counts mail new since the person last looked
	// (preferences "count": "new"), not the servers' unseen count.
	CountsNew bool `json:"counts_new,omitempty"`
	// HideWhenEmpty: when nothing counts (Unseen 0, no trouble, no pause)
	// the tray shows IconQuiet instead of IconNormal.
	HideWhenEmpty bool `json:"hide_when_empty,omitempty"`
	// Language is the locale the core speaks (BCP 47, "de-AT"; l10n.Use):
	// a change of it is a change of the snapshot, so every front end
	// renders its words again.
	Language string `json:"language,omitempty"`
}

// Forever is the PausedUntil of "until resumed".
var Forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Account is one configured account and its folders.
type Account struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Email   string   `json:"email,omitempty"`
	Enabled bool     `json:"enabled"`
	Folders []Folder `json:"folders"`
}

// Folder is one watched folder's connection and counts.
type Folder struct {
	Name         string        `json:"name"`
	State        State         `json:"state"`
	Error        string        `json:"error,omitempty"`
	ErrorKind    string        `json:"error_kind,omitempty"` // ErrorAuth, ErrorTLS, … for wording
	NextTry      time.Time     `json:"next_try,omitzero"`
	PollInterval time.Duration `json:"poll_interval,omitempty"`
	Unseen       int           `json:"unseen"`
	Total        int           `json:"total"`
	LastCheck    time.Time     `json:"last_check,omitzero"` // last time the folder was known to be in sync
}

// Error kinds, so the words can differ from the raw error.
const (
	ErrorAuth    = "auth"
	ErrorTLS     = "tls"
	ErrorConfig  = "config"
	ErrorNetwork = "network"
	// ErrorSignIn: the OAuth2 sign-in expired or was revoked; ErrorNoSignIn:
	// the account was never signed in. The remedy is to sign in (again).
	ErrorSignIn   = "signin"
	ErrorNoSignIn = "no_signin"
)

// Message is one entry of the recent list.
type Message struct {
	Account     string    `json:"account"`
	AccountName string    `json:"account_name"`
	Folder      string    `json:"folder"`
	UIDValidity uint32    `json:"uidvalidity"`
	UID         uint32    `json:"uid"`
	From        string    `json:"from"`
	FromAddr    string    `json:"from_addr,omitempty"`
	Subject     string    `json:"subject"`
	Date        time.Time `json:"date"`
	Seen        bool      `json:"seen"`
	Muted       bool      `json:"muted,omitempty"` // a notification rule muted it: listed, never notified
}

// Key names a message across accounts and folders.
func (m Message) Key() string {
	return fmt.Sprintf("%s/%s/%d/%d", m.Account, m.Folder, m.UIDValidity, m.UID)
}

// Paused reports whether notifications are paused at now.
func (s Snapshot) Paused(now time.Time) bool { return now.Before(s.PausedUntil) }

// Icon is which tray icon to show.
type Icon int

const (
	IconNormal Icon = iota
	IconUnread
	IconAttention
	IconPaused
	IconQuiet // nothing to count and preferences "hide_when_empty": a faded bell
)

// IconState picks the tray icon: trouble first, then pause, then unread.
func (s Snapshot) IconState(now time.Time) Icon {
	for _, a := range s.Accounts {
		for _, f := range a.Folders {
			if f.needsAttention() {
				return IconAttention
			}
		}
	}
	if s.Paused(now) {
		return IconPaused
	}
	if s.Unseen > 0 {
		return IconUnread
	}
	if s.HideWhenEmpty {
		return IconQuiet
	}
	return IconNormal
}

func (f Folder) needsAttention() bool {
	return f.State == StateStopped && f.Error != ""
}

// StatusLine is the one line that sums up every account, in the current
// language (l10n): "All accounts connected", "Work: reconnecting in 30 s",
// "Personal: password rejected — open Settings".
func (s Snapshot) StatusLine(now time.Time) string {
	if s.ConfigError != "" {
		return l10n.T("status.config_error")
	}
	enabled := 0
	var worst, connecting string
	for _, a := range s.Accounts {
		if !a.Enabled {
			continue
		}
		enabled++
		for _, f := range a.Folders {
			switch {
			case f.needsAttention():
				return accountState(a.Name, f, now)
			case f.State == StateBackoff && worst == "":
				worst = accountState(a.Name, f, now)
			case !f.State.Connected() && connecting == "":
				connecting = l10n.T("status.account_connecting", l10n.Args{"Account": a.Name})
			}
		}
	}
	switch {
	case enabled == 0:
		return l10n.T("status.no_accounts")
	case worst != "":
		return worst
	case connecting != "":
		return connecting
	case enabled == 1:
		return l10n.T("status.connected")
	}
	return l10n.T("status.all_connected")
}

// accountState is the status line for an account whose folder f is
// reconnecting or stopped: whole sentences per case, so that a translator
// writes "Work: reconnecting in 30 s" as the language says it.
func accountState(account string, f Folder, now time.Time) string {
	args := l10n.Args{"Account": account}
	switch f.State {
	case StateBackoff:
		wait := f.NextTry.Sub(now)
		if wait < time.Second {
			return l10n.T("status.account_reconnecting", args)
		}
		args["Wait"] = Duration(wait)
		return l10n.T("status.account_reconnecting_in", args)
	case StateStopped:
		switch f.ErrorKind {
		case ErrorAuth:
			return l10n.T("status.account_password_rejected", args)
		case ErrorSignIn:
			return l10n.T("status.account_signin_expired", args)
		case ErrorNoSignIn:
			return l10n.T("status.account_not_signed_in", args)
		case ErrorTLS:
			return l10n.T("status.account_cert_untrusted", args)
		}
		args["Error"] = f.Error
		return l10n.T("status.account_stopped", args)
	}
	return account + ": " + FolderState(f, now) // not reached: StatusLine asks for these two states only
}

// FolderState says a folder's state in words of the current language:
// "Connected · idle", "Polling every 60 s", "Reconnecting in 12 s",
// "Password rejected — open Settings".
func FolderState(f Folder, now time.Time) string {
	switch f.State {
	case StateIdle:
		return l10n.T("state.idle")
	case StatePolling:
		if f.PollInterval > 0 {
			return l10n.T("state.polling_every", l10n.Args{"Interval": Duration(f.PollInterval)})
		}
		return l10n.T("state.polling")
	case StateConnecting:
		return l10n.T("state.connecting")
	case StateAuthenticating:
		return l10n.T("state.authenticating")
	case StateSyncing:
		return l10n.T("state.syncing")
	case StateBackoff:
		wait := f.NextTry.Sub(now)
		if wait < time.Second {
			return l10n.T("state.reconnecting")
		}
		return l10n.T("state.reconnecting_in", l10n.Args{"Wait": Duration(wait)})
	case StateDisabled:
		return l10n.T("state.disabled")
	case StateStopped:
		switch f.ErrorKind {
		case ErrorAuth:
			return l10n.T("state.password_rejected")
		case ErrorSignIn:
			return l10n.T("state.signin_expired")
		case ErrorNoSignIn:
			return l10n.T("state.not_signed_in")
		case ErrorTLS:
			return l10n.T("state.cert_untrusted")
		}
		if f.Error != "" {
			return l10n.T("state.stopped_error", l10n.Args{"Error": f.Error})
		}
		return l10n.T("state.stopped")
	}
	return string(f.State)
}

// Duration says a wait the way a person reads it, in the current language:
// "12 s", "90 s", "3 min", "2 h".
func Duration(d time.Duration) string {
	switch {
	case d < 2*time.Minute:
		return l10n.N("duration.seconds", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		return l10n.N("duration.minutes", int(d.Round(time.Minute)/time.Minute))
	}
	return l10n.N("duration.hours", int(d.Round(time.Hour)/time.Hour))
}

// Ago says how long ago t was, in the current language: "just now",
// "5 min ago", "3 h ago", "yesterday", "3 days ago", then the date
// (l10n.Ago).
func Ago(t, now time.Time) string { return l10n.Ago(now, t) }

// Badge is the count drawn on the tray icon: "" for none, up to "99+".
func Badge(n int) string {
	switch {
	case n <= 0:
		return ""
	case n > 99:
		return "99+"
	}
	return fmt.Sprint(n)
}
