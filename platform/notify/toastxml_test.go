package notify

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// toastDoc is the part of the toast schema the tests read back.
type toastDoc struct {
	Launch   string   `xml:"launch,attr"`
	Scenario string   `xml:"scenario,attr"`
	Texts    []string `xml:"visual>binding>text"`
	Image    struct {
		Src string `xml:"src,attr"`
	} `xml:"visual>binding>image"`
	Audio struct {
		Src    string `xml:"src,attr"`
		Silent string `xml:"silent,attr"`
	} `xml:"audio"`
	Actions []struct {
		Content   string `xml:"content,attr"`
		Arguments string `xml:"arguments,attr"`
	} `xml:"actions>action"`
}

func parseToast(t *testing.T, s string) toastDoc {
	t.Helper()
	var d toastDoc
	dec := xml.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("toast XML does not parse: %v\n%s", err, s)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("toast XML has something after </toast>: %v\n%s", err, s)
	}
	return d
}

func TestToastXMLHostileText(t *testing.T) {
	subject := `]]><script>&amp; "quoted" 'x' </text><text>injected`
	d := parseToast(t, toastXML(7, Notification{Summary: "Ann <ann@example.com>", Body: subject}))
	if len(d.Texts) != 2 || d.Texts[0] != "Ann <ann@example.com>" || d.Texts[1] != subject {
		t.Fatalf("texts %q, want the summary and the body verbatim", d.Texts)
	}
	if d.Audio.Silent != "true" {
		t.Errorf("a notification without sound is not silent: %+v", d.Audio)
	}
}

func TestToastXMLActions(t *testing.T) {
	n := Notification{
		Summary:  "New mail",
		IconPath: `C:\Users\ann\AppData\Local\mailbell\bell.png`,
		Sound:    Sound{Name: "message-new-email"},
		Actions: []Action{
			{Key: DefaultAction, Label: "Open"},
			{Key: "mark-read", Label: "Mark as read"},
			{Key: "show", Label: `Show "in" Mailbell & co`},
		},
		Persistent: true,
	}
	d := parseToast(t, toastXML(42, n))
	if ev, ok := parseToastArgs(d.Launch); !ok || ev != (ActionEvent{ID: 42, Key: DefaultAction}) {
		t.Errorf("launch %q reads back as %+v, %v; want id 42, the default action", d.Launch, ev, ok)
	}
	if len(d.Actions) != 2 {
		t.Fatalf("buttons %+v, want Mark as read and Show (the default action is the toast itself)", d.Actions)
	}
	want := []ActionEvent{{42, "mark-read"}, {42, "show"}}
	for i, a := range d.Actions {
		ev, ok := parseToastArgs(a.Arguments)
		if !ok || ev != want[i] {
			t.Errorf("button %q arguments %q read back as %+v, %v; want %+v", a.Content, a.Arguments, ev, ok, want[i])
		}
	}
	if d.Actions[1].Content != `Show "in" Mailbell & co` {
		t.Errorf("button label %q", d.Actions[1].Content)
	}
	if d.Audio.Src != toastMailSound || d.Scenario != "reminder" || d.Image.Src != n.IconPath {
		t.Errorf("audio %+v, scenario %q, image %q", d.Audio, d.Scenario, d.Image.Src)
	}
}

func TestToastXMLRelativeIconDropped(t *testing.T) {
	d := parseToast(t, toastXML(1, Notification{Summary: "s", IconPath: "mail-unread"}))
	if d.Image.Src != "" {
		t.Errorf("an icon theme name became an image src %q: toasts need a file", d.Image.Src)
	}
}

func TestParseToastArgs(t *testing.T) {
	for _, s := range []string{"", "mailbell:", "mailbell:0:default", "mailbell:x:default", "mailbell:5:", "mailbell:99999999999:x", "https://example.com", "other:5:default"} {
		if ev, ok := parseToastArgs(s); ok {
			t.Errorf("parseToastArgs(%q) = %+v, want not ours", s, ev)
		}
	}
	if ev, ok := parseToastArgs(toastArgs(3, "a:b")); !ok || ev != (ActionEvent{3, "a:b"}) {
		t.Errorf("a key with a colon: %+v, %v", ev, ok)
	}
}
