package l10n

import (
	"golang.org/x/text/collate"
	"slices"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Number writes n with the current language's digit grouping: 1,204
// (English), 1.204 (German), 1 204 (French, with a no-break space).
func Number(n int) string { return current.Load().number(n) }

func (p *printer) number(n int) string {
	return message.NewPrinter(plainTag(p.locale)).Sprint(number.Decimal(n))
}

// plainTag: the pseudo-locale writes, dates and sorts as English does.
func plainTag(t language.Tag) language.Tag {
	if t == Pseudo {
		return English
	}
	return t
}

// twelveHour are the regions whose English clocks read 3:04 PM; every
// other locale of the catalogue writes 15:04. A language without a region takes its most likely one (English →
// US), as CLDR does.
var twelveHour = map[string]bool{"US": true, "CA": true, "AU": true, "NZ": true, "PH": true, "IN": true, "PK": true}

// Clock is t's time of day as the current language writes it: "15:04" or
// "3:04 PM".
func Clock(t time.Time) string {
	if uses12h(plainTag(current.Load().locale)) {
		return t.Format("3:04 PM")
	}
	return t.Format("15:04")
}

func uses12h(tag language.Tag) bool {
	r, _ := tag.Region()
	return base(tag) == "en" && twelveHour[r.String()]
}

func base(t language.Tag) string {
	b, _ := t.Base()
	return b.String()
}

// dateLayouts are the numeric date orders of the catalogue's languages
// (day-month-year unless said); month names would need a translation per
// month, numbers read everywhere.
var dateLayouts = map[string]string{
	"en-US": "1/2/2006", "en": "02/01/2006",
	"de": "02.01.2006", "pl": "02.01.2006", "ru": "02.01.2006",
	"fr": "02/01/2006", "es": "02/01/2006", "it": "02/01/2006", "pt": "02/01/2006",
	"nl": "02-01-2006",
	"ja": "2006/01/02", "zh": "2006/01/02",
}

// Date is t's date as the current language writes it in numbers.
func Date(t time.Time) string {
	tag := plainTag(current.Load().locale)
	if r, _ := tag.Region(); base(tag) == "en" && r.String() == "US" {
		return t.Format(dateLayouts["en-US"])
	}
	if l, ok := dateLayouts[base(tag)]; ok {
		return t.Format(l)
	}
	return t.Format("2006-01-02")
}

// Ago says how long ago something was: "just now", "37 min ago", "3 h ago",
// "yesterday", then the date.
func Ago(now, then time.Time) string {
	d := now.Sub(then)
	switch {
	case d < time.Minute:
		return T("time.just_now")
	case d < time.Hour:
		return N("time.minutes_ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return N("time.hours_ago", int(d/time.Hour))
	case d < 48*time.Hour:
		return T("time.yesterday")
	case d < 7*24*time.Hour:
		return N("time.days_ago", int(d/(24*time.Hour)))
	}
	return Date(then)
}

// Compare orders two strings as the current language sorts them (accents
// and case after the letter: "Émilie" beside "Emil", not after "Zoë").
func Compare(a, b string) int {
	p := current.Load()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.coll == nil {
		p.coll = collate.New(plainTag(p.locale), collate.Loose)
	}
	return p.coll.CompareString(a, b)
}

// SortFunc sorts s by key in the current language's order.
func SortFunc[E any](s []E, key func(E) string) {
	slices.SortStableFunc(s, func(a, b E) int { return Compare(key(a), key(b)) })
}
