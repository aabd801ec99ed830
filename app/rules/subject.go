package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Subject words match as whole words, case-insensitively, after Unicode
// normalisation (NFC) and full case folding (so "STRASSE" matches "straße"
// and a final sigma matches any sigma).
//
// Whole words rather than plain contains: a person who mutes "sale" does
// not mean "wholesale" or "Salesforce", nor "ass" in "class". The boundary
// is checked only where the word itself starts or ends with a letter or
// digit, so "[golang-nuts]" or "Re:" still match next to anything, and not
// at all in scripts written without spaces (Han, Hiragana, Katakana, Thai,
// …), where "word boundary" has no meaning a plain rule could find: there
// the word matches anywhere, like contains.
type subjectWord struct {
	folded string
	text   string
}

// fold makes a fresh cases.Caser each call: a Caser keeps state and is not
// safe for concurrent use, and an engine may be shared by goroutines.
func fold(s string) string {
	return cases.Fold().String(norm.NFC.String(s))
}

func parseSubjectWord(s string) (subjectWord, bool) {
	t := strings.TrimSpace(s)
	if t == "" || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return subjectWord{}, false
	}
	return subjectWord{folded: fold(t), text: t}, true
}

// in reports whether w occurs as a word in the folded subject.
func (w subjectWord) in(folded string) bool {
	first, _ := utf8.DecodeRuneInString(w.folded)
	last, _ := utf8.DecodeLastRuneInString(w.folded)
	needStart, needEnd := wordy(first) && spaced(first), wordy(last) && spaced(last)
	for from := 0; from <= len(folded); {
		i := strings.Index(folded[from:], w.folded)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(w.folded)
		before, _ := utf8.DecodeLastRuneInString(folded[:i])
		after, _ := utf8.DecodeRuneInString(folded[j:])
		okStart := !needStart || i == 0 || !wordy(before)
		okEnd := !needEnd || j == len(folded) || !wordy(after)
		if okStart && okEnd {
			return true
		}
		_, size := utf8.DecodeRuneInString(folded[i:])
		from = i + size
	}
	return false
}

// wordy: a rune that is part of a word.
func wordy(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_'
}

// spaced: a rune of a script that separates words with spaces.
func spaced(r rune) bool {
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
		unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}
