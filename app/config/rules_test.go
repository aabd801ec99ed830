package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"mailbell/app/rules"
)

const rulesConfig = `{
  "accounts": [
    {"id": "work", "email": "ann@example.com", "host": "imap.example.com",
     "folders": ["INBOX", "Lists/golang"],
     "notify": true, "sound": false, "aliases": ["ann.lee@example.com"],
     "folder_options": {"Lists/golang": {"notify": false}}}
  ],
  "preferences": {
    "rules": {"mute_senders": ["spam.example.com"], "mute_subjects": ["unsubscribe"],
              "vip_senders": ["boss@example.com"], "vip_breaks_quiet": true},
    "quiet_hours": {"from": "22:00", "to": "07:00", "days": ["mon", "fri"]},
    "sound": {"enabled": true, "file": "/usr/share/sounds/x.oga"},
    "popup": "persistent",
    "batching": "each"
  }
}`

func TestRulesLoadAndSave(t *testing.T) {
	dir, _ := writeConfig(t, rulesConfig)
	c, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	a := c.Accounts[0]
	if !a.NotifyOn() || a.SoundOn() || !reflect.DeepEqual(a.Aliases, []string{"ann.lee@example.com"}) ||
		a.FolderNotifyOn("Lists/golang") || !a.FolderNotifyOn("INBOX") {
		t.Errorf("account options %+v", a.AccountOptions)
	}
	p := c.Preferences
	if !reflect.DeepEqual(p.Rules, rules.Rules{MuteSenders: []string{"spam.example.com"}, MuteSubjects: []string{"unsubscribe"},
		VIPSenders: []string{"boss@example.com"}, VIPBreaksQuiet: true}) {
		t.Errorf("rules %+v", p.Rules)
	}
	if p.QuietHours == nil || p.QuietHours.From != "22:00" || p.QuietHours.To != "07:00" || len(p.QuietHours.Days) != 2 {
		t.Errorf("quiet hours %+v", p.QuietHours)
	}
	if !p.Sound.On() || p.Sound.File != "/usr/share/sounds/x.oga" || p.Popup != rules.PopupPersistent || p.Batching != rules.BatchEach {
		t.Errorf("preferences %+v", p.Preferences)
	}
	// The other preferences keep their defaults.
	if !p.Notifications || p.IdleRefreshMinutes != 9 {
		t.Errorf("defaults lost: %+v", p)
	}
	// The engine is built from them.
	v := c.Rules().Check(rules.Message{Account: "work", Folder: "Lists/golang", From: "bob@example.org", Subject: "x"})
	if !v.Muted || v.Reason != rules.ReasonFolderOff {
		t.Errorf("verdict for the silent folder: %+v", v)
	}

	if err := Save(dir, c); err != nil {
		t.Fatalf("Save: %v", err)
	}
	c2, err := Load(dir)
	if err != nil {
		t.Fatalf("Load after Save: %v", err)
	}
	if !reflect.DeepEqual(c2.Accounts, c.Accounts) || !reflect.DeepEqual(c2.Preferences, c.Preferences) {
		t.Errorf("round trip changed the config:\n%+v\n%+v", c2, c)
	}
}

// A file without any of the new fields still loads to today's behaviour.
func TestRulesAbsentIsDefault(t *testing.T) {
	dir, _ := writeConfig(t, `{"accounts": [{"id": "a", "email": "a@example.com", "host": "h"}]}`)
	c, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(c.Preferences.Preferences, rules.Preferences{}) || !c.Accounts[0].NotifyOn() || !c.Accounts[0].SoundOn() {
		t.Errorf("not the defaults: %+v %+v", c.Preferences.Preferences, c.Accounts[0].AccountOptions)
	}
}

// Every problem in the nested objects is reported with its field and
// position, in rules' words.
func TestRulesProblems(t *testing.T) {
	for _, tc := range []struct {
		name, json, field, pos, words string
	}{
		{"unknown field in rules", `{"preferences": {"rules": {"mute_sender": ["x.com"]}}}`,
			"preferences.rules.mute_sender", "1:28", `did you mean "mute_senders"?`},
		{"wrong type in quiet hours", `{"preferences": {"quiet_hours": {"from": 22}}}`,
			"preferences.quiet_hours.from", "1:42", "want a string"},
		{"rules not an object", `{"preferences": {"rules": []}}`,
			"preferences.rules", "1:27", "want an object"},
		{"bad sender", `{"preferences": {"rules": {"mute_senders": ["ok.com", "not an address"]}}}`,
			"preferences.rules.mute_senders[1]", "1:55", "is not an address or a domain"},
		{"bad time", `{"preferences": {"quiet_hours": {"from": "25:00", "to": "07:00"}}}`,
			"preferences.quiet_hours.from", "1:42", "is not a time"},
		{"bad popup", `{"preferences": {"popup": "forever"}}`,
			"preferences.popup", "1:27", `unknown popup "forever"`},
		{"relative sound file", `{"preferences": {"sound": {"file": "ding.oga"}}}`,
			"preferences.sound.file", "1:36", "is not an absolute path"},
		{"folder option for a folder not watched", `{"accounts": [{"id": "a", "username": "u", "host": "h",
 "folder_options": {"Spam": {"notify": false}}}]}`,
			`accounts[0].folder_options["Spam"]`, "2:29", "is not one of this account's folders"},
		{"unknown field in a folder's options", `{"accounts": [{"id": "a", "username": "u", "host": "h",
 "folder_options": {"INBOX": {"sound": false}}}]}`,
			`accounts[0].folder_options["INBOX"].sound`, "2:31", "unknown field"},
		{"bad alias", `{"accounts": [{"id": "a", "username": "u", "host": "h", "aliases": ["me"]}]}`,
			"accounts[0].aliases[0]", "1:69", "is not an email address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := writeConfig(t, tc.json)
			_, err := Load(dir)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load: %v, want an *Error", err)
			}
			for _, p := range ce.Problems {
				if p.Field == tc.field {
					if pos := fmt.Sprintf("%d:%d", p.Line, p.Col); pos != tc.pos {
						t.Errorf("%s at %s, want %s", p.Field, pos, tc.pos)
					}
					if !strings.Contains(p.Msg, tc.words) {
						t.Errorf("%s: %q, want it to say %q", p.Field, p.Msg, tc.words)
					}
					return
				}
			}
			t.Fatalf("no problem for %s in %v", tc.field, err)
		})
	}
}
