package l10n

import (
	"os"
	"strings"

	"golang.org/x/text/language"
)

// EnvLang carries the core's resolved locale to the window process, so
// both speak the language of the user's preference (which the window does
// not read itself) and the window's Fyne sees no C locale.
const EnvLang = "MAILBELL_LANG"

// ChildEnv is env for a window process speaking locale: EnvLang set, and
// LANGUAGE set to it so Fyne's own words (dialog buttons) follow and Fyne
// never parses "C.UTF-8" (which it logs as an error).
func ChildEnv(env []string, locale language.Tag) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if !strings.HasPrefix(kv, EnvLang+"=") && !strings.HasPrefix(kv, "LANGUAGE=") {
			out = append(out, kv)
		}
	}
	l := locale
	if l == Pseudo {
		l = English
	}
	return append(out, EnvLang+"="+locale.String(), "LANGUAGE="+strings.ReplaceAll(l.String(), "-", "_"))
}

// FromProcess is the locale a window process speaks: the core's (EnvLang)
// when it started us, else the system's.
func FromProcess() language.Tag {
	if v := os.Getenv(EnvLang); v != "" {
		if t, err := language.Parse(v); err == nil {
			return Resolve(t.String(), nil)
		}
	}
	return Resolve("", System())
}
