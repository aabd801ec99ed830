package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mailbell/app"
	"mailbell/app/control"
	"mailbell/app/state"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

// seedRecent puts one announced message (UID 7 of INBOX, UIDVALIDITY 42)
// in account's recent list before the core starts, as a watcher would have.
func seedRecent(t *testing.T, dir, account string) {
	t.Helper()
	st, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = st.Commit(state.Key{Account: account, Folder: "INBOX"}, mail.Position{UIDValidity: 42, LastUID: 7},
		[]state.Recent{{UID: 7, UIDValidity: 42, From: "Bob", Subject: "the one", Date: now, Arrived: now, MessageID: "<m1@example.com>"}})
	if err != nil {
		t.Fatal(err)
	}
}

// A click on a message of a Gmail account (the in-memory stand-in plays
// Gmail: X-GM-EXT-1 and X-GM-MSGID; the real one needs the internet) opens
// Gmail at that very message, in the account named by its address; when
// the id does not come — a hostile answer, a server that stalls, none
// offered — it still opens Gmail, for the opener's search by Message-ID.
func TestOpenGmailMessageByItsID(t *testing.T) {
	const id = 1318586263426694458
	for _, tc := range []struct {
		name     string
		answer   func(string) []string
		open     string
		username string
		wantHow  string
		wantID   uint64
		asked    bool // whether the server must have been asked at all
	}{
		{name: "id found", answer: answerID("1318586263426694458"), open: "https://mail.google.com/", username: "ann@gmail.com",
			wantHow: "https://mail.google.com/mail/u/ann@gmail.com/", wantID: id, asked: true},
		{name: "account part kept", answer: answerID("1318586263426694458"), open: "https://mail.google.com/mail/u/1/", username: "ann@gmail.com",
			wantHow: "https://mail.google.com/mail/u/1/", wantID: id, asked: true},
		{name: "login not an address", answer: answerID("1318586263426694458"), open: "https://mail.google.com/", username: "ann",
			wantHow: "https://mail.google.com/", wantID: id, asked: true},
		{name: "huge number", answer: answerID("99999999999999999999999"), open: "https://mail.google.com/", username: "ann@gmail.com",
			wantHow: "https://mail.google.com/mail/u/ann@gmail.com/", asked: true},
		{name: "not a number", answer: answerID("0x1f"), open: "https://mail.google.com/", username: "ann@gmail.com",
			wantHow: "https://mail.google.com/mail/u/ann@gmail.com/", asked: true},
		{name: "missing", answer: func(string) []string { return []string{"* 1 FETCH (UID 7)"} }, open: "https://mail.google.com/", username: "ann@gmail.com",
			wantHow: "https://mail.google.com/mail/u/ann@gmail.com/", asked: true},
		{name: "stalled server", answer: func(string) []string { return nil }, open: "https://mail.google.com/", username: "ann@gmail.com",
			wantHow: "https://mail.google.com/mail/u/ann@gmail.com/", asked: true},
		{name: "other webmail: not asked", answer: answerID("1318586263426694458"), open: "https://webmail.example.com/", username: "ann@gmail.com",
			wantHow: "https://webmail.example.com/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked := make(chan struct{}, 1)
			ss, err := imaptest.StartScript(imaptest.Gmail(42, func(uids string) []string {
				if uids == "7" {
					asked <- struct{}{}
				}
				return tc.answer(uids)
			}))
			if err != nil {
				t.Fatal(err)
			}
			defer ss.Close()
			dir := t.TempDir()
			writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"g","host":"127.0.0.1","port":%d,"security":"plain","username":%q,"enabled":false,"open":%q}]}`,
				ss.Port(), tc.username, tc.open))
			seedRecent(t, dir, "g")
			op := &fakeOpener{}
			h := newHarness(t, dir, newStore(map[string]string{"g": "app-password"}), func(o *app.Options) { o.Opener = op })
			var key string
			h.waitFor("the seeded message", func() bool {
				if r := h.core.Snapshot().Recent; len(r) == 1 {
					key = r[0].Key()
				}
				return key != ""
			})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got, err := h.core.Do(ctx, control.Command{Cmd: control.CmdOpenMail, Message: key})
			if err != nil || got != "webmail" {
				t.Fatalf("open_mail: %q, %v", got, err)
			}
			hows, targets := op.calls()
			if len(hows) != 1 || hows[0] != tc.wantHow {
				t.Fatalf("opened %q, want %q", hows, tc.wantHow)
			}
			if tg := targets[0]; tg.GmailMsgID != tc.wantID || tg.UID != 7 || tg.MessageID != "<m1@example.com>" {
				t.Fatalf("target %+v, want X-GM-MSGID %d", tg, tc.wantID)
			}
			select {
			case <-asked:
				if !tc.asked {
					t.Fatal("the server was asked for an id that no link uses")
				}
			default:
				if tc.asked {
					t.Fatal("the server was never asked for the id")
				}
			}
		})
	}
}

// answerID answers UID 7's X-GM-MSGID with v, as sent.
func answerID(v string) func(string) []string {
	return func(uids string) []string {
		return []string{"* 1 FETCH (X-GM-MSGID " + v + " UID " + uids + ")"}
	}
}
