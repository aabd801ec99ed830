package l10n

import "time"

// Weekday is d's short name in the current language: "Thu", "Do", "木".
func Weekday(d time.Weekday) string {
	switch d {
	case time.Monday:
		return T("weekday.mon")
	case time.Tuesday:
		return T("weekday.tue")
	case time.Wednesday:
		return T("weekday.wed")
	case time.Thursday:
		return T("weekday.thu")
	case time.Friday:
		return T("weekday.fri")
	case time.Saturday:
		return T("weekday.sat")
	}
	return T("weekday.sun")
}

// months are the catalogue's short month names, January first.
var months = [12]string{"month.jan", "month.feb", "month.mar", "month.apr", "month.may", "month.jun",
	"month.jul", "month.aug", "month.sep", "month.oct", "month.nov", "month.dec"}

// DayMonth is t's day and short month in the current language: "2 Apr",
// "2. Apr.", "4月2日".
func DayMonth(t time.Time) string {
	return T("date.day_month", Args{"Day": t.Day(), "Month": T(months[t.Month()-1])})
}
