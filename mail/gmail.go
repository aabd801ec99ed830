package mail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Gmail's message id (X-GM-MSGID) names a message in Gmail's web interface.
// go-imap v2.0.0-beta.8 can neither ask for it (imap.FetchOptions has a
// fixed set of items and the command encoder is unexported) nor read it
// (an unknown FETCH item fails the whole response). So GmailMsgID logs in
// and opens the folder through go-imap as every other session does (same
// TLS, STARTTLS, nesting guard, credentials, SASL and trace redaction),
// then takes the connection over (takeover.go) for the one UID FETCH that
// go-imap cannot speak, reads that answer itself and closes the connection.

// capGmailExt is the capability of Gmail's IMAP extensions, X-GM-MSGID
// among them.
const capGmailExt = imap.Cap("X-GM-EXT-1")

// ErrNoGmailMsgID: the server does not offer X-GM-EXT-1, or its answer held
// no usable X-GM-MSGID for the message (missing, not a number, 0, too big).
var ErrNoGmailMsgID = errors.New("no Gmail message id")

// The tags of the commands sent past go-imap: unlike go-imap's "T1", "T2"…,
// so no answer can be taken for another's.
const (
	gmailFetchTag  = "MBGM1"
	gmailLogoutTag = "MBGM2"
)

// Bounds on what the server may send in answer to the one UID FETCH: a
// handful of short lines are expected; anything past these is hostile.
const (
	maxGmailAnswer   = 64 << 10 // bytes in all, literals included
	maxGmailResponse = 16 << 10 // bytes of one response, literals excluded
)

// GmailMsgID returns Gmail's X-GM-MSGID of the message uid in folder, in a
// short session of its own (as MarkSeen): log in, EXAMINE (read-only, so
// nothing changes on the server), one UID FETCH, close. It refuses with
// ErrStale when uidValidity no longer matches, and with ErrNoGmailMsgID when
// the server does not offer X-GM-EXT-1 or gives no usable id. Every step is
// bounded by opts' timeouts and by ctx; a server that stalls ends with
// ErrTimeout.
func GmailMsgID(ctx context.Context, a Account, folder string, uidValidity, uid uint32, opts Options) (uint64, error) {
	if uid == 0 {
		return 0, fmt.Errorf("%w: no UID", ErrNoGmailMsgID)
	}
	opts = opts.withDefaults()
	s, err := dial(ctx, a, opts, newUnilateral(), nil)
	if err != nil {
		return 0, err
	}
	stop := s.guardCommand()
	caps := s.client.Caps()
	stop()
	if !caps.Has(capGmailExt) {
		s.close(true)
		if s.timedOut.Load() {
			return 0, fmt.Errorf("CAPABILITY: server did not answer: %w", ErrTimeout)
		}
		return 0, fmt.Errorf("%w: %s does not offer X-GM-EXT-1", ErrNoGmailMsgID, a.Host)
	}
	data, err := s.examine(folder)
	if err != nil {
		s.close(true)
		return 0, err
	}
	if data.UIDValidity != uidValidity {
		s.close(true)
		return 0, ErrStale
	}
	return s.fetchGmailMsgID(uid)
}

// fetchGmailMsgID takes the connection over from go-imap, sends
// "UID FETCH uid (UID X-GM-MSGID)", reads the answer and ends the session
// (the client cannot be used after a takeover).
func (s *session) fetchGmailMsgID(uid uint32) (uint64, error) {
	const what = "UID FETCH X-GM-MSGID"
	pr := s.tap.takeOver()
	done := make(chan struct{})
	go func() {
		// The client's reader goroutine is what pumps the bytes; once it has
		// ended (the connection failed), nothing ever will.
		select {
		case <-s.client.Closed():
			pr.CloseWithError(io.ErrUnexpectedEOF)
		case <-done:
		}
	}()
	stop := s.guardCommand()
	defer func() {
		stop()
		close(done)
		pr.Close() // releases the pump, so that closing the client returns
		s.close(false)
	}()

	cmd := gmailFetchTag + " UID FETCH " + strconv.FormatUint(uint64(uid), 10) + " (UID X-GM-MSGID)\r\n"
	s.traceRaw(cmd)
	if _, err := io.WriteString(s.tap.Conn, cmd); err != nil {
		return 0, s.wrapErr(what, err)
	}
	id, err := readGmailAnswer(bufio.NewReaderSize(io.LimitReader(pr, maxGmailAnswer), 4096), uid, s.traceRaw)
	if err != nil {
		if errors.Is(err, ErrNoGmailMsgID) {
			return 0, err
		}
		return 0, s.wrapErr(what, err)
	}
	// A courtesy: the connection closes right after, answer or not.
	s.traceRaw(gmailLogoutTag + " LOGOUT\r\n")
	_, _ = io.WriteString(s.tap.Conn, gmailLogoutTag+" LOGOUT\r\n")
	return id, nil
}

// traceRaw passes protocol text to the trace, as go-imap's debug writer
// does for the client's own exchange (masked by the redactor).
func (s *session) traceRaw(text string) {
	if s.trace != nil {
		_, _ = s.trace.Write([]byte(text))
	}
}

// readGmailAnswer reads responses up to the tagged one and returns the
// X-GM-MSGID of the FETCH response for uid. Other untagged responses
// (EXISTS, another message's flags) are skipped; a response for uid whose
// X-GM-MSGID is missing or unusable ends in ErrNoGmailMsgID once the
// command completes.
func readGmailAnswer(r *bufio.Reader, uid uint32, trace func(string)) (uint64, error) {
	var (
		id     uint64
		reason = "the answer has no X-GM-MSGID for the message"
	)
	for {
		line, err := readResponseLine(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		trace(line + "\r\n")
		if rest, ok := cutPrefixFold(line, gmailFetchTag+" "); ok {
			status, text, _ := strings.Cut(rest, " ")
			if !strings.EqualFold(status, "OK") {
				return 0, fmt.Errorf("server said %s %s", sanitizeServerText(status), sanitizeServerText(text))
			}
			if id == 0 {
				return 0, fmt.Errorf("%w: %s", ErrNoGmailMsgID, reason)
			}
			return id, nil
		}
		if rest, ok := cutPrefixFold(line, "* BYE"); ok {
			return 0, fmt.Errorf("server said BYE%s", sanitizeServerText(rest))
		}
		items, ok := fetchResponseItems(line)
		if !ok || id != 0 {
			continue
		}
		if u, err := strconv.ParseUint(items["UID"], 10, 32); err != nil || uint32(u) != uid {
			continue // another message (a flag change), or no UID to tell
		}
		v, has := items["X-GM-MSGID"]
		if !has {
			continue
		}
		if n, ok := parseGmailMsgID(v); ok {
			id = n
		} else {
			reason = fmt.Sprintf("X-GM-MSGID %q is not a 64-bit message id", sanitizeServerText(v))
		}
	}
}

// parseGmailMsgID accepts what Gmail documents: a 64-bit unsigned number in
// decimal. Signs, blanks, 0 and anything that overflows are refused.
func parseGmailMsgID(v string) (uint64, bool) {
	if v == "" || len(v) > 20 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil && n != 0
}

// readResponseLine reads one response: a line, with any literals it holds
// skipped and replaced by "" (nothing wanted here ever comes as one).
func readResponseLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := readLine(r)
		if err != nil {
			return "", err
		}
		n, head, ok := literalAtEnd(line)
		if !ok {
			b.WriteString(line)
			if b.Len() > maxGmailResponse {
				return "", errors.New("response too long")
			}
			return b.String(), nil
		}
		b.WriteString(head)
		b.WriteString(`""`)
		if b.Len() > maxGmailResponse {
			return "", errors.New("response too long")
		}
		if _, err := r.Discard(int(n)); err != nil {
			return "", err
		}
	}
}

// literalAtEnd finds a literal's announcement ("{12}", "{12+}", "~{12}") at
// the end of line: its size and the line before it.
func literalAtEnd(line string) (int64, string, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, "", false
	}
	open := strings.LastIndexByte(line, '{')
	if open < 0 {
		return 0, "", false
	}
	digits := strings.TrimSuffix(line[open+1:len(line)-1], "+")
	if digits == "" || len(digits) > 10 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, "", false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > maxGmailAnswer {
		// Larger than all we read anyway: reading it would fail the same way.
		n = maxGmailAnswer + 1
	}
	return n, strings.TrimSuffix(line[:open], "~"), true
}

// fetchResponseItems parses "* n FETCH (NAME value NAME value …)" into its
// items, names upper-cased, values as sent (a list or quoted string whole).
// It reports false for any other response or a malformed one.
func fetchResponseItems(line string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(line, "* ")
	if !ok {
		return nil, false
	}
	num, rest, ok := strings.Cut(rest, " ")
	if !ok || num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return nil, false
	}
	if rest, ok = cutPrefixFold(rest, "FETCH ("); !ok {
		return nil, false
	}
	items := make(map[string]string)
	i := 0
	for {
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		if i >= len(rest) {
			return nil, false
		}
		if rest[i] == ')' {
			return items, true
		}
		start := i
		for i < len(rest) && rest[i] != ' ' && rest[i] != '(' && rest[i] != ')' {
			if rest[i] == '[' { // BODY[HEADER.FIELDS (A B)]: blanks inside
				j := strings.IndexByte(rest[i:], ']')
				if j < 0 {
					return nil, false
				}
				i += j
			}
			i++
		}
		name := strings.ToUpper(rest[start:i])
		if name == "" || i >= len(rest) || rest[i] != ' ' {
			return nil, false
		}
		i++
		vstart := i
		if i = skipValue(rest, i); i < 0 {
			return nil, false
		}
		if _, dup := items[name]; !dup {
			items[name] = rest[vstart:i]
		}
	}
}

// skipValue returns the index just past the value starting at s[i]: a
// parenthesised list (quoted strings inside respected), a quoted string, or
// an atom or number. It returns -1 when the value does not end.
func skipValue(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return skipQuoted(s, i)
	case '(':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				if i = skipQuoted(s, i); i < 0 {
					return -1
				}
				continue
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(s) && s[i] != ' ' && s[i] != ')' {
		i++
	}
	return i
}

// skipQuoted returns the index just past the quoted string starting at
// s[i], or -1.
func skipQuoted(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
