package l10n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// English is the source language and the fallback for a missing key.
var English = language.English

// Pseudo is the pseudo-locale: English with every letter accented and each
// message wrapped in ⟦ ⟧, so a screen shows at a glance which words did not
// come through the catalogue. Chosen only by name (LANGUAGE=en-XA or the
// preference), never by matching.
var Pseudo = language.MustParse("en-XA")

// names are each language's own name, for the settings window's list.
var names = map[string]string{
	"en":      "English",
	"de":      "Deutsch",
	"es":      "Español",
	"fr":      "Français",
	"it":      "Italiano",
	"ja":      "日本語",
	"nl":      "Nederlands",
	"pl":      "Polski",
	"pt-BR":   "Português (Brasil)",
	"ru":      "Русский",
	"zh-Hans": "简体中文",
}

// Catalog is a parsed set of message files.
type Catalog struct {
	bundle *i18n.Bundle
	tags   []language.Tag                      // languages with at least one file, English first
	msgs   map[string]map[string]*i18n.Message // tag → id → message
	parts  map[string]map[string]bool          // tag → the parts (core, window, …) it has files for
	partOf map[string]string                   // English id → its part
}

// index is the embedded catalogue with only English's first parts parsed
// (firstParts): it knows every language by its files' names, and Use
// parses the one language it needs. Parsing all eleven would hold about
// 4 MB of messages in a background process that speaks one, and the
// windows' part is never needed there. A parse error is a build mistake
// that the package's tests catch.
var index = mustLoad(locales, "locales", firstParts)

// firstParts are parsed at Use; the rest (the windows' part) on the first
// id they hold, so only the window process pays for it.
var firstParts = []string{"common", "core"}

func mustLoad(fsys fs.FS, dir string, parts []string, only ...language.Tag) *Catalog {
	c, err := Load(fsys, dir, parts, only...)
	if err != nil {
		panic(fmt.Sprintf("l10n: %v", err))
	}
	return c
}

// Load reads the PART.TAG.json files in dir: every language is listed
// (Tags), but only the parts named (nil: all) of English and of the
// languages in only are parsed. English must be there; the pseudo-locale
// is made from it when only names it.
func Load(fsys fs.FS, dir string, parts []string, only ...language.Tag) (*Catalog, error) {
	c := &Catalog{
		bundle: i18n.NewBundle(English),
		msgs:   map[string]map[string]*i18n.Message{},
		parts:  map[string]map[string]bool{},
		partOf: map[string]string{},
	}
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.Split(path.Base(f), ".")
		if len(name) != 3 {
			return nil, fmt.Errorf("%s: want NAME.TAG.json", f)
		}
		tag, err := language.Parse(name[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if !slices.Contains(c.tags, tag) {
			c.tags = append(c.tags, tag)
		}
		if tag != English && !slices.Contains(only, tag) || parts != nil && !slices.Contains(parts, name[0]) {
			continue
		}
		buf, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		key := mf.Tag.String()
		if key != tag.String() {
			return nil, fmt.Errorf("%s: go-i18n reads the language as %s", f, key)
		}
		if c.msgs[key] == nil {
			c.msgs[key] = map[string]*i18n.Message{}
		}
		part, _, _ := strings.Cut(path.Base(f), ".")
		if c.parts[key] == nil {
			c.parts[key] = map[string]bool{}
		}
		c.parts[key][part] = true
		for _, m := range mf.Messages {
			if key == English.String() {
				c.partOf[m.ID] = part
			}
			if _, dup := c.msgs[key][m.ID]; dup {
				return nil, fmt.Errorf("%s: %q is defined twice for %s", f, m.ID, key)
			}
			c.msgs[key][m.ID] = m
		}
	}
	en := c.msgs[English.String()]
	if en == nil {
		return nil, fmt.Errorf("%s: no English (*.en.json) files", dir)
	}
	slices.SortFunc(c.tags, func(a, b language.Tag) int {
		switch {
		case a == English:
			return -1
		case b == English:
			return 1
		}
		return strings.Compare(a.String(), b.String())
	})
	if slices.Contains(only, Pseudo) {
		pseudo := make([]*i18n.Message, 0, len(en))
		for _, m := range en {
			pseudo = append(pseudo, pseudoMessage(m))
		}
		if err := c.bundle.AddMessages(Pseudo, pseudo...); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Tags are the catalogue's languages, English first, without the
// pseudo-locale.
func (c *Catalog) Tags() []language.Tag { return slices.Clone(c.tags) }

// Messages are one language's messages by ID (nil if it has none or Load
// was not asked to parse it). The catalogue tests compare them with
// English's.
func (c *Catalog) Messages(tag language.Tag) map[string]*i18n.Message {
	return c.msgs[tag.String()]
}

// Language is one language Mailbell speaks, for the settings window's list.
type Language struct {
	Tag  string // BCP 47, as config.json's "language" holds it
	Name string // its own name: "Deutsch", "日本語"
}

// Languages lists the embedded catalogue's languages, English first.
func Languages() []Language {
	out := make([]Language, 0, len(index.tags))
	for _, t := range index.tags {
		name := names[t.String()]
		if name == "" {
			name = t.String()
		}
		out = append(out, Language{Tag: t.String(), Name: name})
	}
	return out
}

// Known says whether tag names a language of the catalogue (or the
// pseudo-locale), as config.json's "language" may hold it.
func Known(tag string) bool {
	t, err := language.Parse(tag)
	if err != nil {
		return false
	}
	return t == Pseudo || slices.Contains(index.tags, t)
}
