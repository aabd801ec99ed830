package window

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/discover"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// accountForm edits one account. Its rows, error labels and "touched"
// marks all come from settings.AccountFields.
type accountForm struct {
	s       *settingsWindow
	content fyne.CanvasObject

	entries  map[string]*focusEntry // every field but security
	security *widget.Select
	enabled  *widget.Check
	errs     map[string]*widget.Label
	general  *widget.Label

	// shortcuts into entries
	name, email, host, port, username, password, folders, caFile *focusEntry

	conn       *connCheck // Test connection (conncheck.go)
	grid       *fyne.Container
	signin     *signInRow // Sign-in: password or OAuth2 (settings_signin.go)
	saveBtn    *widget.Button
	saveStatus *widget.Label
	missing    *widget.Label
	notif      *acctNotify

	base      config.Account // the account as loaded (or a new one with its id)
	editing   bool           // base is in config.json (else: a new account)
	hasSecret bool           // a stored password (or password_command) exists
	touched   map[string]bool
	filling   bool // the code sets fields; not a person's edit
	autoHost  bool // host, port and security came from the provider table
	lastSec   string
}

// focusEntry is an Entry that reports losing the focus (email → provider
// prefill).
type focusEntry struct {
	widget.Entry
	onFocusLost func()
}

func newFocusEntry() *focusEntry {
	e := &focusEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *focusEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.onFocusLost != nil {
		e.onFocusLost()
	}
}

func newAccountForm(s *settingsWindow) *accountForm {
	f := &accountForm{s: s, entries: map[string]*focusEntry{}, errs: map[string]*widget.Label{}, touched: map[string]bool{}}
	f.buildUI()
	return f
}

func (f *accountForm) buildUI() {
	grid := container.New(layout.NewFormLayout())
	for _, fd := range settings.AccountFields {
		var obj fyne.CanvasObject
		if fd.Name == settings.FSecurity {
			f.security = widget.NewSelect(settings.SecurityLabels(), func(string) { f.onSecurityChanged() })
			obj = f.security
		} else {
			name := fd.Name
			e := newFocusEntry()
			e.PlaceHolder = fd.Placeholder()
			e.OnChanged = func(string) { f.onChanged(name) }
			f.entries[name] = e
			obj = e
			if name == settings.FCAFile {
				obj = container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon("", theme.FolderOpenIcon(), f.onBrowseCA), e)
			}
			if name == settings.FFolders { // the server's folders (settings_folders.go)
				obj = container.NewBorder(nil, nil, nil, widget.NewButton(labelPickFolders(), f.onPickFolders), e)
			}
		}
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		l.SizeName = theme.SizeNameCaptionText
		l.Hide()
		f.errs[fd.Name] = l
		grid.Add(widget.NewLabel(fd.Label()))
		grid.Add(container.NewVBox(obj, l))
	}
	f.enabled = widget.NewCheck(l10n.T("settings.account.enabled"), func(bool) { f.onChanged("enabled") })
	grid.Add(layout.NewSpacer())
	grid.Add(f.enabled)

	e := f.entries
	f.name, f.email, f.host, f.port = e[settings.FName], e[settings.FEmail], e[settings.FHost], e[settings.FPort]
	f.username, f.password, f.folders, f.caFile = e[settings.FUsername], e[settings.FPassword], e[settings.FFolders], e[settings.FCAFile]
	f.grid, f.signin = grid, newSignInRow(f, grid)
	f.email.onFocusLost = f.onEmailLeft
	f.password.Password = true

	f.general = widget.NewLabel("")
	f.general.Importance = widget.DangerImportance
	f.general.Wrapping = fyne.TextWrapWord
	f.general.Hide()

	f.conn = newConnCheck(f)
	f.saveBtn = widget.NewButtonWithIcon(l10n.T("settings.save"), theme.DocumentSaveIcon(), f.onSave)
	f.saveBtn.Importance = widget.HighImportance
	f.saveStatus = widget.NewLabel("")
	f.saveStatus.Wrapping = fyne.TextWrapWord
	f.missing = widget.NewLabel("")
	f.missing.Importance = widget.LowImportance
	f.missing.Wrapping = fyne.TextWrapWord
	f.missing.Hide()

	save := container.NewBorder(nil, nil, nil, f.saveBtn, f.saveStatus)
	f.notif = newAcctNotify(f) // notify, sound, aliases, silent folders (settings_account_notify.go)
	f.content = container.NewVScroll(container.NewVBox(grid, f.general, f.notif.content, f.conn.content, widget.NewSeparator(), f.missing, save))
}

// touchAll marks every field as seen, so its problems show.
func (f *accountForm) touchAll() {
	for _, fd := range settings.AccountFields {
		f.touched[fd.Name] = true
	}
}

// edit fills the form with account a (editing: a is in config.json).
func (f *accountForm) edit(a config.Account, editing bool) {
	f.conn.cancel()
	f.base, f.editing = a, editing
	f.hasSecret = editing // a saved account has its password stored (or a password_command)
	f.filling = true
	f.name.SetText(a.Name)
	f.email.SetText(a.Email)
	f.host.SetText(a.Host)
	f.security.SetSelected(settings.SecurityLabel(a.Security))
	f.lastSec = settings.SecurityValue(f.security.Selected)
	if a.Port > 0 {
		f.port.SetText(strconv.Itoa(a.Port))
	} else {
		f.port.SetText(strconv.Itoa(settings.DefaultPort(a.Security)))
	}
	f.username.SetText(a.Username)
	f.password.SetText("")
	switch {
	case a.PasswordCommand != "":
		f.password.SetPlaceHolder(l10n.T("settings.account.password_command"))
		f.password.Disable()
	case editing:
		f.password.SetPlaceHolder(l10n.T("settings.account.password_saved"))
		f.password.Enable()
	default:
		f.password.SetPlaceHolder("")
		f.password.Enable()
	}
	f.folders.SetText(settings.FolderText(a)) // "*" stays "*"
	f.caFile.SetText(a.CAFile)
	f.enabled.SetChecked(a.IsEnabled())
	f.notif.fill(a)
	f.filling = false
	f.autoHost = !editing
	f.touched = map[string]bool{}
	if editing {
		f.touchAll()
	}
	f.updateUsernameHint()
	f.signin.edit(a, editing)
	f.conn.clear()
	f.setStatus("", widget.MediumImportance)
	f.validate()
}

// originalID is the edited account's id in config.json ("" for a new one).
func (f *accountForm) originalID() string {
	if f.editing {
		return f.base.ID
	}
	return ""
}

// saved makes the form edit the account just saved, keeping whatever was
// typed while the save ran.
func (f *accountForm) saved(a config.Account, password string) {
	f.base, f.editing = a, true
	f.hasSecret = true
	if password != "" && f.password.Text == password {
		f.filling = true
		f.password.SetText("")
		f.filling = false
	}
	if a.PasswordCommand == "" {
		f.password.SetPlaceHolder(l10n.T("settings.account.password_saved"))
	}
	f.touchAll()
	f.autoHost = false
	f.validate()
}

func (f *accountForm) values() settings.Values {
	return settings.Values{
		Name:     f.name.Text,
		Email:    f.email.Text,
		Host:     f.host.Text,
		Port:     f.port.Text,
		Security: settings.SecurityValue(f.security.Selected),
		Username: f.username.Text,
		Password: f.password.Text,
		Folders:  f.folders.Text,
		CAFile:   f.caFile.Text,
		Enabled:  f.enabled.Checked,
	}
}

// onChanged is every field's OnChanged.
func (f *accountForm) onChanged(field string) {
	if f.filling {
		return
	}
	f.touched[field] = true
	switch field {
	case settings.FHost, settings.FPort:
		f.autoHost = false // the person typed their own server: no more prefill
	case settings.FEmail:
		f.updateUsernameHint()
	}
	f.conn.formChanged()
	f.setStatus("", widget.MediumImportance)
	f.validate()
}

func (f *accountForm) updateUsernameHint() {
	if e := strings.TrimSpace(f.email.Text); e != "" {
		f.username.SetPlaceHolder(e)
	} else {
		f.username.SetPlaceHolder(settings.FieldPlaceholder(settings.FUsername))
	}
}

// onSecurityChanged moves the port along when it was the old default.
func (f *accountForm) onSecurityChanged() {
	sec := settings.SecurityValue(f.security.Selected)
	old := f.lastSec
	f.lastSec = sec
	if p := strings.TrimSpace(f.port.Text); p == "" || p == strconv.Itoa(settings.DefaultPort(old)) {
		wasFilling := f.filling
		f.filling = true
		f.port.SetText(strconv.Itoa(settings.DefaultPort(sec)))
		f.filling = wasFilling
	}
	f.port.SetPlaceHolder(strconv.Itoa(settings.DefaultPort(sec)))
	f.onChanged(settings.FSecurity)
}

// onEmailLeft fills server, port and security from a known provider when
// the person leaves the email field, unless they typed a server themselves.
func (f *accountForm) onEmailLeft() {
	if !f.autoHost && strings.TrimSpace(f.host.Text) != "" {
		return
	}
	r, ok := discover.PresetFor(f.email.Text) // the bundled presets: no network here
	if !ok {
		return
	}
	host, port, sec := r.Host, r.Port, string(r.Security)
	f.filling = true
	f.host.SetText(host)
	f.security.SetSelected(settings.SecurityLabel(sec))
	f.lastSec = sec
	f.port.SetText(strconv.Itoa(port))
	f.filling = false
	f.autoHost = true
	f.signin.preset(r)
	f.validate()
}

// validate shows the problems of touched fields and allows Save only
// without any problem.
func (f *accountForm) validate() {
	if f.s.cfg == nil {
		f.saveBtn.Disable()
		f.conn.enable(false)
		return
	}
	errs := settings.Validate(f.values(), f.notifyBase(), f.s.cfg, f.originalID(), f.hasSecret || f.signin.oauth())
	f.signin.check(errs)
	f.notif.describe(f.values().Account(f.notifyBase()))
	f.showErrors(errs, false)
	if len(errs) > 0 || f.s.saving {
		f.saveBtn.Disable()
	} else {
		f.saveBtn.Enable()
	}
	// A test needs a server; the rest is the server's to judge.
	_, bad := errs[settings.FHost]
	f.conn.enable(!bad)
}

// showErrors puts each message under its field: those of touched fields
// as the person types, all of them (all: true) when the core refused a
// save. The fields not yet filled in are named above Save.
func (f *accountForm) showErrors(errs settings.Errors, all bool) {
	relayout := false
	for name, l := range f.errs {
		msg, bad := errs[name]
		show := bad && (all || f.touched[name])
		relayout = relayout || show != l.Visible() || (show && msg != l.Text)
		if show {
			l.SetText(msg)
			l.Show()
		} else {
			l.Hide()
		}
	}
	if relayout { // rows grow and shrink with their messages
		defer f.content.Refresh()
	}
	if msg, bad := errs[settings.FGeneral]; bad {
		f.general.SetText(msg)
		f.general.Show()
	} else {
		f.general.Hide()
	}
	var hidden []string
	for _, name := range []string{settings.FEmail, settings.FHost, settings.FPassword} {
		if _, bad := errs[name]; bad && !all && !f.touched[name] {
			hidden = append(hidden, missingWord(name))
		}
	}
	if len(hidden) > 0 {
		f.missing.SetText(l10n.T("settings.account.to_save_fill_in", l10n.Args{"Fields": strings.Join(hidden, l10n.T("settings.list_separator"))}))
		f.missing.Show()
	} else {
		f.missing.Hide()
	}
}

// missingWord names a field not filled in yet, in "To save, fill in: …".
func missingWord(field string) string {
	switch field {
	case settings.FEmail:
		return l10n.T("settings.account.missing.email")
	case settings.FHost:
		return l10n.T("settings.account.missing.server")
	}
	return l10n.T("settings.account.missing.password")
}

func (f *accountForm) setStatus(text string, imp widget.Importance) {
	f.saveStatus.Importance = imp
	f.saveStatus.SetText(text)
}

func (f *accountForm) onBrowseCA() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		path := rc.URI().Path()
		_ = rc.Close()
		f.caFile.SetText(path)
	}, f.s.w)
	d.Show()
}

// onSave sends the account and the typed password to the core, which
// stores the password, writes config.json and restarts the account; the
// form stays usable meanwhile and shows the core's field errors inline.
func (f *accountForm) onSave() {
	s := f.s
	if s.cfg == nil || s.saving {
		return
	}
	v := f.values()
	if errs := settings.Validate(v, f.notifyBase(), s.cfg, f.originalID(), f.hasSecret || f.signin.oauth()); len(errs) > 0 || f.signin.missing() {
		f.touchAll()
		f.validate()
		return
	}
	a := v.Account(f.notifyBase())
	orig := f.originalID()
	password := v.Password
	if a.PasswordCommand != "" || f.signin.oauth() {
		password = ""
	}
	save := f.signin.saver()
	s.setSaving(true)
	f.setStatus(l10n.T("settings.saving"), widget.LowImportance)
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		errs, err := save(context.Background(), a, orig, password)
		s.u.ui(func() { f.onSaved(a, orig, password, errs, err) })
	}()
}

func (f *accountForm) onSaved(a config.Account, orig, password string, errs settings.Errors, err error) {
	s := f.s
	s.setSaving(false)
	if err != nil {
		if len(errs) > 0 && f.base.ID == a.ID {
			f.showErrors(errs, true)
			f.saveBtn.Disable() // until the person changes something
			f.setStatus(l10n.T("settings.account.not_saved_fields"), widget.DangerImportance)
			return
		}
		f.setStatus(l10n.T("settings.save_failed", l10n.Args{"Error": err.Error()}), widget.DangerImportance)
		return
	}
	var index int
	s.cfg, index = s.cfg.WithAccount(a, orig)
	s.sortAccounts()
	if f.base.ID == a.ID { // still the same account in the form
		f.saved(a, password)
		f.signin.saved()
		s.quiet = true
		s.acctList.Select(s.rowOf(index))
		s.quiet = false
		s.removeBtn.Enable()
	}
	f.setStatus(l10n.T("settings.account.saved"), widget.SuccessImportance)
}
