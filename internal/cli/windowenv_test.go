package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"mailbell/app/l10n"
)

// envValue is the last value of key in env ("" and false without one).
func envValue(env []string, key string) (string, bool) {
	v, ok := "", false
	for _, kv := range env {
		if k, val, _ := strings.Cut(kv, "="); k == key {
			v, ok = val, true
		}
	}
	return v, ok
}

// TestWindowEnv: the window process the core starts gets the core's
// language (MAILBELL_LANG, and LANGUAGE for Fyne's own words) in place of
// any the core's environment had, with the socket and the config folder.
func TestWindowEnv(t *testing.T) {
	t.Cleanup(func() { l10n.Use(language.English) })
	for _, c := range []struct{ use, lang, language string }{
		{"en-GB", "en-GB", "en_GB"}, // a region of its own; German is not in the catalogue yet
		{"en", "en", "en"},
		{"en-XA", "en-XA", "en"},
	} {
		l10n.Use(language.MustParse(c.use))
		env := windowEnv([]string{"LANG=C.UTF-8", "LANGUAGE=fr", "MAILBELL_LANG=ru", "HOME=/h"}, "/run/s.sock", "/cfg")
		for key, want := range map[string]string{
			l10n.EnvLang: c.lang, "LANGUAGE": c.language, "LANG": "C.UTF-8", "HOME": "/h",
			"MAILBELL_SOCKET": "/run/s.sock", "MAILBELL_CONFIG_DIR": "/cfg",
		} {
			if got, ok := envValue(env, key); !ok || got != want {
				t.Errorf("%s: %s=%q (set %v), want %q in %q", c.use, key, got, ok, want, env)
			}
		}
		n := 0
		for _, kv := range env {
			if k, _, _ := strings.Cut(kv, "="); k == "LANGUAGE" || k == l10n.EnvLang {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%s: LANGUAGE and %s set %d times in all: %q", c.use, l10n.EnvLang, n, env)
		}
	}
}

// TestExecWindowEnv: `mailbell window` passes the language of config.json's
// preference, else the system's.
func TestExecWindowEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"accounts":[],"preferences":{"language":"en-XA"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	system := func() []string { return []string{"en-GB"} }
	for _, args := range [][]string{{"--config-dir", dir}, {"--view", "settings", "--config-dir=" + dir}, {"-config-dir", dir}} {
		env := execWindowEnv([]string{"LANG=C.UTF-8"}, args, system)
		if got, _ := envValue(env, l10n.EnvLang); got != "en-XA" {
			t.Errorf("%q: %s=%q, want the preference en-XA", args, l10n.EnvLang, got)
		}
	}
	env := execWindowEnv([]string{"LANG=C.UTF-8"}, []string{"--config-dir", t.TempDir()}, system)
	if got, _ := envValue(env, l10n.EnvLang); got != "en-GB" {
		t.Errorf("without a config: %s=%q, want the system's en-GB", l10n.EnvLang, got)
	}
	if got, _ := envValue(env, "LANGUAGE"); got != "en_GB" {
		t.Errorf("without a config: LANGUAGE=%q", got)
	}
	if !slices.Contains(env, "LANG=C.UTF-8") {
		t.Errorf("LANG lost: %q", env)
	}
}
