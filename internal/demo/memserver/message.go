package memserver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/mail"
	"strings"
	"time"
)

// Message builds a short RFC 5322 text message. from and to are addresses
// as a person writes them ("Ann Example <ann@example.org>" or a bare
// address); non-ASCII display names and subjects are encoded as MIME encoded
// words. Line breaks in the arguments are removed, so the result is always
// well formed: tests that need a broken header should write raw bytes.
func Message(from, to, subject string, date time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", address(from))
	header("To", address(to))
	// Long encodings are split into several encoded words; put each on its
	// own folded line to keep lines short (RFC 2047 section 2).
	subj := mime.QEncoding.Encode("utf-8", oneLine(subject))
	header("Subject", strings.ReplaceAll(subj, "?= =?", "?=\r\n =?"))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", "<"+randomID()+"@memserver.invalid>")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	b.WriteString("This message was made by Mailbell's in-memory IMAP server.\r\n")
	return b.Bytes()
}

// address formats an address with an encoded display name when needed.
func address(s string) string {
	s = oneLine(s)
	if a, err := mail.ParseAddress(s); err == nil {
		return a.String()
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

func randomID() string {
	var buf [12]byte
	rand.Read(buf[:]) // never fails (crypto/rand)
	return hex.EncodeToString(buf[:])
}
