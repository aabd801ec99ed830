package l10n

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Args are a message's named placeholders: {{.Account}} takes
// Args{"Account": name}. N adds Count itself.
type Args map[string]any

// printer is one language's localizer and collator.
type printer struct {
	tag    language.Tag // the catalogue's language: de
	locale language.Tag // the user's, for numbers, clocks and dates: de-AT
	loc    *i18n.Localizer
	all    bool              // every part parsed, not only firstParts
	mu     sync.Mutex        // collate.Collator is not safe for concurrent use
	coll   *collate.Collator // made on the first Compare
}

var current atomic.Pointer[printer]

func init() { Use(English) }

// Use makes locale (as Resolve gives it: "de-AT", "en-GB", "pt-BR") the
// process's language: every T and N after it speaks the catalogue's
// closest language, and numbers, clocks, dates and sorting follow locale
// itself. A locale the catalogue has no language for speaks English.
func Use(locale language.Tag) { current.Store(newPrinter(locale, false)) }

func newPrinter(locale language.Tag, all bool) *printer {
	tag := index.resolve([]string{locale.String()})
	if tag == English && base(locale) != "en" {
		locale = English
	}
	return &printer{
		tag:    tag,
		locale: locale,
		all:    all,
		loc:    i18n.NewLocalizer(bundleFor(tag, all), tag.String()),
	}
}

// Current is the locale in use (the one Use was given, or English).
func Current() language.Tag { return current.Load().locale }

// Lang is the catalogue language T and N speak now ("de" for de-AT).
func Lang() language.Tag { return current.Load().tag }

// T is the message id in the current language, placeholders filled from
// args (at most one Args). An unknown id gives the id itself, logged: the
// catalogue test makes sure no call site names one.
func T(id string, args ...Args) string {
	return localize(id, nil, args)
}

// N is the plural message id for count (one/few/many/other as the
// language's CLDR rules say); {{.Count}} is count, written the language's
// way (Number).
func N(id string, count int, args ...Args) string {
	return localize(id, count, args)
}

func localize(id string, count any, args []Args) string {
	p := current.Load()
	data := map[string]any{}
	for _, a := range args {
		for k, v := range a {
			data[k] = v
		}
	}
	if n, ok := count.(int); ok {
		data["Count"] = p.number(n)
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	var missing *i18n.MessageNotFoundErr
	if s == "" && errors.As(err, &missing) && !p.all {
		// An id of a part not parsed yet (the windows'): parse them all,
		// once, for this language and whatever Use sets later.
		full := newPrinter(p.locale, true)
		current.CompareAndSwap(p, full)
		p = full
		s, err = p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	}
	if err != nil {
		if !errors.As(err, &missing) || s == "" {
			slog.Warn("l10n: message", "id", id, "lang", p.tag.String(), "err", err)
		}
		if s == "" {
			return id
		}
	}
	return s
}

// bundleFor is English plus tag parsed, firstParts or all. English's
// firstParts alone are index's.
func bundleFor(tag language.Tag, all bool) *i18n.Bundle {
	if all {
		return mustLoad(locales, "locales", nil, tag).bundle
	}
	if tag == English {
		return index.bundle
	}
	return mustLoad(locales, "locales", firstParts, tag).bundle
}
