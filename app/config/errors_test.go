package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Every message names the file, where in it, the field and what is wrong.
func TestLoadErrors(t *testing.T) {
	acct := func(extra string) string {
		return `{"accounts": [
  {"id": "ok", "email": "ann@example.com", "host": "imap.example.com"},
  {"id": "b", "email": "bob@example.com", "host": "imap.example.com"` + extra + `}
]}`
	}
	cases := []struct {
		name    string
		content string
		want    []string // substrings of the one message; ":L:C: " after the file is checked too
		pos     string
	}{
		{"syntax", "{\"accounts\": [\n  {\"id\": \"a\" \"host\": \"x\"}\n]}", []string{"not valid JSON", "after object key:value pair"}, ":2:14: "},
		{"trailing comma", "{\"accounts\": [\n  {\"id\": \"a\"},\n]}", []string{"not valid JSON", "comma before a closing bracket"}, ":3:1: "},
		{"comment", "{\n  // accounts\n}", []string{"not valid JSON", "no comments"}, ":2:3: "},
		{"truncated", "{\"accounts\": [", []string{"not valid JSON", "unexpected end"}, ":1:14: "},
		{"not an object", "[1, 2]", []string{"must hold one JSON object", "a list"}, ":1:1: "},
		{"port as string", acct(`, "port": "993"`), []string{"accounts[1].port: want a whole number, got a string"}, ":3:79: "},
		{"port fraction", acct(`, "port": 993.5`), []string{"accounts[1].port: want a whole number, got 993.5"}, ":3:79: "},
		{"enabled as string", acct(`, "enabled": "yes"`), []string{"accounts[1].enabled: want true or false, got a string"}, ":3:82: "},
		{"folders as string", acct(`, "folders": "INBOX"`), []string{"accounts[1].folders: want a list of strings, got a string"}, ":3:82: "},
		{"folder as number", acct(`, "folders": ["INBOX", 7]`), []string{"accounts[1].folders[1]: want a string, got a number"}, ":3:92: "},
		{"accounts as object", `{"accounts": {"id": "a"}}`, []string{"accounts: want a list of accounts", "got an object"}, ":1:14: "},
		{"account as string", `{"accounts": ["a"]}`, []string{"accounts[0]: want an object", "got a string"}, ":1:15: "},
		{"preferences as list", `{"preferences": []}`, []string{"preferences: want an object", "got a list"}, ":1:17: "},
		{"unknown top field", "{\n  \"acounts\": []\n}", []string{`acounts: unknown field "acounts"; did you mean "accounts"?`}, ":2:3: "},
		{"unknown account field", acct(`, "hots": "x"`), []string{`accounts[1].hots: unknown field "hots"; did you mean "host"?`}, ":3:71: "},
		{"unknown pref field", `{"preferences": {"idle_refresh": 5}}`, []string{`preferences.idle_refresh: unknown field`}, ":1:18: "},
		{"password field", acct(`, "password": "hunter2"`), []string{`accounts[1].password: unknown field "password": passwords are not kept in the config file`}, ":3:71: "},
		{"duplicate key", acct(`, "host": "other.example.com"`), []string{`accounts[1].host: given twice`}, ":3:71: "},
		{"unknown security", acct(`, "security": "ssl"`), []string{`accounts[1].security: unknown security "ssl": want "tls", "starttls" or "plain"`}, ":3:83: "},
		{"port too big", acct(`, "port": 70000`), []string{"accounts[1].port: 70000 is out of range"}, ":3:79: "},
		{"port negative", acct(`, "port": -1`), []string{"accounts[1].port: -1 is out of range"}, ":3:79: "},
		{"plain to remote", acct(`, "security": "plain"`), []string{`accounts[1].security: "plain" sends the password unencrypted`, `not to "imap.example.com"`}, ":3:83: "},
		{"missing host", `{"accounts": [{"id": "a", "email": "a@example.com"}]}`, []string{"accounts[0].host: missing"}, ":1:15: "},
		{"host with port", `{"accounts": [{"id": "a", "email": "a@example.com", "host": "imap.example.com:993"}]}`, []string{`accounts[0].host: "imap.example.com:993" includes a port`}, ":1:61: "},
		{"host as URL", `{"accounts": [{"id": "a", "email": "a@example.com", "host": "imaps://imap.example.com"}]}`, []string{`accounts[0].host: "imaps://imap.example.com" is a URL`}, ":1:61: "},
		{"missing id", `{"accounts": [{"email": "a@example.com", "host": "h"}]}`, []string{"accounts[0].id: missing"}, ":1:15: "},
		{"empty id", `{"accounts": [{"id": "", "email": "a@example.com", "host": "h"}]}`, []string{"accounts[0].id: missing"}, ":1:22: "},
		{"id with slash", `{"accounts": [{"id": "../x", "email": "a@example.com", "host": "h"}]}`, []string{`accounts[0].id: "../x" is not a valid id`}, ":1:22: "},
		{"id too long", `{"accounts": [{"id": "` + strings.Repeat("a", 65) + `", "email": "a@example.com", "host": "h"}]}`, []string{"accounts[0].id:", "is not a valid id"}, ":1:22: "},
		{"duplicate id", "{\"accounts\": [\n{\"id\": \"work\", \"email\": \"a@example.com\", \"host\": \"h\"},\n{\"id\": \"Work\", \"email\": \"b@example.com\", \"host\": \"h\"}]}", []string{`accounts[1].id: duplicate id "Work": accounts[0] has it already`}, ":3:8: "},
		{"no username", `{"accounts": [{"id": "a", "host": "h"}]}`, []string{`accounts[0].username: missing: give "username" or "email"`}, ":1:15: "},
		{"bad email", `{"accounts": [{"id": "a", "host": "h", "email": "ann"}]}`, []string{`accounts[0].email: "ann" is not an email address`}, ":1:49: "},
		{"empty folder", acct(`, "folders": ["INBOX", " "]`), []string{"accounts[1].folders[1]: empty folder name"}, ":3:92: "},
		{"duplicate folder", acct(`, "folders": ["INBOX", "inbox"]`), []string{`accounts[1].folders[1]: folder "inbox" is listed twice`}, ":3:92: "},
		{"idle refresh too long", "{\"preferences\": {\n  \"idle_refresh_minutes\": 30}}", []string{"preferences.idle_refresh_minutes: 30 is out of range: want 1 to 29 minutes"}, ":2:27: "},
		{"idle refresh zero", `{"preferences": {"idle_refresh_minutes": 0}}`, []string{"preferences.idle_refresh_minutes: 0 is out of range"}, ":1:42: "},
		{"poll too fast", `{"preferences": {"poll_seconds": 5}}`, []string{"preferences.poll_seconds: 5 is out of range: want 10 to 3600 seconds"}, ":1:34: "},
		{"column counts characters", "{\"accounts\": [{\"name\": \"Büro ☕\", \"id\": \"a\", \"email\": \"a@example.com\", \"host\": \"h\", \"port\": 0.5}]}", []string{"accounts[0].port: want a whole number"}, ":1:92: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, path := writeConfig(t, c.content)
			cfg, err := Load(dir)
			if err == nil {
				t.Fatalf("loaded: %+v", cfg)
			}
			msg := err.Error()
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("not ErrInvalid: %v", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != path || len(ce.Problems) != 1 {
				t.Errorf("want one problem in an *Error for %s, got %#v", path, err)
			}
			if !strings.HasPrefix(msg, path+c.pos) {
				t.Errorf("message %q does not start with %q", msg, path+c.pos)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("the message shows a password: %q", msg)
			}
		})
	}
}

func TestAllProblemsAtOnce(t *testing.T) {
	dir, path := writeConfig(t, `{
  "accounts": [
    {"id": "a", "email": "a@example.com", "host": "h", "port": 0.5, "colour": "red"},
    {"id": "b", "email": "b@example.com", "host": "h", "enabled": 1}
  ],
  "preferences": {"volume": true}
}`)
	_, err := Load(dir)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, fmt.Sprintf("%d:%d %s", p.Line, p.Col, p.Field))
	}
	want := []string{"3:64 accounts[0].port", "3:69 accounts[0].colour", "4:67 accounts[1].enabled", "6:19 preferences.volume"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("problems %q, want %q", got, want)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[3], path+":6:19: preferences.volume: unknown field") {
		t.Errorf("message:\n%s", err)
	}

	// Value problems are all reported too, each at its place.
	dir, _ = writeConfig(t, `{"accounts": [
  {"id": "a", "host": "imap.example.com", "security": "plain", "username": "u"},
  {"id": "a", "host": "", "username": "u", "port": 0},
  {"id": "c!", "host": "h", "username": "u"}],
 "preferences": {"poll_seconds": 1}}`)
	_, err = Load(dir)
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	got = got[:0]
	for _, p := range ce.Problems {
		got = append(got, fmt.Sprintf("%d:%d %s", p.Line, p.Col, p.Field))
	}
	want = []string{"2:55 accounts[0].security", "3:23 accounts[1].host", "3:10 accounts[1].id", "4:10 accounts[2].id", "5:34 preferences.poll_seconds"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("problems %q, want %q", got, want)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := New()
	c.Accounts = []Account{{ID: "a", Host: "h"}}
	err := c.Validate()
	if !errors.Is(err, ErrInvalid) || err.Error() != `accounts[0].username: missing: give "username" or "email"` {
		t.Errorf("got %v", err)
	}
	c.Accounts[0].Username = "u"
	if err := c.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	if (&Config{}).Validate() == nil {
		t.Error("zero preferences validated: 0-minute IDLE refresh")
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"acct1": true, "work.mail_2-x": true, "A": true, strings.Repeat("a", 64): true,
		"": false, ".": false, "..": false, ".hidden": false, "-x": false, "a/b": false, `a\b`: false,
		"a b": false, "é": false, strings.Repeat("a", 65): false, "a\x00": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v", id, got)
		}
	}
}

// The schema check knows every field of the types, with the right kind.
func TestSchemaMatchesTypes(t *testing.T) {
	want := map[string]kind{"id": kindString, "name": kindString, "email": kindString, "host": kindString,
		"port": kindInt, "security": kindString, "username": kindString, "folders": kindStrings,
		"ca_file": kindString, "password_command": kindString, "enabled": kindBool,
		"notify": kindBool, "sound": kindBool, "aliases": kindStrings, "folder_options": kindMap} // rules.AccountOptions
	for name, k := range want {
		if got, ok := accountFields[name]; !ok || got != k {
			t.Errorf("account field %q: %v, want %v (all: %v)", name, got, k, accountFields)
		}
	}
	wantPrefs := map[string]kind{"idle_refresh_minutes": kindInt, "start_at_login": kindBool,
		"rules": kindObject, "quiet_hours": kindObject, "sound": kindObject, "popup": kindString, "batching": kindString} // rules.Preferences
	for name, k := range wantPrefs {
		if got, ok := prefFields[name]; !ok || got != k {
			t.Errorf("preference field %q: %v, want %v (all: %v)", name, got, k, prefFields)
		}
	}
}
