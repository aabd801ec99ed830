package l10n

import (
	"os"
	"strings"

	"golang.org/x/text/language"
)

// FromEnv reads the user's languages from the environment as gettext does:
// the locale is the first set of LC_ALL, LC_MESSAGES and LANG; in the C or
// POSIX locale (with or without a codeset, "C.UTF-8") the answer is nil
// (English) and LANGUAGE is ignored; otherwise LANGUAGE's colon-separated
// list comes first, then the locale. Entries are BCP 47: "de_DE.UTF-8@euro"
// becomes "de-DE".
func FromEnv(getenv func(string) string) []string {
	var locale string
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(k); locale != "" {
			break
		}
	}
	if isCLocale(locale) {
		return nil
	}
	var out []string
	for _, l := range strings.Split(getenv("LANGUAGE"), ":") {
		if l = posixToBCP47(l); l != "" && !isCLocale(l) {
			out = append(out, l)
		}
	}
	if l := posixToBCP47(locale); l != "" {
		out = append(out, l)
	}
	return out
}

// isCLocale: "C", "POSIX", "C.UTF-8", "C.utf8", "POSIX@x".
func isCLocale(l string) bool {
	l, _, _ = strings.Cut(l, "@")
	l, _, _ = strings.Cut(l, ".")
	return l == "C" || l == "POSIX"
}

// posixToBCP47 turns "pt_BR.UTF-8@euro" into "pt-BR".
func posixToBCP47(l string) string {
	l, _, _ = strings.Cut(l, "@")
	l, _, _ = strings.Cut(l, ".")
	return strings.ReplaceAll(strings.TrimSpace(l), "_", "-")
}

// Resolve picks the user's locale for a preference and the system's
// languages: the first wanted entry whose language the catalogue speaks
// ("de-AT" when the system says de_AT; "pt-BR"), for Use. pref is
// config.json's "language": "" means the system's (System), else a tag
// such as "de" or "pt-BR", tried first. Nothing usable gives English.
func Resolve(pref string, system []string) language.Tag {
	wanted := system
	if pref != "" {
		wanted = append([]string{pref}, system...)
	}
	cat := index.resolve(wanted)
	if cat == Pseudo {
		return Pseudo
	}
	for _, w := range wanted {
		if t, err := language.Parse(w); err == nil && index.resolve([]string{w}) == cat && base(t) == base(cat) {
			return t
		}
	}
	return cat
}

// System is FromEnv(os.Getenv), falling back to the OS's own setting where
// the environment says nothing (Windows, macOS).
func System() []string {
	if l := FromEnv(os.Getenv); l != nil || envSaysC(os.Getenv) {
		return l
	}
	return osLocales()
}

func envSaysC(getenv func(string) string) bool {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			return isCLocale(v)
		}
	}
	return false
}

func (c *Catalog) resolve(wanted []string) language.Tag {
	var tags []language.Tag
	for _, w := range wanted {
		t, err := language.Parse(w)
		if err != nil {
			continue // an odd entry ("C", "") is skipped, not reported
		}
		if len(tags) == 0 && t == Pseudo {
			return Pseudo
		}
		tags = append(tags, t)
	}
	if len(tags) == 0 {
		return English
	}
	_, i, conf := language.NewMatcher(c.tags).Match(tags...)
	if conf == language.No {
		return English
	}
	return c.tags[i]
}
