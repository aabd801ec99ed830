package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanDecodes(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"utf-8 base64", "=?UTF-8?B?R3LDvMOfZSDwn5GLIGF1cyBLw7Zsbg==?=", "Grüße 👋 aus Köln"},
		{"utf-8 lower case", "=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"},
		{"iso-8859-1 Q", "=?ISO-8859-1?Q?Caf=E9_cr=E8me?=", "Café crème"},
		{"windows-1252 Q", "=?windows-1252?Q?=93quoted=94_=80?=", "“quoted” €"},
		{"koi8-r B", "=?koi8-r?B?8NLJ18XULCDNydI=?=", "Привет, мир"},
		{"gb2312 B", "=?GB2312?B?xOO6w6OsysC95w==?=", "你好，世界"},
		{"rfc 2231 language", "=?UTF-8*en?Q?hello?=", "hello"},
		{"adjacent words join", "=?UTF-8?Q?Quarterly_?= \r\n =?UTF-8?Q?report?=", "Quarterly report"},
		{"text around words", "Re: =?UTF-8?Q?caf=C3=A9?= tomorrow", "Re: café tomorrow"},
		{"unknown charset kept raw", "=?x-no-such-charset?Q?abc?=", "=?x-no-such-charset?Q?abc?="},
		{"unknown charset does not spoil the rest", "=?x-bogus?Q?a?= =?UTF-8?Q?b=C3=A9?=", "=?x-bogus?Q?a?= bé"},
		{"broken base64 kept raw", "=?UTF-8?B?!!!?= ok", "=?UTF-8?B?!!!?= ok"},
		{"bad encoding letter kept raw", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
		{"unterminated word", "=?UTF-8?Q?abc", "=?UTF-8?Q?abc"},
		{"decoded controls sanitized", "=?UTF-8?Q?a=0Ab=1B[31mc=E2=80=AEd?=", "a b[31mcd"},
		{"decoded invalid utf-8", "=?UTF-8?Q?a=FFb?=", "a\uFFFDb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Clean(c.in, 200); got != c.want {
				t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestCleanSanitizes(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"trim and collapse", "  a \t\t b\r\n\r\nc  ", "a b c"},
		{"no-break and line separators", "a\u00A0\u00A0b\u2028c\u2029d\u0085e", "a b c d e"},
		{"nul and escape", "a\x00b\x1b[2Jc\x7fd", "ab[2Jcd"},
		{"c1 controls", "a\u0080b\u009bc", "abc"},
		{"bidi override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"bidi isolates and marks", "\u2066a\u2067b\u2068c\u2069\u200Ed\u200Fe\u061Cf", "abcdef"},
		{"zero width", "pay\u200Bpal\uFEFF", "paypal"},
		{"zwj emoji kept", "👩\u200D💻", "👩\u200D💻"},
		{"invalid utf-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"combining run capped", "e" + strings.Repeat("\u0301", 50) + "x", "e" + strings.Repeat("\u0301", maxMarks) + "x"},
		{"only invisible", "\u200B\u202E \t", ""},
		{"double encoded stays stable", "=?UTF-8?Q?=3D=3FUTF-8=3FQ=3Fabc=3F=3D?=", "=\u2060?UTF-8?Q?abc?="},
		{"zero width inside =? stays stable", "=\u200B?UTF-8?Q?abc?=", "=\u2060?UTF-8?Q?abc?="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Clean(c.in, 200)
			if got != c.want {
				t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
			}
			if again := Clean(got, 200); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestCleanTruncates(t *testing.T) {
	if got := Clean("abcdef", 3); got != "abc…" {
		t.Errorf("got %q", got)
	}
	if got := Clean("ab cdef", 3); got != "ab…" {
		t.Errorf("trailing space before the ellipsis: got %q", got)
	}
	if got := Clean("abc", 3); got != "abc" {
		t.Errorf("exact fit: got %q", got)
	}
	if got := Clean("äöüß", 2); got != "äö…" {
		t.Errorf("runes, not bytes: got %q", got)
	}
	if got := Clean("abc", 0); got != "" {
		t.Errorf("max 0: got %q", got)
	}
}

// A megabyte subject is cut to a bounded prefix before any work is done.
func TestCleanHugeIsBounded(t *testing.T) {
	huge := strings.Repeat("\u200B", 1<<20/3) + "visible"
	if got := Clean(huge, 200); got != "…" {
		t.Errorf("text past the bounded prefix was looked at: %q", got)
	}
	big := strings.Repeat("=?UTF-8?B?w6k=?= ", 1<<20/17)
	got := Clean(big, SubjectMax)
	if n := utf8.RuneCountInString(got); !strings.HasPrefix(got, "éé") || !strings.HasSuffix(got, "…") || n < 150 || n > SubjectMax+1 {
		t.Errorf("got %d runes %q, want up to %d é and an ellipsis", n, got, SubjectMax)
	}
	// A prefix cut in the middle of a multi-byte rune does not leave U+FFFD.
	odd := "a" + strings.Repeat("€", 2000)
	if got := Clean(odd, 10); strings.ContainsRune(got, utf8.RuneError) {
		t.Errorf("cut inside a rune: %q", got)
	}
	allocs := testing.AllocsPerRun(5, func() { Clean(big, SubjectMax) })
	if allocs > 2000 { // 60,000 encoded words would need about 200,000
		t.Errorf("%v allocations for a 1 MB subject", allocs)
	}
}

func BenchmarkClean1MB(b *testing.B) {
	big := strings.Repeat("=?UTF-8?B?w6k=?= \x1b\u202E", 1<<20/22)
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		Clean(big, SubjectMax)
	}
}

func BenchmarkCleanSubject(b *testing.B) {
	s := "Re: =?UTF-8?Q?Quarterly_report_=E2=80=93_caf=C3=A9?= for the team"
	for b.Loop() {
		Subject(s)
	}
}

func TestSubjectNameSender(t *testing.T) {
	if got := Subject(" \t"); got != "(no subject)" {
		t.Errorf("Subject(blank) = %q", got)
	}
	if got := Subject(strings.Repeat("x", 500)); utf8.RuneCountInString(got) != SubjectMax+1 {
		t.Errorf("Subject not capped at %d: %d runes", SubjectMax, utf8.RuneCountInString(got))
	}
	if got := Name(`"Ann Lee"`); got != "Ann Lee" {
		t.Errorf("Name(quoted) = %q", got)
	}
	if got := Name(strings.Repeat("n", 300)); utf8.RuneCountInString(got) != NameMax+1 {
		t.Errorf("Name not capped: %d runes", utf8.RuneCountInString(got))
	}
	for _, c := range []struct{ name, addr, want string }{
		{"Ann Lee", "ann@example.com", "Ann Lee"},
		{"=?UTF-8?Q?J=C3=B6rg?=", "j@example.com", "Jörg"},
		{"", "ann@example.com", "ann@example.com"},
		{"\u202E\u200B", "bob@example.com\x00", "bob@example.com"},
		{"", "", "(unknown sender)"},
	} {
		if got := Sender(c.name, c.addr); got != c.want {
			t.Errorf("Sender(%q, %q) = %q, want %q", c.name, c.addr, got, c.want)
		}
	}
}

func TestSenderListSummary(t *testing.T) {
	many := []string{"Ann", "Bob"}
	for i := 0; i < 10; i++ {
		many = append(many, "Other")
	}
	for _, c := range []struct {
		names []string
		total int
		want  string
	}{
		{nil, 3, ""},
		{[]string{"", " "}, 2, ""},
		{[]string{"Ann"}, 1, "from Ann"},
		{[]string{"Ann", "Ann", "Ann"}, 3, "from Ann"},
		{[]string{"Ann", "Bob"}, 2, "from Ann and Bob"},
		{[]string{"Ann", "Bob", "Ann"}, 3, "from Ann and Bob"},
		{[]string{"Ann"}, 5, "from Ann and 4 more"},
		{many, 12, "from Ann, Bob and 10 more"},
		{[]string{"Ann\u202E", "\x1bBob"}, 4, "from Ann, Bob and 2 more"},
	} {
		if got := SenderList(c.names, c.total); got != c.want {
			t.Errorf("SenderList(%q, %d) = %q, want %q", c.names, c.total, got, c.want)
		}
	}
	long := SenderList([]string{strings.Repeat("a", 500), strings.Repeat("b", 500)}, 9)
	if n := utf8.RuneCountInString(long); n > 2*listNameMax+30 {
		t.Errorf("sender list too long: %d runes", n)
	}
	for _, c := range []struct {
		n       int
		account string
		want    string
	}{
		{12, "Work", "12 new messages in Work"},
		{1, "Work", "1 new message in Work"},
		{4, "", "4 new messages"},
		{2, "W\x00ork\u202E", "2 new messages in Work"},
	} {
		if got := Summary(c.n, c.account); got != c.want {
			t.Errorf("Summary(%d, %q) = %q, want %q", c.n, c.account, got, c.want)
		}
	}
}

// checkClean asserts what every output of Clean must satisfy.
func checkClean(t *testing.T, in string, max int) {
	t.Helper()
	out := Clean(in, max)
	if !utf8.ValidString(out) {
		t.Fatalf("Clean(%q, %d) = %q: invalid UTF-8", in, max, out)
	}
	if n := utf8.RuneCountInString(out); n > max+1 {
		t.Fatalf("Clean(%q, %d) = %q: %d runes", in, max, out, n)
	}
	if strings.HasPrefix(out, " ") || strings.HasSuffix(out, " ") || strings.Contains(out, "  ") {
		t.Fatalf("Clean(%q, %d) = %q: untrimmed or doubled spaces", in, max, out)
	}
	for _, r := range out {
		if unicode.IsControl(r) || removed(r) || (unicode.IsSpace(r) && r != ' ') {
			t.Fatalf("Clean(%q, %d) = %q: contains %U", in, max, out, r)
		}
	}
	if again := Clean(out, max); again != out {
		t.Fatalf("not idempotent: Clean(%q, %d) = %q, then %q", in, max, out, again)
	}
}

func FuzzClean(f *testing.F) {
	// More seeds are in testdata/fuzz/FuzzClean; these are too big to commit.
	// One 1 MB subject; the others are smaller (still past the bounded
	// prefix) because the fuzzing engine mutates large inputs slowly.
	f.Add(strings.Repeat("=?UTF-8?B?w6k=?= ", 1<<20/17))
	f.Add(strings.Repeat("\u202E\x00\t", 1<<13))
	f.Add(strings.Repeat("=?", 1<<14))
	f.Add(strings.Repeat("=?a?Q?b?", 1<<12))
	f.Fuzz(func(t *testing.T, s string) {
		for _, max := range []int{1, 7, SubjectMax} {
			checkClean(t, s, max)
		}
	})
}
