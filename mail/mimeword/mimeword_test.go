package mimeword

import (
	"strings"
	"testing"
)

func TestDecoderKnowsCharsetsAndRFC2231(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=?koi8-r?B?8NLJ18XULCDNydI=?= =?GB2312?B?xOO6w6OsysC95w==?=", "Привет, мир你好，世界"},
		{"=?UTF-8*en?Q?hello?=", "hello"},
		{"=?ISO-8859-1*fr?Q?Caf=E9?=", "Café"},
		{"=?Shift_JIS*ja?B?k/qWe4zq?=", "日本語"},
	} {
		got, err := Decoder().DecodeHeader(c.in)
		if err != nil || got != c.want {
			t.Errorf("DecodeHeader(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
		if got := Decode(c.in); got != c.want {
			t.Errorf("Decode(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestDecodeIsTolerant(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"no words", "no words"},
		{"=?x-bogus?Q?a?= =?UTF-8?Q?b=C3=A9?=", "=?x-bogus?Q?a?= bé"},
		{"=?UTF-8?B?!!!?= ok", "=?UTF-8?B?!!!?= ok"},
		{"=?UTF-8?Q?Quarterly_?= \r\n =?UTF-8?Q?report?=", "Quarterly report"},
		{"Re: =?UTF-8?Q?caf=C3=A9?= tomorrow", "Re: café tomorrow"},
		{"=?UTF-8?Q?abc", "=?UTF-8?Q?abc"},
	} {
		if got := Decode(c.in); got != c.want {
			t.Errorf("Decode(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestWordAtAndDecodable(t *testing.T) {
	s := "x =?UTF-8?Q?a?= =?x-bogus?Q?b?= =?oops"
	if end, ok := WordAt(s, 2); !ok || s[2:end] != "=?UTF-8?Q?a?=" {
		t.Errorf("WordAt(2) = %d, %v", end, ok)
	}
	if _, ok := WordAt(s, 0); ok {
		t.Error("WordAt(0) found a word at 'x'")
	}
	i := strings.Index(s, "=?x-bogus")
	if _, ok := WordAt(s, i); !ok {
		t.Error("WordAt: the unknown-charset word has the shape of a word")
	}
	if _, ok := Decodable(s, i); ok {
		t.Error("Decodable: an unknown charset decodes")
	}
	if _, ok := WordAt(s, strings.Index(s, "=?oops")); ok {
		t.Error("WordAt: an unterminated word")
	}
	if _, ok := WordAt(s, len(s)+3); ok {
		t.Error("WordAt past the end")
	}
}
