package open

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// maxKeyFile bounds what is read of a mimeapps.list, mimeinfo.cache or
// desktop file: real ones are a few kB, mimeinfo.cache some tens.
const maxKeyFile = 4 << 20

// keyFile is the "desktop entry" file format shared by .desktop files and
// mimeapps.list: [Group] headers, Key=Value lines, # comments. Later
// duplicate keys are ignored, as GLib does.
type keyFile map[string]map[string]string

func readKeyFile(path string) (keyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kf := keyFile{}
	var group map[string]string
	sc := bufio.NewScanner(io.LimitReader(f, maxKeyFile))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[' && line[len(line)-1] == ']':
			name := line[1 : len(line)-1]
			if kf[name] == nil {
				kf[name] = map[string]string{}
			}
			group = kf[name]
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || group == nil {
				continue
			}
			k = strings.TrimSpace(k)
			if _, dup := group[k]; !dup {
				group[k] = strings.TrimSpace(v)
			}
		}
	}
	return kf, sc.Err()
}

// list splits a "a.desktop;b.desktop;" value.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// unescapeString applies the desktop entry spec's escapes for string
// values: \s \n \t \r \\. Unknown escapes keep their backslash, so that
// Exec's own quoting (\" \$ \` inside double quotes) survives for the next
// step.
func unescapeString(v string) string {
	if !strings.ContainsRune(v, '\\') {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			b.WriteByte(v[i])
		}
	}
	return b.String()
}
