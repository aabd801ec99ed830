package autostart

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// parseExec reads an Exec value the way the Desktop Entry Specification
// says a launcher must: undo the string escapes, then split into
// arguments honouring double quotes, then turn %% into %.
func parseExec(value string) ([]string, error) {
	// String-level escapes first.
	var s strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c != '\\' {
			s.WriteByte(c)
			continue
		}
		if i+1 == len(value) {
			return nil, errors.New("dangling backslash")
		}
		i++
		switch value[i] {
		case '\\':
			s.WriteByte('\\')
		case 's':
			s.WriteByte(' ')
		case 'n':
			s.WriteByte('\n')
		case 't':
			s.WriteByte('\t')
		case 'r':
			s.WriteByte('\r')
		default:
			return nil, errors.New("unknown string escape")
		}
	}
	line := s.String()
	var args []string
	var cur strings.Builder
	inArg, inQuote := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inQuote && c == '\\':
			if i+1 == len(line) || !strings.ContainsRune("\"`$\\", rune(line[i+1])) {
				return nil, errors.New("bad escape in quotes")
			}
			i++
			cur.WriteByte(line[i])
		case inQuote && c == '"':
			inQuote = false
		case c == '%': // field-code escape, quoted or not
			if i+1 == len(line) || line[i+1] != '%' {
				return nil, errors.New("field code")
			}
			i++
			cur.WriteByte('%')
			inArg = true
		case inQuote:
			cur.WriteByte(c)
		case c == '"':
			inQuote, inArg = true, true
		case c == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case strings.ContainsRune(execReserved, rune(c)):
			return nil, errors.New("unquoted reserved character " + string(c))
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inQuote {
		return nil, errors.New("unterminated quote")
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

var hostileArgs = []string{
	"/opt/Mail Bell/bin/mailbell", "plain", "with space", `quote"q`, `back\slash`,
	"dollar$HOME", "100%", "%u", "tick`id`", "semi;colon", "~", "*?", "#hash", "(p)",
	"'single'", "", "ünïcödé", "a=b", "<>|&", "50% \"off\" %%",
}

func TestExecLineRoundTrip(t *testing.T) {
	line, err := execLine(hostileArgs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseExec(line)
	if err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	if !reflect.DeepEqual(got, hostileArgs) {
		t.Fatalf("Exec=%s\nparsed %q\nwant   %q", line, got, hostileArgs)
	}
	// Known shapes.
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/mailbell"}, "/usr/bin/mailbell"},
		{[]string{"/usr/bin/mailbell", "--config-dir", "/home/ann/My Mail"}, `/usr/bin/mailbell --config-dir "/home/ann/My Mail"`},
		{[]string{"/a", `x\y`}, `/a "x\\\\y"`},
		{[]string{"/a", "50%"}, `/a 50%%`},
		{[]string{"/a", `"$`}, `/a "\\"\\$"`},
	} {
		if got, err := execLine(tc.argv); err != nil || got != tc.want {
			t.Errorf("execLine(%q) = %s, %v; want %s", tc.argv, got, err, tc.want)
		}
	}
}

func TestExecLineRefuses(t *testing.T) {
	for _, argv := range [][]string{
		nil, {""}, {"/opt/a=b/mailbell"}, {"/a", "new\nline"}, {"/a", "tab\t"}, {"/a", "\x1b[31m"}, {"/a", "\xff"},
	} {
		if got, err := execLine(argv); err == nil {
			t.Errorf("execLine(%q) = %q, want an error", argv, got)
		}
	}
}

func FuzzExecLine(f *testing.F) {
	for _, a := range hostileArgs {
		f.Add("/usr/bin/mailbell", a, "x")
	}
	f.Fuzz(func(t *testing.T, prog, a, b string) {
		argv := []string{prog, a, b}
		line, err := execLine(argv)
		for _, s := range argv {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
				if err == nil {
					t.Fatalf("accepted %q", s)
				}
				return
			}
		}
		if prog == "" || strings.Contains(prog, "=") {
			if err == nil {
				t.Fatalf("accepted program %q", prog)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseExec(line)
		if err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		if !reflect.DeepEqual(got, argv) {
			t.Fatalf("Exec=%s parsed %q, want %q", line, got, argv)
		}
	})
}

func TestEntryEnabled(t *testing.T) {
	for content, want := range map[string]bool{
		"[Desktop Entry]\nExec=x\n":                                           true,
		"[Desktop Entry]\nHidden=true\n":                                      false,
		"[Desktop Entry]\nHidden=false\n":                                     true,
		"[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n":                  false,
		"[Desktop Entry]\nExec=x\n[Desktop Action a]\nHidden=true\n":          true,
		"# c\n[Desktop Entry]\n  X-GNOME-Autostart-enabled = false  \nExec=x": false,
	} {
		if got := entryEnabled(content); got != want {
			t.Errorf("entryEnabled(%q) = %v", content, got)
		}
	}
}
