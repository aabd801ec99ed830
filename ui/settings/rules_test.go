package settings

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"mailbell/app/rules"
)

func TestRuleValuesRoundTrip(t *testing.T) {
	p := rules.Preferences{
		Rules: rules.Rules{MuteSenders: []string{"spam.example.com", "@news.example.org"}, MuteSubjects: []string{"unsubscribe"},
			VIPSenders: []string{"boss@example.com"}, VIPBreaksQuiet: true},
		QuietHours: &rules.QuietHours{From: "22:00", To: "07:00", Days: []string{"mon", "fri"}},
		Sound:      rules.Sound{File: "/usr/share/sounds/bell.oga"},
		Popup:      rules.PopupPersistent,
		Batching:   rules.BatchEach,
	}
	v := RuleValuesOf(p)
	if !v.Quiet || !v.QuietDays[time.Monday] || !v.QuietDays[time.Friday] || v.QuietDays[time.Sunday] || !v.Sound || !v.Persistent || !v.Each {
		t.Fatalf("values %+v", v)
	}
	if got := v.Preferences(); !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip:\n%+v\nwant\n%+v", got, p)
	}
	// The defaults stay out of the file; every day ticked is every day.
	d := RuleValuesOf(rules.Preferences{})
	if d.Quiet || !d.Sound || d.Persistent || d.Each || d.QuietFrom != "22:00" {
		t.Fatalf("defaults %+v", d)
	}
	if got := d.Preferences(); !reflect.DeepEqual(got, rules.Preferences{}) {
		t.Fatalf("defaults written as %+v", got)
	}
	d.Quiet = true
	if q := d.Preferences().QuietHours; q == nil || q.Days != nil {
		t.Fatalf("every day ticked (the default): %+v", q)
	}
	d.QuietDays = [7]bool{}
	if errs := ValidateRules(d); errs[FQuietDays] != "Tick the days the quiet hours start on" {
		t.Fatalf("no day ticked: %v", errs)
	}
	d.Sound = false
	if s := d.Preferences().Sound; s.Enabled == nil || *s.Enabled != false {
		t.Fatalf("sound off: %+v", s)
	}
}

func TestValidateRulesInWords(t *testing.T) {
	v := RuleValues{MuteSenders: "ok.example.com\n\nnot an address", Quiet: true, QuietFrom: "25:00", QuietTo: "07:00",
		Sound: true, SoundFile: "ding.oga"}
	errs := ValidateRules(v)
	for field, want := range map[string]string{
		FMuteSenders: "Line 2: \"not an address\" is not an address or a domain",
		FQuietFrom:   "\"25:00\" is not a time: want HH:MM",
		FSoundFile:   "is not an absolute path",
	} {
		if !strings.Contains(errs[field], want) {
			t.Errorf("%s: %q, want it to say %q (all: %v)", field, errs[field], want, errs)
		}
	}
	if errs := ValidateRules(RuleValuesOf(rules.Preferences{})); len(errs) != 0 {
		t.Errorf("defaults refused: %v", errs)
	}
}

func TestDescribeRules(t *testing.T) {
	p := rules.Preferences{
		Rules:      rules.Rules{MuteSenders: []string{"spam.example.com"}, MuteSubjects: []string{"unsubscribe"}, VIPSenders: []string{"boss@example.com"}, VIPBreaksQuiet: true},
		QuietHours: &rules.QuietHours{From: "22:00", To: "07:00"},
	}
	got := strings.Join(DescribeRules(p), "\n")
	for _, want := range []string{
		"Mute mail from spam.example.com (and its subdomains)",
		"Mute mail whose subject contains the word “unsubscribe”",
		"Only mail from boss@example.com notifies, even during quiet hours",
		"Quiet from 22:00 to 07:00 every night",
		"VIPs still notify, silently",
		"Plays the desktop's new-mail sound once per batch",
		"Bursts of mail become one summary",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("description lacks %q:\n%s", want, got)
		}
	}
	if got := DescribeRules(rules.Preferences{}); got[0] != "Every new message notifies" || got[1] != "No quiet hours" {
		t.Errorf("no rules: %q", got)
	}
}
