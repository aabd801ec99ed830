// Package text turns what a mail server sends (subjects, display names,
// addresses, folder names) into text that is safe to show in a notification,
// a window or on stdout.
//
// A header is hostile input: it may hold MIME encoded words in any charset,
// invalid UTF-8, control characters that move a terminal's cursor, bidi
// overrides that make "exe.pdf" read "fdp.exe", zero-width characters, or a
// megabyte of text. Clean decodes the encoded words (with mail/mimeword,
// the decoder the IMAP client hands go-imap too, so a header reads the same
// whichever path it took), then keeps only printable text, collapses
// whitespace and caps the length. Its output is a
// fixed point: Clean(Clean(s, n), n) == Clean(s, n).
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"mailbell/app/l10n"
	"mailbell/mail/mimeword"
)

// Caps in runes for the helpers below.
const (
	SubjectMax = 200
	NameMax    = 100
	// listNameMax keeps one name in a summary's sender list short, so that the
	// summary's body still fits a notification bubble.
	listNameMax = 40
)

// maxMarks caps a run of combining marks on one base character. Real scripts
// stack a few; "Zalgo" text stacks hundreds and draws over other lines.
const maxMarks = 8

// wordJoiner is an invisible character that Clean keeps. It is put between
// "=" and "?" of an encoded word that is still decodable after decoding and
// sanitizing (a double-encoded subject, or one whose "=?" was split by a
// zero-width space), so that a second Clean does not decode it again.
const wordJoiner = '\u2060'

// Clean decodes any MIME encoded words left in s and returns it as one line
// of at most max runes of printable text, plus "…" when it was cut. Encoded
// words in an unknown charset or with a broken encoding stay as they are.
// max < 1 yields "".
func Clean(s string, max int) string {
	if max < 1 {
		return ""
	}
	// Never look at more than a bounded prefix: a 1 MB subject costs the same
	// as a 3 KB one. 16 bytes per rune leaves room for 4-byte runes and for
	// encoded words (about 3 bytes of Q-encoding per byte of text) and for
	// characters that are removed.
	capped := false
	if limit := 16 * max; len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s, capped = s[:cut], true
	}
	s = mimeword.Decode(s)
	s = sanitize(s)
	s = neutralize(s)
	return truncate(s, max, capped)
}

// Subject is a cleaned subject line; "(no subject)" (in the current language) when there is none.
func Subject(s string) string {
	if c := Clean(s, SubjectMax); c != "" {
		return c
	}
	return l10n.T("text.no_subject")
}

// Name is a cleaned display name (of a sender, an account or a folder),
// without the quotes some mailers leave around it.
func Name(s string) string {
	return clip(s, NameMax)
}

func clip(s string, max int) string {
	c := Clean(s, max)
	for len(c) >= 2 && (c[0] == '"' && c[len(c)-1] == '"' || c[0] == '\'' && c[len(c)-1] == '\'') {
		c = strings.TrimSpace(c[1 : len(c)-1])
	}
	return c
}

// Sender is what to show for a message's sender: the display name if there
// is one, else the address, else "(unknown sender)".
func Sender(name, addr string) string {
	if n := Name(name); n != "" {
		return n
	}
	if a := Clean(addr, NameMax); a != "" {
		return a
	}
	return l10n.T("text.unknown_sender")
}

// SenderList is the body of a summary notification, in the current
// language: "from Ann, Bob and 10 more". names holds one sender per message, in order (already through
// Sender or raw; they are cleaned here), and total is the number of messages.
// At most two distinct names are shown; "more" counts the other messages.
// It returns "" when there is no name.
func SenderList(names []string, total int) string {
	var shown []string
	covered := 0
	for _, raw := range names {
		n := clip(raw, listNameMax)
		if n == "" {
			continue
		}
		seen := false
		for _, s := range shown {
			if s == n {
				seen = true
				break
			}
		}
		switch {
		case seen:
			covered++
		case len(shown) < 2:
			shown = append(shown, n)
			covered++
		}
	}
	if len(shown) == 0 {
		return ""
	}
	more := total - covered
	switch {
	case more > 0 && len(shown) == 2:
		return l10n.N("notify.from_two_more", more, l10n.Args{"First": shown[0], "Second": shown[1]})
	case more > 0:
		return l10n.N("notify.from_one_more", more, l10n.Args{"First": shown[0]})
	case len(shown) == 2:
		return l10n.T("notify.from_two", l10n.Args{"First": shown[0], "Second": shown[1]})
	}
	return l10n.T("notify.from_one", l10n.Args{"Name": shown[0]})
}

// Held says why a summary's messages waited: they did not (HeldNot), a
// pause held them, or quiet hours did. The summary's title says so.
type Held int

const (
	HeldNot Held = iota
	HeldPaused
	HeldQuiet
)

// Summary is the title of a summary notification, in the current language:
// "12 new messages in Work", or "12 new messages" without an account name.
func Summary(n int, account string) string { return HeldSummary(n, account, HeldNot) }

// HeldSummary is Summary for messages that waited: "12 new messages in
// Work while paused", "… during quiet hours". Each is a whole sentence of
// the catalogue, plural by n.
func HeldSummary(n int, account string, why Held) string {
	a := Name(account)
	if a == "" {
		switch why {
		case HeldPaused:
			return l10n.N("notify.summary_all_paused", n)
		case HeldQuiet:
			return l10n.N("notify.summary_all_quiet", n)
		}
		return l10n.N("notify.summary_all", n)
	}
	args := l10n.Args{"Account": a}
	switch why {
	case HeldPaused:
		return l10n.N("notify.summary_paused", n, args)
	case HeldQuiet:
		return l10n.N("notify.summary_quiet", n, args)
	}
	return l10n.N("notify.summary", n, args)
}

// AccountsSummary is the title of a summary of n messages across
// accounts (2 or more): "12 new messages in 3 accounts", with why's ending.
func AccountsSummary(n, accounts int, why Held) string {
	args := l10n.Args{"Accounts": l10n.Number(accounts)}
	switch why {
	case HeldPaused:
		return l10n.N("notify.summary_accounts_paused", n, args)
	case HeldQuiet:
		return l10n.N("notify.summary_accounts_quiet", n, args)
	}
	return l10n.N("notify.summary_accounts", n, args)
}

// neutralize puts a word joiner into every encoded word that would still
// decode, so that cleaning the result again changes nothing. Putting it
// between "=" and "?" keeps the text as it reads.
func neutralize(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	copied := 0
	for pos := 0; pos < len(s); {
		i := strings.Index(s[pos:], "=?")
		if i < 0 {
			break
		}
		start := pos + i
		pos = start + 2
		if _, ok := mimeword.Decodable(s, start); !ok {
			continue
		}
		b.WriteString(s[copied : start+1])
		b.WriteRune(wordJoiner)
		copied = start + 1
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// removed reports characters dropped without a trace: bidi controls (they
// reorder what follows them and can disguise a sender or a file name) and
// invisible characters with no use in a one-line label.
func removed(r rune) bool {
	switch {
	case r == '\u200B', r == '\uFEFF', // zero width space, BOM / zero width no-break space
		r == '\u200E', r == '\u200F', r == '\u061C', // LRM, RLM, Arabic letter mark
		r >= '\u202A' && r <= '\u202E', // LRE, RLE, PDF, LRO, RLO
		r >= '\u2066' && r <= '\u2069', // LRI, RLI, FSI, PDI
		r >= '\u2061' && r <= '\u2064', // invisible math operators
		r >= '\u206A' && r <= '\u206F', // deprecated format characters
		r >= '\uFFF9' && r <= '\uFFFB', // interlinear annotation
		r == '\u180E':                  // Mongolian vowel separator
		return true
	}
	return false
}

// sanitize keeps printable text on one line: invalid UTF-8 becomes U+FFFD,
// any whitespace (tab, newline, no-break space, line separator…) a single
// space, other control characters and the removed set disappear, long runs
// of combining marks are cut, and the ends are trimmed.
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is pending: written before the next visible rune
	marks := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			marks = 0
			continue
		case r < 0x20 || (r >= 0x7F && r <= 0x9F) || removed(r):
			continue
		case unicode.In(r, unicode.Mn, unicode.Me):
			if marks++; marks > maxMarks {
				continue
			}
		default:
			marks = 0
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r) // U+FFFD for invalid UTF-8
	}
	return b.String()
}

// truncate caps s at max runes and marks a cut with "…".
func truncate(s string, max int, cut bool) string {
	if utf8.RuneCountInString(s) > max {
		n := 0
		for i := range s {
			if n == max {
				s = s[:i]
				break
			}
			n++
		}
		cut = true
	}
	if !cut {
		return s
	}
	return strings.TrimRight(s, " ") + "…"
}
