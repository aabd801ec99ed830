package cli

import (
	"context"
	"testing"

	"mailbell/app"
	"mailbell/platform/open"
)

type recordingURL struct{ got []string }

func (r *recordingURL) OpenURL(_ context.Context, u string) error {
	r.got = append(r.got, u)
	return nil
}

func TestGmailLinkToTheMessage(t *testing.T) {
	rec := &recordingURL{}
	o := mailOpener{l: &open.Launcher{Opener: rec}}
	msg := app.OpenTarget{Account: "g", Folder: "INBOX", UID: 7, MessageID: "<CAB+x=1@mail.gmail.com>"}
	for _, tc := range []struct{ how, want string }{
		{"https://mail.google.com/", "https://mail.google.com/mail/u/0/#search/rfc822msgid%3ACAB%2Bx%3D1%40mail.gmail.com"},
		{"https://mail.google.com/mail/u/1/", "https://mail.google.com/mail/u/1/#search/rfc822msgid%3ACAB%2Bx%3D1%40mail.gmail.com"},
		{"https://webmail.example.com/", "https://webmail.example.com/"},
	} {
		rec.got = nil
		if err := o.Open(context.Background(), tc.how, msg); err != nil {
			t.Fatal(err)
		}
		if len(rec.got) != 1 || rec.got[0] != tc.want {
			t.Errorf("%s: opened %q, want %q", tc.how, rec.got, tc.want)
		}
	}
	// With X-GM-MSGID, platform/open's link to the message wins; without a
	// Message-ID, the inbox.
	rec.got = nil
	_ = o.Open(context.Background(), "https://mail.google.com/", app.OpenTarget{GmailMsgID: 0x1234abcd, MessageID: "<x@y>"})
	_ = o.Open(context.Background(), "https://mail.google.com/", app.OpenTarget{})
	if len(rec.got) != 2 || rec.got[0] != "https://mail.google.com/mail/u/0/#all/1234abcd" || rec.got[1] != "https://mail.google.com/" {
		t.Errorf("opened %q", rec.got)
	}
	// Account-wide "Open mail" opens the inbox.
	if got := openMailCommand(nil); got.Message != "" || got.Account != "" {
		t.Errorf("open_mail for no keys: %+v", got)
	}
	if got := openMailCommand([]string{"work/INBOX/1/2", "work/INBOX/1/3"}); got.Account != "work" || got.Message != "" {
		t.Errorf("open_mail for a summary: %+v", got)
	}
}
