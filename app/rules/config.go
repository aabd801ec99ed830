package rules

import "slices"

// AccountOptions are the notification settings of one account. config.Account
// embeds it, so its fields sit beside "id", "host", "folders":
//
//	{"id": "work", "email": "ann@example.com", "folders": ["INBOX", "Lists/golang"],
//	 "notify": true, "sound": false, "aliases": ["ann.lee@example.com"],
//	 "folder_options": {"Lists/golang": {"notify": false}}}
//
// "folders" stays a list of names; what a folder needs beyond its name lives
// in "folder_options", keyed by the same name, so every existing config file
// keeps its meaning and a folder without options needs no entry.
type AccountOptions struct {
	// Notify off: the account is still watched and counted, but its mail
	// never pops up (nil: on).
	Notify *bool `json:"notify,omitempty"`
	// Sound off: its mail notifies silently (nil: on, when the sound
	// preference is on).
	Sound *bool `json:"sound,omitempty"`
	// Aliases are the account's other addresses: with "email", mail from any
	// of them never notifies (it is the person's own).
	Aliases []string `json:"aliases,omitempty"`
	// FolderOptions by folder name, as in "folders".
	FolderOptions map[string]FolderOptions `json:"folder_options,omitempty"`
}

// FolderOptions are one folder's settings.
type FolderOptions struct {
	// Notify off: the folder is watched and counted but silent (nil: on).
	Notify *bool `json:"notify,omitempty"`
}

// NotifyOn reports whether the account notifies at all.
func (a AccountOptions) NotifyOn() bool { return a.Notify == nil || *a.Notify }

// SoundOn reports whether the account's mail may play a sound.
func (a AccountOptions) SoundOn() bool { return a.Sound == nil || *a.Sound }

// FolderNotifyOn reports whether folder notifies (INBOX matched in any case,
// like IMAP does).
func (a AccountOptions) FolderNotifyOn(folder string) bool {
	o, ok := a.folder(folder)
	return !ok || o.Notify == nil || *o.Notify
}

func (a AccountOptions) folder(name string) (FolderOptions, bool) {
	if o, ok := a.FolderOptions[name]; ok {
		return o, true
	}
	if isInbox(name) {
		for k, o := range a.FolderOptions {
			if isInbox(k) {
				return o, true
			}
		}
	}
	return FolderOptions{}, false
}

// Preferences are the notification preferences. config.Preferences embeds
// it:
//
//	"rules": {"mute_senders": ["spam.example.com", "@news.example.org"],
//	          "mute_subjects": ["unsubscribe"], "vip_senders": ["boss@example.com"],
//	          "vip_breaks_quiet": true},
//	"quiet_hours": {"from": "22:00", "to": "07:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
//	"sound": {"enabled": true, "file": ""},
//	"popup": "default",
//	"batching": "summarise"
//
// Every field may be left out: the zero value is today's behaviour (no rules,
// no quiet hours, sound on with the theme's sound, server's pop-up timeout,
// bursts summarised).
type Preferences struct {
	Rules Rules `json:"rules,omitzero"`
	// QuietHours nil: none.
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	Sound      Sound       `json:"sound,omitzero"`
	Popup      Popup       `json:"popup,omitempty"`
	Batching   Batching    `json:"batching,omitempty"`
}

// Rules are the global rules, applied in this order after the per-account
// ones (see Engine).
type Rules struct {
	// MuteSenders: addresses ("bob@example.com"), domains with their
	// subdomains ("example.com") or exactly one domain ("@example.com").
	MuteSenders []string `json:"mute_senders,omitempty"`
	// MuteSubjects: words or phrases; a subject containing one as a whole
	// word, in any case, is muted.
	MuteSubjects []string `json:"mute_subjects,omitempty"`
	// VIPSenders, when not empty, are the only senders that notify; same
	// forms as MuteSenders.
	VIPSenders []string `json:"vip_senders,omitempty"`
	// VIPBreaksQuiet lets VIPs notify during quiet hours (never during a
	// pause the person chose, and silently: no sound in quiet hours).
	VIPBreaksQuiet bool `json:"vip_breaks_quiet,omitempty"`
}

// QuietHours is a daily quiet spell: from "HH:MM" to "HH:MM" local time
// (crossing midnight when to is earlier than from), on the days it starts.
type QuietHours struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Days the spell starts on: "mon" … "sun". Empty: every day.
	Days []string `json:"days,omitempty"`
}

// Sound is the sound preference.
type Sound struct {
	// Enabled nil: on (the default).
	Enabled *bool `json:"enabled,omitempty"`
	// File is an absolute path to a sound file; "" plays the freedesktop
	// sound theme's message-new-email.
	File string `json:"file,omitempty"`
}

// On reports whether new mail plays a sound.
func (s Sound) On() bool { return s.Enabled == nil || *s.Enabled }

// ThemeSound is the freedesktop sound theme's name for new mail.
const ThemeSound = "message-new-email"

// Popup says how long pop-ups stay.
type Popup string

// Pop-up choices.
const (
	PopupDefault    Popup = "default"    // the notification server decides (expire_timeout -1)
	PopupPersistent Popup = "persistent" // until dismissed (expire_timeout 0, resident where supported)
)

// Effective maps "" to PopupDefault.
func (p Popup) Effective() Popup {
	if p == "" {
		return PopupDefault
	}
	return p
}

// Batching says how several messages at once are shown.
type Batching string

// Batching choices.
const (
	// BatchSummarise: the first message at once, up to three of a burst
	// one by one, more as one summary (the default).
	BatchSummarise Batching = "summarise"
	// BatchEach: one notification per message, never a summary of live
	// mail. What was held by a pause or quiet hours is still one summary.
	BatchEach Batching = "each"
)

// Effective maps "" to BatchSummarise.
func (b Batching) Effective() Batching {
	if b == "" {
		return BatchSummarise
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
