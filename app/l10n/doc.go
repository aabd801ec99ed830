// Package l10n holds Mailbell's message catalogue and the user's language:
// every word the tray, the notifications and the windows show comes from
// here, in the language the user chose or the system's.
//
// The catalogue is go-i18n message files embedded from locales/, one file
// per part and language: common.LANG.json (times, language names),
// core.LANG.json (the background process: tray, notifications, status and
// error wording), window.LANG.json (the windows). English (en) is the source
// and the fallback: a key missing in a language falls back to English, and
// the catalogue test fails on it, on extra keys and on placeholders that
// differ from English's. Plurals follow CLDR (one/few/many/other per
// language), never "if n == 1".
//
// The package is pure Go and Fyne-free, so the cgo-free background
// executable and the window executable use the same catalogue and the same
// resolution of the user's language. The current language is process-wide
// (Use); T and N are safe for concurrent use.
//
// Adding a language: copy every locales/*.en.json to *.TAG.json (TAG as in
// BCP 47: "pt-BR", "zh-Hans"), translate the values (keep {{.Name}}
// placeholders; give every plural form the language has), add its own name
// to names in catalog.go, and run go test ./app/l10n.
package l10n
