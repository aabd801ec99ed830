package open

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Message identifies the mail the user clicked. Every field is optional;
// an account-wide "Open mail" passes the zero Message.
type Message struct {
	UID    uint32
	Folder string
	// MessageID is the Message-ID header, with or without its angle
	// brackets; {message_id} gets it without them.
	MessageID string
	// GmailMsgID is Gmail's X-GM-MSGID (servers with X-GM-EXT-1), 0 when
	// unknown.
	GmailMsgID uint64
}

// expand replaces the placeholders inside each argument of argv. The
// replacement is one pass (a folder named "{uid}" stays that text) and per
// argument, so a value with blanks, quotes, ";", "$(…)", backticks or
// newlines is still exactly one argument. NUL bytes, which no argument can
// carry, are dropped.
func expand(argv []string, m Message) []string {
	uid := ""
	if m.UID != 0 {
		uid = strconv.FormatUint(uint64(m.UID), 10)
	}
	r := strings.NewReplacer(
		PlaceholderUID, uid,
		PlaceholderFolder, noNUL(m.Folder),
		PlaceholderMessageID, noNUL(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m.MessageID), "<"), ">")),
	)
	out := make([]string, len(argv))
	out[0] = argv[0]
	for i := 1; i < len(argv); i++ {
		out[i] = r.Replace(argv[i])
	}
	return out
}

func noNUL(s string) string { return strings.ReplaceAll(s, "\x00", "") }

// gmailAccountPath matches the account part of a Gmail web address,
// "/mail/u/0/" or "/mail/u/someone@gmail.com/".
var gmailAccountPath = regexp.MustCompile(`^/mail/u/([^/]+)`)

// GmailMessageURL returns the Gmail web link to one message:
// https://mail.google.com/mail/u/<account>/#all/<X-GM-MSGID in lower-case hex>.
//
// Gmail's IMAP extension documents X-GM-MSGID as a 64-bit unsigned number;
// the id in Gmail's classic message links is that number in hexadecimal
// (the format is not documented by Google, and newer Gmail links use an
// opaque token, but hex ids are still accepted). "#all" finds the message
// wherever its labels put it, archived included. The account part is kept
// from webmail (".../mail/u/1/" opens the second signed-in account); it is
// 0 otherwise. It reports false when webmail is not a mail.google.com
// address or msgid is 0.
func GmailMessageURL(webmail string, msgid uint64) (string, bool) {
	if msgid == 0 {
		return "", false
	}
	u, err := url.Parse(webmail)
	if err != nil || !strings.EqualFold(u.Hostname(), "mail.google.com") {
		return "", false
	}
	account := "0"
	if m := gmailAccountPath.FindStringSubmatch(u.EscapedPath()); m != nil {
		account = m[1]
	}
	return "https://mail.google.com/mail/u/" + account + "/#all/" + strconv.FormatUint(msgid, 16), true
}
