package oauth

import (
	"html/template"
	"net/http"
)

// The pages the browser shows at the end of a sign-in: small, no external
// resources, escaped by html/template.
var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mailbell — {{.Title}}</title>
<style>body{font-family:sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.5}h1{font-size:1.4em}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Text}}</p><p>{{.Next}}</p></body></html>
`))

// page is what the browser is shown.
type page struct {
	status int
	Title  string
	Text   string
	Next   string
}

func okPage(email string) page {
	text := "Mailbell is signed in."
	if email != "" {
		text = "Mailbell is signed in as " + email + "."
	}
	return page{status: http.StatusOK, Title: "Signed in", Text: text, Next: "You can close this page and return to Mailbell."}
}

func errorPage(err error) page {
	return page{status: http.StatusBadRequest, Title: "Sign-in failed", Text: err.Error(), Next: "You can close this page; start the sign-in again from Mailbell."}
}

var (
	waitingPage = page{status: http.StatusOK, Title: "Waiting for the sign-in", Text: "This address receives the answer of your provider's sign-in page.", Next: "Open the sign-in link Mailbell showed you."}
	overPage    = page{status: http.StatusConflict, Title: "Sign-in already over", Text: "This sign-in has already been answered.", Next: "You can close this page."}
)

func (p page) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(p.status)
	_ = pageTmpl.Execute(w, p)
}
