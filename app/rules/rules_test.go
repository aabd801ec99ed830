package rules

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func off() *bool { f := false; return &f }

func engine(r Rules, opts AccountOptions) *Engine {
	return New(r, []Account{{ID: "work", Email: "Ann@Example.com", AccountOptions: opts}})
}

func msg(from, subject string) Message {
	return Message{Account: "work", Folder: "INBOX", From: from, Subject: subject}
}

func check(t *testing.T, e *Engine, m Message, want Reason) Verdict {
	t.Helper()
	v := e.Check(m)
	if v.Reason != want || v.Muted != (want != ReasonNone) || v.Notify == v.Muted {
		t.Fatalf("Check(%+v) = %+v, want reason %q", m, v, want)
	}
	if v.Muted && v.Rule == "" {
		t.Fatalf("muted without the rule in words: %+v", v)
	}
	return v
}

func TestNoRulesNotifies(t *testing.T) {
	check(t, engine(Rules{}, AccountOptions{Aliases: nil}), msg("bob@example.org", "hi"), ReasonNone)
	var nilEngine *Engine
	if v := nilEngine.Check(msg("a@b.c", "x")); !v.Notify {
		t.Fatalf("nil engine: %+v", v)
	}
}

func TestOwnAddresses(t *testing.T) {
	e := engine(Rules{}, AccountOptions{Aliases: []string{"a.lee@Bücher.example", " boss@work.example "}})
	for _, from := range []string{"ann@example.com", "ANN@EXAMPLE.COM", "<ann@example.com.>", "A.Lee@xn--bcher-kva.example", "a.lee@BÜCHER.example", "boss@work.example"} {
		check(t, e, msg(from, "note to self"), ReasonOwnAddress)
	}
	for _, from := range []string{"ann@example.org", "ann2@example.com", "ann@sub.example.com", "", "not an address"} {
		check(t, e, msg(from, "x"), ReasonNone)
	}
	// Another account's own addresses are not this one's.
	check(t, e, Message{Account: "home", From: "ann@example.com"}, ReasonNone)
	want := "Never for mail from your own addresses (Ann@Example.com, a.lee@Bücher.example, boss@work.example)"
	if got := e.Describe("work"); len(got) != 1 || got[0] != want {
		t.Fatalf("Describe = %q, want %q", got, want)
	}
}

func TestMuteSenders(t *testing.T) {
	e := engine(Rules{MuteSenders: []string{"spam.example.com", "@news.example.org", "Noreply@Shop.example"}}, AccountOptions{})
	for _, from := range []string{
		"x@spam.example.com", "x@SPAM.example.com", "x@mail.spam.example.com", // domain and subdomains
		"letters@news.example.org", // exactly that domain
		"noreply@shop.example", "NOREPLY@shop.EXAMPLE",
	} {
		check(t, e, msg(from, "x"), ReasonMutedSender)
	}
	for _, from := range []string{
		"x@notspam.example.com", "x@example.com", // not a suffix at a dot; the parent
		"x@a.news.example.org", // "@" is that domain only
		"other@shop.example", "noreply@shop.example.net",
	} {
		check(t, e, msg(from, "x"), ReasonNone)
	}
	want := "Mute mail from spam.example.com (and its subdomains), anyone @news.example.org or Noreply@Shop.example"
	if got := e.Describe("unknown account"); len(got) != 1 || got[0] != want {
		t.Fatalf("Describe = %q, want %q", got, want)
	}
}

func TestMuteSubjects(t *testing.T) {
	e := engine(Rules{MuteSubjects: []string{"sale", "Straße", "[golang-nuts]", "daily digest", "広告", "Σ"}}, AccountOptions{})
	for _, s := range []string{
		"Big SALE today", "sale", "Sale!", "(sale)", "Ç sale",
		"Umleitung STRASSE gesperrt", "strasse",
		"Re: [golang-nuts] generics", "x[golang-nuts]y",
		"Your Daily Digest", "【広告】お得な情報", "本日の広告です",
		"ς final sigma",
	} {
		check(t, e, msg("a@b.example", s), ReasonMutedSubject)
	}
	for _, s := range []string{"wholesale prices", "Salesforce invite", "sales", "sale2", "daily digests", "Straßenbahn", ""} {
		check(t, e, msg("a@b.example", s), ReasonNone)
	}
	if got := e.Describe("")[0]; got != "Mute mail whose subject contains the word “sale”, “Straße”, “[golang-nuts]”, “daily digest”, “広告” or “Σ”" {
		t.Fatalf("Describe = %q", got)
	}
}

func TestVIPs(t *testing.T) {
	e := engine(Rules{VIPSenders: []string{"boss@work.example", "family.example"}}, AccountOptions{})
	v := check(t, e, msg("Boss@Work.example", "now"), ReasonNone)
	if !v.VIP || v.BreaksQuiet {
		t.Fatalf("VIP without break-through: %+v", v)
	}
	check(t, e, msg("kid@home.family.example", "hi"), ReasonNone)
	v = check(t, e, msg("someone@work.example", "hi"), ReasonNotVIP)
	if v.VIP {
		t.Fatalf("not a VIP: %+v", v)
	}
	check(t, e, msg("", "no sender"), ReasonNotVIP)

	e = engine(Rules{VIPSenders: []string{"boss@work.example"}, VIPBreaksQuiet: true}, AccountOptions{})
	if v := check(t, e, msg("boss@work.example", "now"), ReasonNone); !v.VIP || !v.BreaksQuiet {
		t.Fatalf("VIP with break-through: %+v", v)
	}
	if got := e.Describe("")[0]; got != "Only mail from boss@work.example notifies, even during quiet hours" {
		t.Fatalf("Describe = %q", got)
	}
}

func TestAccountAndFolderOff(t *testing.T) {
	opts := AccountOptions{FolderOptions: map[string]FolderOptions{"Lists/golang": {Notify: off()}, "inbox": {}}}
	e := engine(Rules{}, opts)
	check(t, e, Message{Account: "work", Folder: "Lists/golang", From: "x@y.example"}, ReasonFolderOff)
	check(t, e, Message{Account: "work", Folder: "INBOX", From: "x@y.example"}, ReasonNone)
	if got := e.Describe("work"); !reflect.DeepEqual(got, []string{"No notifications for Lists/golang", "Never for mail from your own addresses (Ann@Example.com)"}) {
		t.Fatalf("Describe = %q", got)
	}
	// INBOX in any case.
	e = engine(Rules{}, AccountOptions{FolderOptions: map[string]FolderOptions{"Inbox": {Notify: off()}}})
	check(t, e, Message{Account: "work", Folder: "INBOX"}, ReasonFolderOff)

	e = engine(Rules{}, AccountOptions{Notify: off()})
	check(t, e, Message{Account: "work", Folder: "INBOX"}, ReasonAccountOff)
	check(t, e, Message{Account: "other", Folder: "INBOX"}, ReasonNone)
}

// Precedence: the first matching rule names the reason, and a VIP is muted
// by every rule above the VIP list.
func TestPrecedence(t *testing.T) {
	r := Rules{
		MuteSenders:    []string{"example.com"},
		MuteSubjects:   []string{"digest"},
		VIPSenders:     []string{"ann@example.com", "boss@work.example"},
		VIPBreaksQuiet: true,
	}
	all := AccountOptions{Notify: off(), FolderOptions: map[string]FolderOptions{"INBOX": {Notify: off()}}}
	from := "ann@example.com" // own address, muted domain, VIP
	subj := "weekly digest"
	steps := []struct {
		opts AccountOptions
		r    Rules
		want Reason
	}{
		{all, r, ReasonAccountOff},
		{AccountOptions{FolderOptions: all.FolderOptions}, r, ReasonFolderOff},
		{AccountOptions{}, r, ReasonOwnAddress},
	}
	for _, s := range steps {
		v := check(t, engine(s.r, s.opts), msg(from, subj), s.want)
		if !v.VIP || v.BreaksQuiet {
			t.Fatalf("a muted VIP is still a VIP, but breaks nothing: %+v", v)
		}
	}
	// Not own (another account), but the muted domain comes before the subject.
	e := New(r, []Account{{ID: "work", Email: "me@elsewhere.example"}})
	check(t, e, msg(from, subj), ReasonMutedSender)
	check(t, e, msg("boss@work.example", subj), ReasonMutedSubject)
	check(t, e, msg("stranger@work.example", "hello"), ReasonNotVIP)
	if v := check(t, e, msg("boss@work.example", "hello"), ReasonNone); !v.BreaksQuiet {
		t.Fatalf("%+v", v)
	}
	want := []string{
		"Never for mail from your own addresses (me@elsewhere.example)",
		"Mute mail from example.com (and its subdomains)",
		"Mute mail whose subject contains the word “digest”",
		"Only mail from ann@example.com or boss@work.example notifies, even during quiet hours",
	}
	if got := e.Describe("work"); !reflect.DeepEqual(got, want) {
		t.Fatalf("Describe =\n%q\nwant\n%q", got, want)
	}
}

// The JSON field names the config file uses.
func TestJSON(t *testing.T) {
	in := `{"notify": false, "sound": false, "aliases": ["a@b.example"],
	        "folder_options": {"Lists/golang": {"notify": false}}}`
	var a AccountOptions
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if a.NotifyOn() || a.SoundOn() || a.FolderNotifyOn("Lists/golang") || !a.FolderNotifyOn("INBOX") || a.Aliases[0] != "a@b.example" {
		t.Fatalf("%+v", a)
	}
	in = `{"rules": {"mute_senders": ["spam.example.com"], "mute_subjects": ["sale"], "vip_senders": ["boss@x.example"], "vip_breaks_quiet": true},
	       "quiet_hours": {"from": "22:00", "to": "07:00", "days": ["mon", "fri"]},
	       "sound": {"enabled": false, "file": "/x.oga"}, "popup": "persistent", "batching": "each"}`
	var p Preferences
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	if p.Rules.MuteSenders[0] != "spam.example.com" || !p.Rules.VIPBreaksQuiet || p.QuietHours.From != "22:00" ||
		p.Sound.On() || p.Sound.File != "/x.oga" || p.Popup != PopupPersistent || p.Batching != BatchEach {
		t.Fatalf("%+v", p)
	}
	if probs := p.Validate("preferences"); len(probs) != 0 {
		t.Fatalf("valid preferences: %+v", probs)
	}
	// The zero value writes nothing and means today's behaviour.
	var zero Preferences
	b, err := json.Marshal(zero)
	if err != nil || string(b) != "{}" {
		t.Fatalf("zero preferences marshal to %s, %v", b, err)
	}
	if !zero.Sound.On() || zero.Popup.Effective() != PopupDefault || zero.Batching.Effective() != BatchSummarise {
		t.Fatal("zero value defaults")
	}
	if b, _ := json.Marshal(AccountOptions{}); string(b) != "{}" {
		t.Fatalf("zero account options marshal to %s", b)
	}
}

func TestValidate(t *testing.T) {
	p := Preferences{
		Rules: Rules{
			MuteSenders:  []string{"spam.example.com", "", "bob@", "SPAM.example.com", "word", "a b@c.example"},
			MuteSubjects: []string{"ok", " ", "OK", "bad\x07"},
			VIPSenders:   []string{"@x.example", "@x.example"},
		},
		QuietHours: &QuietHours{From: "22:00", To: "7:00", Days: []string{"mon", "monday", "MON"}},
		Sound:      Sound{File: "sounds/new.oga"},
		Popup:      "forever",
		Batching:   "summarize",
	}
	got := map[string]string{}
	for _, pr := range p.Validate("preferences") {
		got[pr.Field] = pr.Msg
	}
	want := map[string]string{
		"preferences.rules.mute_senders[1]":  "empty entry: want an address (bob@example.com) or a domain (example.com, or @example.com for that domain only)",
		"preferences.rules.mute_senders[2]":  `"bob@" is not an address or a domain: want bob@example.com, example.com (with its subdomains) or @example.com (that domain only)`,
		"preferences.rules.mute_senders[3]":  `"SPAM.example.com" is listed twice: mute_senders[0] has it already`,
		"preferences.rules.mute_senders[4]":  `"word" is not an address or a domain: want bob@example.com, example.com (with its subdomains) or @example.com (that domain only)`,
		"preferences.rules.mute_senders[5]":  `"a b@c.example" is not an address or a domain: want bob@example.com, example.com (with its subdomains) or @example.com (that domain only)`,
		"preferences.rules.mute_subjects[1]": "empty word: it would mute every subject",
		"preferences.rules.mute_subjects[2]": `"OK" is listed twice: mute_subjects[0] has it already`,
		"preferences.rules.mute_subjects[3]": `"bad\a" contains control characters`,
		"preferences.rules.vip_senders[1]":   `"@x.example" is listed twice: vip_senders[0] has it already`,
		"preferences.quiet_hours.to":         `"7:00" is not a time: want HH:MM on a 24-hour clock, e.g. "22:00" or "07:00"`,
		"preferences.quiet_hours.days[1]":    `unknown day "monday": want mon, tue, wed, thu, fri, sat or sun`,
		"preferences.quiet_hours.days[2]":    `"MON" is listed twice: days[0] has it already`,
		"preferences.sound.file":             `"sounds/new.oga" is not an absolute path: want the full path of a sound file, e.g. /usr/share/sounds/freedesktop/stereo/message-new-email.oga`,
		"preferences.popup":                  `unknown popup "forever": want "default" or "persistent"`,
		"preferences.batching":               `unknown batching "summarize": want "summarise" or "each"`,
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range got {
			if want[k] != v {
				t.Errorf("got  %s: %s", k, v)
			}
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("want %s: %s", k, v)
			}
		}
	}

	q := QuietHours{From: "22:00", To: "22:00"}
	if probs := q.Validate("preferences.quiet_hours"); len(probs) != 1 || probs[0].Field != "preferences.quiet_hours.to" ||
		!strings.Contains(probs[0].Msg, "same as from (22:00)") {
		t.Fatalf("%+v", probs)
	}
	if probs := (QuietHours{}).Validate("q"); len(probs) != 2 || probs[0].Msg != `missing: a time like "22:00"` {
		t.Fatalf("%+v", probs)
	}

	a := AccountOptions{
		Aliases:       []string{"a@b.example", "A@B.example", "nope", ""},
		FolderOptions: map[string]FolderOptions{"Lists/golang": {Notify: off()}, "inbox": {}, "Gone": {}},
	}
	got = map[string]string{}
	for _, pr := range a.Validate("accounts[1]", []string{"INBOX", "Lists/golang"}) {
		got[pr.Field] = pr.Msg
	}
	want = map[string]string{
		"accounts[1].aliases[1]":             `"A@B.example" is listed twice: aliases[0] has it already`,
		"accounts[1].aliases[2]":             `"nope" is not an email address`,
		"accounts[1].aliases[3]":             "empty alias",
		`accounts[1].folder_options["Gone"]`: `"Gone" is not one of this account's folders: add it to "folders" or remove its options`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("account problems\n%q\nwant\n%q", got, want)
	}
}
