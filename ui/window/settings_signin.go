package window

import (
	"context"
	"net/url"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/discover"
	"mailbell/app/l10n"
	"mailbell/app/oauth"
	"mailbell/ui/settings"
)

// ReadmeClientURL is where the window links for registering an OAuth
// client (README's "Registering an OAuth client"); a packager sets it with
// -ldflags -X mailbell/ui/window.ReadmeClientURL=…. Empty: the words
// alone name the section.
var ReadmeClientURL string

// How an account signs in, as the form's "Sign-in" choice says it.
func methodPassword() string  { return l10n.T("signin.method.password") }
func methodGoogle() string    { return l10n.T("signin.method.google") }
func methodMicrosoft() string { return l10n.T("signin.method.microsoft") }
func methodOther() string     { return l10n.T("signin.method.other") }

func signInMethods() []string {
	return []string{methodPassword(), methodGoogle(), methodMicrosoft(), methodOther()}
}

func methodKind(m string) oauth.Kind {
	switch m {
	case methodGoogle():
		return oauth.KindGoogle
	case methodMicrosoft():
		return oauth.KindMicrosoft
	case methodOther():
		return oauth.KindCustom
	}
	return ""
}

// signInKey marks, in the form's errors, that a new OAuth2 account is not
// signed in yet: Save waits for it (no field shows the key).
const signInKey = "sign_in"

// signInRow is the account form's sign-in: a "Sign-in" choice above the
// password, and for OAuth2 a "Sign in with Google" button in its place.
// The core runs the browser flow and keeps the tokens (settings_signin's
// controller calls); this row only shows the address, opens it with
// Fyne's OpenURL, and waits off the UI goroutine.
type signInRow struct {
	f      *accountForm
	method *widget.Select
	button *widget.Button
	status *widget.Label
	url    *widget.Entry
	link   *widget.Hyperlink
	pwRow  []fyne.CanvasObject // the password's label and field
	btnRow []fyne.CanvasObject // the sign-in's label and box

	filling bool
	chosen  bool // the person picked the method: addresses no longer change it
	busy    bool
	gen     int
	signIn  string // a finished sign-in (its name on the socket) for this form
	who     string // "Signed in as …"
}

// newSignInRow puts the row into grid, above the password, and hides
// what does not apply.
func newSignInRow(f *accountForm, grid *fyne.Container) *signInRow {
	r := &signInRow{f: f}
	f.grid = grid
	r.method = widget.NewSelect(signInMethods(), func(string) { r.onMethod() })
	r.button = widget.NewButtonWithIcon(l10n.T("signin.button"), theme.LoginIcon(), r.onSignIn)
	r.button.Importance = widget.HighImportance
	r.status = widget.NewLabel("")
	r.status.Wrapping = fyne.TextWrapWord
	r.url = widget.NewEntry()
	r.url.Hide()
	r.link = widget.NewHyperlink(l10n.T("signin.readme_link", l10n.Args{"Section": oauth.ReadmeClientSection}), nil)
	r.link.Hide()
	if u, err := url.Parse(ReadmeClientURL); err == nil && ReadmeClientURL != "" {
		r.link.SetURL(u)
	}
	box := container.NewVBox(container.NewHBox(r.button), r.status, r.link, r.url)

	// The grid holds label, field pairs; the password's field is a VBox
	// around f.password.
	at := -1
	for i := 1; i < len(grid.Objects); i += 2 {
		if c, ok := grid.Objects[i].(*fyne.Container); ok && slices.Contains(c.Objects, fyne.CanvasObject(f.password)) {
			at = i - 1
			break
		}
	}
	found := at >= 0
	if !found { // cannot happen with settings.AccountFields; keep the form usable
		at = len(grid.Objects)
	}
	r.btnRow = []fyne.CanvasObject{widget.NewLabel(""), box}
	rows := append([]fyne.CanvasObject{widget.NewLabel(l10n.T("signin.label")), r.method}, r.btnRow...)
	grid.Objects = slices.Insert(slices.Clone(grid.Objects), at, rows...)
	if found {
		r.pwRow = grid.Objects[at+4 : at+6 : at+6]
	}
	r.filling = true
	r.method.SetSelected(methodPassword())
	r.filling = false
	return r
}

// oauth reports whether the form's account signs in with OAuth2.
func (r *signInRow) oauth() bool { return r.method.Selected != methodPassword() }

// edit shows how a signs in (editing: a is saved).
func (r *signInRow) edit(a config.Account, editing bool) {
	r.gen++ // a sign-in still running belongs to the previous account
	r.busy, r.signIn, r.who, r.chosen = false, "", "", false
	m := methodPassword()
	if a.EffectiveAuth() == config.AuthOAuth2 {
		switch a.OAuth2Settings().Provider {
		case oauth.KindGoogle:
			m = methodGoogle()
		case oauth.KindMicrosoft:
			m = methodMicrosoft()
		default:
			m = methodOther()
		}
	}
	r.filling = true
	r.method.SetSelected(m)
	r.filling = false
	r.show()
	if editing && r.oauth() && a.UsesOAuth2Manager() {
		r.setStatus(l10n.T("signin.kept"), widget.LowImportance)
	}
}

// preset follows a known provider of the address just typed: Gmail and
// Outlook sign in with their account instead of a password.
func (r *signInRow) preset(p discover.Result) {
	if r.f.editing || r.signIn != "" || r.chosen {
		return
	}
	only, offered := settings.NeedsSignIn(p)
	m := methodPassword()
	if only || offered {
		switch p.OAuth2Provider {
		case discover.OAuth2Google:
			m = methodGoogle()
		case discover.OAuth2Microsoft:
			m = methodMicrosoft()
		}
	}
	if m == r.method.Selected {
		return
	}
	r.filling = true
	r.method.SetSelected(m)
	r.filling = false
	r.f.validate()
}

// onMethod applies the choice to the account being edited.
func (r *signInRow) onMethod() {
	f := r.f
	kind := methodKind(r.method.Selected)
	if kind == "" {
		if f.base.UsesOAuth2Manager() {
			f.base.AuthOptions = config.AuthOptions{}
		}
	} else if !(f.base.EffectiveAuth() == config.AuthOAuth2 && f.base.OAuth2Settings().Provider == kind) {
		f.base = settings.OAuth2Account(f.base, kind)
		r.signIn, r.who = "", "" // a sign-in with another provider does not apply
	}
	r.show()
	if !r.filling {
		r.chosen = true
		f.onChanged(signInKey)
	}
}

// show sets what is visible for the current choice.
func (r *signInRow) show() {
	oa := r.oauth()
	for _, o := range r.pwRow {
		setVisible(o, !oa)
	}
	for _, o := range r.btnRow {
		setVisible(o, oa)
	}
	r.link.Hide()
	if !oa {
		r.url.Hide()
		r.f.grid.Refresh()
		return
	}
	kind := methodKind(r.method.Selected)
	r.button.SetText(l10n.T("signin.with", l10n.Args{"Provider": kind.Name()}))
	if kind == oauth.KindCustom {
		r.button.SetText(l10n.T("signin.with_your_provider"))
	}
	a := r.f.base
	switch {
	case a.TokenCommand != "":
		r.button.Hide()
		r.setStatus(l10n.T("signin.token_command"), widget.LowImportance)
	case a.GOAAccount != "":
		r.button.Hide()
		r.setStatus(l10n.T("signin.goa"), widget.LowImportance)
	case kind != oauth.KindCustom && (a.OAuth2 == nil || a.OAuth2.ClientID == "") && !oauth.BuildHasClient(kind):
		r.button.Show()
		r.button.Disable()
		r.setStatus(l10n.T("signin.missing_client", l10n.Args{"Reason": oauth.MissingClientText(kind)}), widget.WarningImportance)
		r.link.Show()
	default:
		r.button.Show()
		if r.busy {
			r.button.Disable()
		} else {
			r.button.Enable()
		}
		switch {
		case r.who != "":
			r.setStatus(r.who, widget.SuccessImportance)
		case !r.busy:
			r.setStatus(l10n.T("signin.never_password", l10n.Args{"Provider": kind.Name()}), widget.LowImportance)
		}
	}
	r.f.grid.Refresh()
}

func (r *signInRow) setStatus(text string, imp widget.Importance) {
	r.status.Importance = imp
	r.status.SetText(text)
}

// missing reports whether a new OAuth2 account is not signed in yet.
func (r *signInRow) missing() bool {
	return r.oauth() && r.f.base.UsesOAuth2Manager() && !r.f.editing && r.signIn == ""
}

// check adds signInKey to errs while missing: Save waits for the sign-in.
func (r *signInRow) check(errs settings.Errors) {
	if r.missing() {
		errs[signInKey] = l10n.T("signin.first")
	}
}

// onSignIn asks the core to start the sign-in, opens the address in the
// browser and shows it to copy, then waits for the end off the UI goroutine.
func (r *signInRow) onSignIn() {
	f := r.f
	if r.busy || f.s.cfg == nil {
		return
	}
	a := f.values().Account(f.base)
	r.busy = true
	r.gen++
	gen := r.gen
	r.button.Disable()
	r.setStatus(l10n.T("signin.starting"), widget.LowImportance)
	ctx, cancel := context.WithTimeout(f.s.ctx, settings.SignInTimeout)
	ctrl := f.s.ctrl
	f.s.u.work.Add(1)
	go func() {
		defer f.s.u.work.Done()
		defer cancel()
		link, id, err := ctrl.StartSignIn(ctx, a)
		if err != nil {
			f.s.u.ui(func() { r.ended(gen, "", "", err) })
			return
		}
		f.s.u.ui(func() { r.opened(gen, link) })
		who, err := ctrl.WaitSignIn(ctx, id)
		f.s.u.ui(func() { r.ended(gen, id, who, err) })
	}()
}

// opened shows the sign-in address and opens it in the browser.
func (r *signInRow) opened(gen int, link string) {
	if gen != r.gen {
		return
	}
	r.url.SetText(link)
	r.url.Show()
	msg := l10n.T("signin.finish_in_browser")
	if u, err := url.Parse(link); err == nil {
		if err := r.f.s.u.app.OpenURL(u); err != nil {
			msg = l10n.T("signin.no_browser")
		}
	}
	r.setStatus(msg, widget.MediumImportance)
	r.f.grid.Refresh()
}

// ended shows how the sign-in went; a finished one enables Save.
func (r *signInRow) ended(gen int, id, who string, err error) {
	if gen != r.gen {
		return
	}
	r.busy = false
	r.button.Enable()
	r.url.Hide()
	if err != nil {
		r.setStatus(l10n.T("signin.failed", l10n.Args{"Error": settings.UpperFirst(err.Error())}), widget.DangerImportance)
		r.f.grid.Refresh()
		return
	}
	r.signIn, r.who = id, who
	r.setStatus(who, widget.SuccessImportance)
	r.f.grid.Refresh()
	r.f.conn.formChanged()
	r.f.validate()
}

// saver returns the save for the form's account as it is now: with the
// finished sign-in for OAuth2 (the core stores its refresh token), else
// with the typed password. Called on the UI goroutine; the result runs
// off it.
func (r *signInRow) saver() func(ctx context.Context, a config.Account, orig, password string) (settings.Errors, error) {
	ctrl := r.f.s.ctrl
	if !r.oauth() {
		return ctrl.SaveAccount
	}
	id := r.signIn
	return func(ctx context.Context, a config.Account, orig, _ string) (settings.Errors, error) {
		return ctrl.SaveSignedIn(ctx, a, orig, id)
	}
}

// tester is saver's counterpart for Test connection.
func (r *signInRow) tester() func(ctx context.Context, a config.Account, orig, password string) settings.TestResult {
	ctrl := r.f.s.ctrl
	if !r.oauth() {
		return ctrl.Test
	}
	id := r.signIn
	return func(ctx context.Context, a config.Account, orig, _ string) settings.TestResult {
		return ctrl.TestSignedIn(ctx, a, orig, id)
	}
}

// saved keeps the sign-in's words after the save stored it.
func (r *signInRow) saved() {
	r.signIn = ""
	if r.who != "" {
		r.setStatus(l10n.T("signin.saved", l10n.Args{"Who": r.who}), widget.SuccessImportance)
	}
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// coreSignIn is the first-run window's sign-in (Deps.SignIn) through the
// core, opening the address with the app's OpenURL.
func coreSignIn(a fyne.App, b settings.Backend) settings.SignIn {
	return settings.CoreSignIn{C: settings.New(b), Open: func(link string) error {
		u, err := url.Parse(link)
		if err != nil {
			return err
		}
		var openErr error
		fyne.DoAndWait(func() { openErr = a.OpenURL(u) })
		return openErr
	}}
}
