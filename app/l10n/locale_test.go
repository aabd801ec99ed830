package l10n

import (
	"slices"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{}, nil},
		{map[string]string{"LANG": "C.UTF-8"}, nil},
		{map[string]string{"LANG": "C", "LANGUAGE": "de"}, nil}, // gettext ignores LANGUAGE in the C locale
		{map[string]string{"LANG": "POSIX"}, nil},
		{map[string]string{"LANG": "de_DE.UTF-8"}, []string{"de-DE"}},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, []string{"fr-FR"}},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_MESSAGES": "fr_FR", "LC_ALL": "pl_PL.UTF-8@euro"}, []string{"pl-PL"}},
		{map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "pt_BR:pt:en"}, []string{"pt-BR", "pt", "en", "en-US"}},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, nil},
	} {
		if got := FromEnv(env(c.env)); !slices.Equal(got, c.want) {
			t.Errorf("FromEnv(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		pref   string
		system []string
		want   string
	}{
		{"", nil, "en"},
		{"", []string{"xx-YY"}, "en"},
		{"", []string{"tlh"}, "en"},         // Klingon: no catalogue
		{"", []string{"sv-SE", "en"}, "en"}, // Swedish missing, English next
		{"", []string{"en-GB"}, "en-GB"},    // the region stays for dates and clocks
		{"", []string{"C"}, "en"},
		{"", []string{"en-XA"}, "en-XA"},
	} {
		if got := Resolve(c.pref, c.system).String(); got != c.want {
			t.Errorf("Resolve(%q, %q) = %s, want %s", c.pref, c.system, got, c.want)
		}
	}
}
