package l10n

import (
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// accented maps ASCII letters to look-alikes with marks: still readable,
// plainly not English.
var accented = strings.NewReplacer(
	"a", "á", "b", "ƀ", "c", "ç", "d", "ď", "e", "é", "f", "ƒ", "g", "ĝ", "h", "ĥ", "i", "í",
	"j", "ĵ", "k", "ķ", "l", "ĺ", "m", "ɱ", "n", "ñ", "o", "ó", "p", "þ", "q", "ǫ", "r", "ŕ",
	"s", "š", "t", "ţ", "u", "ú", "v", "ṽ", "w", "ŵ", "x", "ẋ", "y", "ý", "z", "ž",
	"A", "Á", "B", "Ɓ", "C", "Ç", "D", "Ď", "E", "É", "F", "Ƒ", "G", "Ĝ", "H", "Ĥ", "I", "Í",
	"J", "Ĵ", "K", "Ķ", "L", "Ĺ", "M", "Ṁ", "N", "Ñ", "O", "Ó", "P", "Þ", "Q", "Ǫ", "R", "Ŕ",
	"S", "Š", "T", "Ţ", "U", "Ú", "V", "Ṽ", "W", "Ŵ", "X", "Ẋ", "Y", "Ý", "Z", "Ž",
)

// PseudoOpen and PseudoClose wrap every pseudo-locale message, so a test can
// tell translated text from text that bypassed the catalogue.
const (
	PseudoOpen  = "⟦"
	PseudoClose = "⟧"
)

// pseudoMessage is m with its text accented and wrapped; placeholders
// ({{.Name}}) are kept as they are.
func pseudoMessage(m *i18n.Message) *i18n.Message {
	p := *m
	for _, s := range []*string{&p.Zero, &p.One, &p.Two, &p.Few, &p.Many, &p.Other} {
		if *s != "" {
			*s = PseudoOpen + pseudoText(*s) + PseudoClose
		}
	}
	return &p
}

func pseudoText(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(accented.Replace(s))
			return b.String()
		}
		b.WriteString(accented.Replace(s[:i]))
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		b.WriteString(s[i : i+j+2])
		s = s[i+j+2:]
	}
}
