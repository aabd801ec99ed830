package l10n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func forms(m *i18n.Message) map[plural.Form]string {
	out := map[plural.Form]string{}
	for f, s := range map[plural.Form]string{plural.Zero: m.Zero, plural.One: m.One, plural.Two: m.Two, plural.Few: m.Few, plural.Many: m.Many, plural.Other: m.Other} {
		if s != "" {
			out[f] = s
		}
	}
	return out
}

func placeholders(m *i18n.Message) []string {
	var out []string
	for _, s := range forms(m) {
		for _, p := range placeholder.FindAllStringSubmatch(s, -1) {
			out = append(out, p[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// cardinalForms are the plural forms a language uses for whole numbers,
// by CLDR's rules as x/text has them (not go-i18n's copy).
func cardinalForms(tag language.Tag) []plural.Form {
	var out []plural.Form
	for n := 0; n <= 1000; n++ {
		f := plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func TestCatalogueComplete(t *testing.T) {
	en := catalog.Messages(English)
	if len(en) == 0 {
		t.Fatal("no English messages")
	}
	for _, tag := range catalog.Tags() {
		msgs := catalog.Messages(tag)
		for id, m := range en {
			if part := catalog.partOf[id]; !catalog.parts[tag.String()][part] {
				// A part not begun for this language is reported by
				// TestEveryPartTranslated, not key by key.
				continue
			}
			tr, ok := msgs[id]
			if !ok {
				t.Errorf("%s: %q missing (English: %q)", tag, id, m.Other)
				continue
			}
			if got, want := placeholders(tr), placeholders(m); !slices.Equal(got, want) {
				t.Errorf("%s: %q has placeholders %v, English %v", tag, id, got, want)
			}
			isPlural := m.One != ""
			fs := forms(tr)
			if !isPlural {
				if len(fs) != 1 || fs[plural.Other] == "" {
					t.Errorf("%s: %q is a plain message in English but has plural forms here", tag, id)
				}
				continue
			}
			for _, f := range cardinalForms(tag) {
				if fs[f] == "" {
					t.Errorf("%s: %q lacks its plural form %v", tag, id, f)
				}
			}
		}
		for id := range msgs {
			if _, ok := en[id]; !ok {
				t.Errorf("%s: %q is not in English", tag, id)
			}
		}
	}
}

// TestEveryPartTranslated: every language has a file for every part
// English has (core, window, common).
func TestEveryPartTranslated(t *testing.T) {
	for _, tag := range catalog.Tags() {
		for part := range catalog.parts[English.String()] {
			if !catalog.parts[tag.String()][part] {
				t.Errorf("%s has no locales/%s.%s.json: translate locales/%s.en.json (README \"Languages\")", tag, part, tag, part)
			}
		}
	}
}

// TestTemplatesExecute: every form of every message parses and fills
// with its placeholders.
func TestTemplatesExecute(t *testing.T) {
	for _, tag := range catalog.Tags() {
		for id, m := range catalog.Messages(tag) {
			data := map[string]any{}
			for _, p := range placeholders(m) {
				data[p] = "x"
			}
			for f, s := range forms(m) {
				tpl, err := template.New(id).Option("missingkey=error").Parse(s)
				if err == nil {
					err = tpl.Execute(&strings.Builder{}, data)
				}
				if err != nil {
					t.Errorf("%s: %q (%v): %v", tag, id, f, err)
				}
			}
		}
	}
}

// TestLanguagesNamed: every catalogue language has its own name for the
// settings list.
func TestLanguagesNamed(t *testing.T) {
	for _, l := range Languages() {
		if names[l.Tag] == "" {
			t.Errorf("%s has no name in names", l.Tag)
		}
	}
}

var callSite = regexp.MustCompile(`(?:l10n\.|[^.\w])(?:T|N)\(\s*"([^"]+)"`)

// TestCallSitesKnown: every message id written literally at a call site
// (l10n.T("…"), l10n.N("…", …)) is in the English catalogue.
func TestCallSitesKnown(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	en := catalog.Messages(English)
	seen := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range callSite.FindAllStringSubmatch(string(b), -1) {
			seen++
			if _, ok := en[m[1]]; !ok {
				rel, _ := filepath.Rel(root, p)
				t.Errorf("%s: l10n id %q is not in locales/*.en.json", rel, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("found no l10n call sites: the scan is broken")
	}
}
