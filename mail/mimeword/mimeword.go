// Package mimeword decodes RFC 2047 encoded words ("=?charset?Q?text?=") in
// header text: the one decoder of the project. The IMAP client (mail) hands
// Decoder to go-imap for envelopes, and app/text uses Decode before it
// sanitizes, so a subject reads the same whichever path it took.
//
// It knows every charset go-message knows, and it ignores an RFC 2231
// language suffix on the charset ("UTF-8*en", "ISO-8859-1*fr"), which the
// standard library's decoder and go-message's charset tables both refuse.
//
// It imports nothing of the project: mail may use it, and mail must not
// import app.
package mimeword

import (
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message/charset"
)

// Decoder returns a word decoder with the charset handling described in the
// package comment. DecodeHeader on it fails as a whole when one word is in an
// unknown charset; Decode does not.
func Decoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charsetReader}
}

var decoder = Decoder()

// charsetReader drops an RFC 2231 language suffix, then asks go-message.
func charsetReader(cs string, r io.Reader) (io.Reader, error) {
	cs, _, _ = strings.Cut(cs, "*")
	if strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8") {
		return r, nil
	}
	return charset.Reader(cs, r)
}

// Decode replaces every encoded word in s that decodes and drops the
// whitespace between two adjacent ones (RFC 2047 section 6.2). Unlike
// mime.WordDecoder.DecodeHeader, a word in an unknown charset or with a
// broken encoding stays as it is and does not spoil the others. The result
// is not sanitized: it may hold any character the words encoded.
func Decode(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	copied := 0        // s[:copied] is written or dropped
	afterWord := false // the last thing written was a decoded word
	for pos := 0; pos < len(s); {
		start, end, ok := nextWord(s, pos)
		if !ok {
			break
		}
		dec, err := decoder.Decode(s[start:end])
		if err != nil {
			pos = start + 2
			continue
		}
		gap := s[copied:start]
		if !afterWord || strings.Trim(gap, " \t\r\n") != "" {
			b.WriteString(gap)
		}
		b.WriteString(dec)
		copied, pos, afterWord = end, end, true
	}
	b.WriteString(s[copied:])
	return b.String()
}

// Decodable reports whether s[start:] begins with an encoded word that
// Decode would replace, and where that word ends.
func Decodable(s string, start int) (end int, ok bool) {
	end, ok = WordAt(s, start)
	if !ok {
		return 0, false
	}
	if _, err := decoder.Decode(s[start:end]); err != nil {
		return 0, false
	}
	return end, true
}

// nextWord finds the first thing shaped like an encoded word that starts at
// or after from, the way mime.WordDecoder.DecodeHeader does. ok is false
// when there is none.
func nextWord(s string, from int) (start, end int, ok bool) {
	for {
		i := strings.Index(s[from:], "=?")
		if i < 0 {
			return 0, 0, false
		}
		start = from + i
		if end, ok = WordAt(s, start); ok {
			return start, end, true
		}
		from = start + 2
	}
}

// WordAt reports whether s[start:] begins with the shape of an encoded word
// ("=?charset?X?text?=", decodable or not) and where it ends. It reads no
// further than the word's fourth '?'.
func WordAt(s string, start int) (end int, ok bool) {
	if start < 0 || len(s) < start+2 || s[start:start+2] != "=?" {
		return 0, false
	}
	cur := start + 2
	q := strings.IndexByte(s[cur:], '?')
	if q < 0 {
		return 0, false
	}
	cur += q + 1
	if len(s) < cur+len("Q??=") || s[cur+1] != '?' {
		return 0, false
	}
	cur += 2
	// The text ends at the next '?', which must start "?=". (A '?' inside it
	// would make the word undecodable anyway; stopping there keeps a scan of
	// hostile input linear.)
	e := strings.IndexByte(s[cur:], '?')
	if e < 0 || cur+e+1 >= len(s) || s[cur+e+1] != '=' {
		return 0, false
	}
	return cur + e + 2, true
}
