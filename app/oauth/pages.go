package oauth

import (
	"html/template"
	"net/http"

	"mailbell/app/l10n"
)

// The pages the browser shows at the end of a sign-in: small, no external
// resources, escaped by html/template.
var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>Mailbell — {{.Title}}</title>
<style>body{font-family:sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}h1{font-size:1.4em}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Text}}</p><p>{{.Next}}</p></body></html>
`))

// page is what the browser is shown, in the process's language (l10n).
type page struct {
	status int
	Lang   string // the page's language, for <html lang>
	Title  string
	Text   string
	Next   string
}

func okPage(email string) page {
	text := l10n.T("oauth.page.done")
	if email != "" {
		text = l10n.T("oauth.page.done_as", l10n.Args{"Email": email})
	}
	return page{status: http.StatusOK, Title: l10n.T("oauth.page.done_title"), Text: text, Next: l10n.T("oauth.page.done_next")}
}

func errorPage(err error) page {
	return page{status: http.StatusBadRequest, Title: l10n.T("oauth.page.failed_title"), Text: err.Error(), Next: l10n.T("oauth.page.failed_next")}
}

func waitingPage() page {
	return page{status: http.StatusOK, Title: l10n.T("oauth.page.waiting_title"), Text: l10n.T("oauth.page.waiting"), Next: l10n.T("oauth.page.waiting_next")}
}

func overPage() page {
	return page{status: http.StatusConflict, Title: l10n.T("oauth.page.over_title"), Text: l10n.T("oauth.page.over"), Next: l10n.T("oauth.page.over_next")}
}

func (p page) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(p.status)
	p.Lang = l10n.Lang().String()
	_ = pageTmpl.Execute(w, p)
}
