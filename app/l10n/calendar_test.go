package l10n

import (
	"strings"
	"testing"
	"time"
)

// The weekday and month names come from the catalogue, all 19 of them.
func TestWeekdayAndMonthNames(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "Sun Mon Tue Wed Thu Fri Sat 2 Jan 2 Feb 2 Mar 2 Apr 2 May 2 Jun 2 Jul 2 Aug 2 Sep 2 Oct 2 Nov 2 Dec",
		"de": "So Mo Di Mi Do Fr Sa 2. Jan. 2. Feb. 2. März 2. Apr. 2. Mai 2. Juni 2. Juli 2. Aug. 2. Sept. 2. Okt. 2. Nov. 2. Dez.",
	} {
		use(t, lang)
		var got []string
		for d := time.Sunday; d <= time.Saturday; d++ {
			got = append(got, Weekday(d))
		}
		for m := time.January; m <= time.December; m++ {
			got = append(got, DayMonth(time.Date(2026, m, 2, 0, 0, 0, 0, time.UTC)))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: names %q, want %q", lang, strings.Join(got, " "), want)
		}
	}
}
