package window

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/mail"
	"mailbell/platform/secrets"
	"mailbell/ui/providers"
)

// settingsWindow edits config.json and the keyring: accounts and preferences.
// It loads the config off the UI goroutine, and saves off it too.
type settingsWindow struct {
	u *UI
	w fyne.Window

	status *widget.Label // loading, load errors
	tabs   *container.AppTabs

	cfg     *config.Config // nil until loaded, or when it cannot be used
	loaded  bool
	saving  bool
	autoOn  bool // start at login, as the system has it
	pending string
	quiet   bool // selecting in the list without refilling the form

	// accounts tab
	acctList  *widget.List
	addBtn    *widget.Button
	removeBtn *widget.Button
	form      *accountForm
	formBox   *fyne.Container
	noForm    *widget.Label

	prefs *prefsForm

	ctx    context.Context // cancelled when the window closes
	cancel context.CancelFunc
}

func newSettingsWindow(u *UI) *settingsWindow {
	s := &settingsWindow{u: u}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.w = u.app.NewWindow("Mailbell Settings")

	s.status = widget.NewLabel("Loading settings…")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.LowImportance

	s.acctList = widget.NewList(
		func() int {
			if s.cfg == nil {
				return 0
			}
			return len(s.cfg.Accounts)
		},
		func() fyne.CanvasObject {
			l := widget.NewLabel("account name")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if s.cfg == nil || id >= len(s.cfg.Accounts) {
				return
			}
			a := s.cfg.Accounts[id]
			text := a.DisplayName()
			if !a.IsEnabled() {
				text += " (disabled)"
			}
			o.(*widget.Label).SetText(text)
		},
	)
	s.acctList.OnSelected = func(id widget.ListItemID) {
		if !s.quiet && s.cfg != nil && id < len(s.cfg.Accounts) {
			s.edit(id)
		}
	}
	s.addBtn = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), s.addAccount)
	s.removeBtn = widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), s.confirmRemove)
	s.removeBtn.Disable()
	s.addBtn.Disable()

	s.form = newAccountForm(s)
	s.noForm = widget.NewLabel("Choose an account, or Add one.")
	s.noForm.Alignment = fyne.TextAlignCenter
	s.noForm.Importance = widget.LowImportance
	s.formBox = container.NewStack(container.NewCenter(s.noForm))

	left := container.NewBorder(nil, container.NewHBox(s.addBtn, s.removeBtn), nil, nil, s.acctList)
	split := container.NewHSplit(left, s.formBox)
	split.SetOffset(0.28)

	s.prefs = newPrefsForm(s)

	s.tabs = container.NewAppTabs(
		container.NewTabItem("Accounts", split),
		container.NewTabItem("Preferences", s.prefs.content),
	)
	s.w.SetContent(container.NewBorder(s.status, nil, nil, nil, s.tabs))
	s.w.Resize(fyne.NewSize(720, 600))

	s.load()
	return s
}

func (s *settingsWindow) closed() { s.cancel() }

// load reads config.json and the autostart state in the background.
func (s *settingsWindow) load() {
	dir, auto := s.u.deps.ConfigDir, s.u.deps.Autostart
	go func() {
		cfg, err := config.Load(dir)
		autoOn := false
		if err == nil && auto != nil && auto.Supported() {
			var aerr error
			if autoOn, aerr = auto.Enabled(); aerr != nil {
				s.u.log.Warn("autostart state unknown", "err", aerr)
			}
		}
		s.u.ui(func() { s.loadedConfig(cfg, err, autoOn) })
	}()
}

func (s *settingsWindow) loadedConfig(cfg *config.Config, err error, autoOn bool) {
	s.loaded = true
	if err != nil {
		// A file that does not load is never overwritten (config.Save refuses
		// too): say what is wrong and leave everything read-only.
		s.showStatus("config.json cannot be used, so nothing can be saved until it is fixed or moved away:\n"+err.Error(), widget.DangerImportance)
		return
	}
	s.cfg = cfg
	s.autoOn = autoOn
	s.status.Hide()
	s.w.Content().Refresh()
	s.addBtn.Enable()
	s.acctList.Refresh()
	s.prefs.load(cfg.Preferences, autoOn)
	if s.pending != "" {
		id := s.pending
		s.pending = ""
		s.selectAccount(id)
	} else if len(cfg.Accounts) == 0 {
		s.addAccount()
	}
}

func (s *settingsWindow) showStatus(text string, imp widget.Importance) {
	s.status.Importance = imp
	s.status.SetText(text)
	s.status.Show()
}

// selectAccount opens the account with the given id in the form (once the
// config is loaded).
func (s *settingsWindow) selectAccount(id string) {
	s.tabs.SelectIndex(0)
	if !s.loaded {
		s.pending = id
		return
	}
	if s.cfg == nil {
		return
	}
	for i, a := range s.cfg.Accounts {
		if a.ID == id {
			s.acctList.Select(i) // calls edit
			return
		}
	}
}

func (s *settingsWindow) edit(index int) {
	s.form.edit(s.cfg.Accounts[index], index)
	s.showForm()
	s.removeBtn.Enable()
}

func (s *settingsWindow) addAccount() {
	if s.cfg == nil {
		return
	}
	s.acctList.UnselectAll()
	s.form.edit(config.Account{ID: config.NewID(s.cfg.Accounts)}, -1)
	s.showForm()
	s.removeBtn.Disable()
	s.w.Canvas().Focus(s.form.email)
}

func (s *settingsWindow) showForm() {
	s.formBox.Objects = []fyne.CanvasObject{s.form.content}
	s.formBox.Refresh()
}

func (s *settingsWindow) hideForm() {
	s.formBox.Objects = []fyne.CanvasObject{container.NewCenter(s.noForm)}
	s.formBox.Refresh()
	s.removeBtn.Disable()
}

// setSaving blocks a second save while one runs.
func (s *settingsWindow) setSaving(on bool) {
	s.saving = on
	s.form.validate()
	s.prefs.validate()
	if on || s.form.index < 0 {
		s.removeBtn.Disable()
	} else {
		s.removeBtn.Enable()
	}
}

// confirmRemove asks, then removes the account in the form: from
// config.json, and its password from the keyring.
func (s *settingsWindow) confirmRemove() {
	index := s.form.index
	if s.cfg == nil || index < 0 || index >= len(s.cfg.Accounts) || s.saving {
		return
	}
	a := s.cfg.Accounts[index]
	msg := fmt.Sprintf("Remove %s? Mailbell stops watching it and forgets its saved password.", a.DisplayName())
	dialog.ShowConfirm("Remove account", msg, func(ok bool) {
		if ok {
			s.remove(index, a)
		}
	}, s.w)
}

func (s *settingsWindow) remove(index int, a config.Account) {
	if s.cfg == nil || index >= len(s.cfg.Accounts) || s.cfg.Accounts[index].ID != a.ID {
		return
	}
	next := withoutAccount(s.cfg, index)
	dir, store, timeout := s.u.deps.ConfigDir, s.u.deps.Secrets, secretTimeout
	s.setSaving(true)
	s.form.setStatus("Removing…", widget.LowImportance)
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		err := config.Save(dir, next)
		if err == nil {
			s.u.send(control.Command{Cmd: control.CmdReload})
			if store != nil && a.PasswordCommand == "" {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				if derr := store.Delete(ctx, a.ID); derr != nil && !errors.Is(derr, secrets.ErrNotFound) {
					s.u.log.Warn("removing the account's password from the keyring failed", "account", a.ID, "err", derr)
				}
				cancel()
			}
		}
		s.u.ui(func() {
			s.setSaving(false)
			if err != nil {
				s.form.setStatus("Could not remove: "+err.Error(), widget.DangerImportance)
				return
			}
			s.cfg = next
			s.acctList.UnselectAll()
			s.acctList.Refresh()
			s.hideForm()
		})
	}()
}

// ---- the account form ----

type accountForm struct {
	s       *settingsWindow
	content fyne.CanvasObject

	name, email, host, port, username, password, folders, caFile *focusEntry
	security                                                     *widget.Select
	enabled                                                      *widget.Check
	errs                                                         map[string]*widget.Label
	general                                                      *widget.Label

	testBtn    *widget.Button
	testing    *widget.Activity
	testResult *widget.Label
	saveBtn    *widget.Button
	saveStatus *widget.Label
	missing    *widget.Label

	base      config.Account // the account as loaded (or a new one with its id)
	index     int            // in s.cfg.Accounts; -1: new
	hasSecret bool           // a stored password (or password_command) exists
	touched   map[string]bool
	filling   bool // the code sets fields; not a person's edit
	autoHost  bool // host, port and security came from the provider table
	lastSec   string

	testGen    int
	testCancel context.CancelFunc
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
	f := &accountForm{s: s, errs: map[string]*widget.Label{}, touched: map[string]bool{}, index: -1}
	entry := func(field, placeholder string) *focusEntry {
		e := newFocusEntry()
		e.PlaceHolder = placeholder
		e.OnChanged = func(string) { f.changed(field) }
		return e
	}
	f.name = entry(fName, "e.g. Work")
	f.email = entry(fEmail, "you@example.com")
	f.email.onFocusLost = f.prefill
	f.host = entry(fHost, "imap.example.com")
	f.port = entry(fPort, "993")
	f.username = entry(fUsername, "same as the email")
	f.password = entry(fPassword, "")
	f.password.Password = true
	f.folders = entry(fFolders, "INBOX")
	f.caFile = entry(fCAFile, "optional: a PEM file for a private CA")
	f.security = widget.NewSelect(securityLabels(), func(string) { f.securityChanged() })
	f.enabled = widget.NewCheck("Watch this account", func(bool) { f.changed("enabled") })

	for _, name := range []string{fName, fEmail, fHost, fPort, fSecurity, fUsername, fPassword, fFolders, fCAFile} {
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		l.SizeName = theme.SizeNameCaptionText
		l.Hide()
		f.errs[name] = l
	}
	f.general = widget.NewLabel("")
	f.general.Importance = widget.DangerImportance
	f.general.Wrapping = fyne.TextWrapWord
	f.general.Hide()

	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), f.browseCA)
	f.testing = widget.NewActivity()
	f.testing.Hide()
	f.testResult = widget.NewLabel("")
	f.testResult.Wrapping = fyne.TextWrapWord
	f.testBtn = widget.NewButtonWithIcon("Test connection", theme.MailSendIcon(), f.testTapped)
	f.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), f.save)
	f.saveBtn.Importance = widget.HighImportance
	f.saveStatus = widget.NewLabel("")
	f.saveStatus.Wrapping = fyne.TextWrapWord
	f.missing = widget.NewLabel("")
	f.missing.Importance = widget.LowImportance
	f.missing.Wrapping = fyne.TextWrapWord
	f.missing.Hide()

	field := func(name string, obj fyne.CanvasObject) fyne.CanvasObject {
		return container.NewVBox(obj, f.errs[name])
	}
	grid := container.New(layout.NewFormLayout(),
		widget.NewLabel("Name"), field(fName, f.name),
		widget.NewLabel("Email"), field(fEmail, f.email),
		widget.NewLabel("IMAP server"), field(fHost, f.host),
		widget.NewLabel("Security"), field(fSecurity, f.security),
		widget.NewLabel("Port"), field(fPort, f.port),
		widget.NewLabel("Username"), field(fUsername, f.username),
		widget.NewLabel("Password"), field(fPassword, f.password),
		widget.NewLabel("Folders"), field(fFolders, f.folders),
		widget.NewLabel("CA file"), field(fCAFile, container.NewBorder(nil, nil, nil, browse, f.caFile)),
		layout.NewSpacer(), f.enabled,
	)
	test := container.NewBorder(nil, nil, container.NewHBox(f.testBtn, f.testing), nil, f.testResult)
	save := container.NewBorder(nil, nil, nil, f.saveBtn, f.saveStatus)
	f.content = container.NewVScroll(container.NewVBox(grid, f.general, test, widget.NewSeparator(), f.missing, save))
	return f
}

// edit fills the form with account a (index -1: a new account).
func (f *accountForm) edit(a config.Account, index int) {
	f.cancelTest()
	f.base, f.index = a, index
	f.hasSecret = index >= 0 // a saved account has its password stored (or a password_command)
	f.filling = true
	f.name.SetText(a.Name)
	f.email.SetText(a.Email)
	f.host.SetText(a.Host)
	f.security.SetSelected(securityLabel(a.Security))
	f.lastSec = securityValue(f.security.Selected)
	if a.Port > 0 {
		f.port.SetText(strconv.Itoa(a.Port))
	} else {
		f.port.SetText(strconv.Itoa(defaultPort(a.Security)))
	}
	f.username.SetText(a.Username)
	f.password.SetText("")
	switch {
	case a.PasswordCommand != "":
		f.password.SetPlaceHolder("given by password_command in config.json")
		f.password.Disable()
	case index >= 0:
		f.password.SetPlaceHolder("•••••• (saved in keyring)")
		f.password.Enable()
	default:
		f.password.SetPlaceHolder("")
		f.password.Enable()
	}
	f.folders.SetText(strings.Join(a.EffectiveFolders(), ", "))
	f.caFile.SetText(a.CAFile)
	f.enabled.SetChecked(a.IsEnabled())
	f.filling = false
	f.autoHost = index < 0
	f.touched = map[string]bool{}
	if index >= 0 {
		for _, name := range []string{fName, fEmail, fHost, fPort, fSecurity, fUsername, fPassword, fFolders, fCAFile} {
			f.touched[name] = true
		}
	}
	f.updateUsernameHint()
	f.testResult.SetText("")
	f.setStatus("", widget.MediumImportance)
	f.validate()
}

// saved makes the form edit the account just saved, keeping whatever was
// typed while the save ran.
func (f *accountForm) saved(a config.Account, index int, password string) {
	f.base, f.index = a, index
	f.hasSecret = true
	if password != "" && f.password.Text == password {
		f.filling = true
		f.password.SetText("")
		f.filling = false
	}
	if a.PasswordCommand == "" {
		f.password.SetPlaceHolder("•••••• (saved in keyring)")
	}
	for _, name := range []string{fName, fEmail, fHost, fPort, fSecurity, fUsername, fPassword, fFolders, fCAFile} {
		f.touched[name] = true
	}
	f.autoHost = false
	f.validate()
}

func (f *accountForm) values() formValues {
	return formValues{
		Name:     f.name.Text,
		Email:    f.email.Text,
		Host:     f.host.Text,
		Port:     f.port.Text,
		Security: securityValue(f.security.Selected),
		Username: f.username.Text,
		Password: f.password.Text,
		Folders:  f.folders.Text,
		CAFile:   f.caFile.Text,
		Enabled:  f.enabled.Checked,
	}
}

// changed is every field's OnChanged.
func (f *accountForm) changed(field string) {
	if f.filling {
		return
	}
	f.touched[field] = true
	switch field {
	case fHost, fPort:
		f.autoHost = false // the person typed their own server: no more prefill
	case fEmail:
		f.updateUsernameHint()
	}
	if f.testCancel == nil { // an old result no longer describes the form
		f.testResult.SetText("")
	}
	f.setStatus("", widget.MediumImportance)
	f.validate()
}

func (f *accountForm) updateUsernameHint() {
	if e := strings.TrimSpace(f.email.Text); e != "" {
		f.username.SetPlaceHolder(e)
	} else {
		f.username.SetPlaceHolder("same as the email")
	}
}

// securityChanged moves the port along when it was the old default.
func (f *accountForm) securityChanged() {
	sec := securityValue(f.security.Selected)
	old := f.lastSec
	f.lastSec = sec
	if p := strings.TrimSpace(f.port.Text); p == "" || p == strconv.Itoa(defaultPort(old)) {
		wasFilling := f.filling
		f.filling = true
		f.port.SetText(strconv.Itoa(defaultPort(sec)))
		f.filling = wasFilling
	}
	f.port.SetPlaceHolder(strconv.Itoa(defaultPort(sec)))
	f.changed(fSecurity)
}

// prefill fills server, port and security from a known provider when the
// person leaves the email field, unless they typed a server themselves.
func (f *accountForm) prefill() {
	if !f.autoHost && strings.TrimSpace(f.host.Text) != "" {
		return
	}
	host, port, sec, ok := providers.Lookup(f.email.Text)
	if !ok {
		return
	}
	f.filling = true
	f.host.SetText(host)
	f.security.SetSelected(securityLabel(sec))
	f.lastSec = sec
	f.port.SetText(strconv.Itoa(port))
	f.filling = false
	f.autoHost = true
	f.validate()
}

// validate shows the problems of touched fields and allows Save only
// without any problem.
func (f *accountForm) validate() {
	if f.s.cfg == nil {
		f.saveBtn.Disable()
		f.testBtn.Disable()
		return
	}
	errs := validateForm(f.values(), f.base, f.s.cfg, f.index, f.hasSecret)
	var hidden []string
	relayout := false
	for name, l := range f.errs {
		msg, bad := errs[name]
		show := bad && f.touched[name]
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
	for _, name := range []string{fEmail, fHost, fPassword} {
		if _, bad := errs[name]; bad && !f.touched[name] {
			hidden = append(hidden, map[string]string{fEmail: "email", fHost: "server", fPassword: "password"}[name])
		}
	}
	if msg, bad := errs[fGeneral]; bad {
		f.general.SetText(msg)
		f.general.Show()
	} else {
		f.general.Hide()
	}
	if len(hidden) > 0 {
		f.missing.SetText("To save, fill in: " + strings.Join(hidden, ", "))
		f.missing.Show()
	} else {
		f.missing.Hide()
	}
	if len(errs) > 0 || f.s.saving {
		f.saveBtn.Disable()
	} else {
		f.saveBtn.Enable()
	}
	// A test needs a server; the rest is the server's to judge.
	if _, bad := errs[fHost]; bad && f.testCancel == nil {
		f.testBtn.Disable()
	} else {
		f.testBtn.Enable()
	}
}

func (f *accountForm) setStatus(text string, imp widget.Importance) {
	f.saveStatus.Importance = imp
	f.saveStatus.SetText(text)
}

func (f *accountForm) browseCA() {
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

// ---- Test connection ----

func (f *accountForm) testTapped() {
	if f.testCancel != nil {
		f.cancelTest()
		f.testResult.Importance = widget.MediumImportance
		f.testResult.SetText("Cancelled")
		return
	}
	f.startTest()
}

func (f *accountForm) cancelTest() {
	if f.testCancel != nil {
		f.testCancel()
		f.testCancel = nil
	}
	f.testGen++
	f.testing.Stop()
	f.testing.Hide()
	f.testBtn.SetText("Test connection")
}

// startTest logs in and EXAMINEs the first folder in the background, with
// the form's values; the form stays usable meanwhile.
func (f *accountForm) startTest() {
	cfg := f.s.cfg
	if cfg == nil {
		return
	}
	v := f.values()
	a := v.account(f.base)
	folder := a.EffectiveFolders()[0]
	host, port := a.Host, a.EffectivePort()
	typed, hasSecret := v.Password, f.hasSecret
	deps := f.s.u.deps

	f.testGen++
	gen := f.testGen
	timeout := probeTimeout
	ctx, cancel := context.WithTimeout(f.s.ctx, timeout)
	f.testCancel = cancel
	f.testBtn.SetText("Cancel test")
	f.testing.Show()
	f.testing.Start()
	f.testResult.Importance = widget.MediumImportance
	f.testResult.SetText("Testing…")

	go func() {
		defer cancel()
		password := func(ctx context.Context) (string, error) {
			switch {
			case typed != "":
				return typed, nil
			case a.PasswordCommand != "":
				return deps.PasswordCommand(ctx, a.PasswordCommand)
			case hasSecret && deps.Secrets != nil:
				return deps.Secrets.Get(ctx, a.ID)
			}
			return "", errors.New("no password typed")
		}
		var text string
		ok := false
		// MailAccount reads the CA file: that is why it runs here.
		acct, err := cfg.MailAccount(a, password)
		if err != nil {
			text = app.DescribeProbe(mail.FolderInfo{}, err, host, port, folder)
			var ce *config.Error
			if errors.As(err, &ce) {
				text = "Check the settings: " + err.Error()
			}
		} else {
			info, perr := deps.Probe(ctx, acct, folder, mail.Options{DialTimeout: timeout, CommandTimeout: timeout})
			if perr == nil && ctx.Err() != nil {
				perr = ctx.Err()
			}
			text = app.DescribeProbe(info, perr, host, port, folder)
			ok = perr == nil
		}
		f.s.u.ui(func() {
			if gen != f.testGen {
				return // cancelled, or another test started
			}
			f.testCancel = nil
			f.testing.Stop()
			f.testing.Hide()
			f.testBtn.SetText("Test connection")
			if ok {
				f.testResult.Importance = widget.SuccessImportance
			} else {
				f.testResult.Importance = widget.DangerImportance
			}
			f.testResult.SetText(text)
			f.validate()
		})
	}()
}

// ---- Save ----

// save writes the password to the keyring and the account to config.json in
// the background, then asks the core to reload.
func (f *accountForm) save() {
	s := f.s
	if s.cfg == nil || s.saving {
		return
	}
	v := f.values()
	if errs := validateForm(v, f.base, s.cfg, f.index, f.hasSecret); len(errs) > 0 {
		for k := range errs {
			f.touched[k] = true
		}
		f.validate()
		return
	}
	a := v.account(f.base)
	index := f.index
	next := withAccount(s.cfg, a, index)
	password := v.Password
	if a.PasswordCommand != "" {
		password = ""
	}
	isNew := index < 0
	dir, store, timeout := s.u.deps.ConfigDir, s.u.deps.Secrets, secretTimeout
	if password != "" && store == nil {
		f.setStatus("No keyring to keep the password in", widget.DangerImportance)
		return
	}

	s.setSaving(true)
	f.setStatus("Saving…", widget.LowImportance)
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		err := func() error {
			if password != "" {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				if err := store.Set(ctx, a.ID, password); err != nil {
					return fmt.Errorf("could not save the password in the keyring: %w", err)
				}
			}
			if err := config.Save(dir, next); err != nil {
				if isNew && password != "" { // do not leave a secret without an account
					ctx, cancel := context.WithTimeout(context.Background(), timeout)
					_ = store.Delete(ctx, a.ID)
					cancel()
				}
				return fmt.Errorf("could not save the settings: %w", err)
			}
			return nil
		}()
		if err == nil {
			s.u.send(control.Command{Cmd: control.CmdReload})
		}
		s.u.ui(func() {
			s.setSaving(false)
			if err != nil {
				f.setStatus(err.Error(), widget.DangerImportance)
				return
			}
			s.cfg = next
			s.acctList.Refresh()
			if isNew {
				index = len(next.Accounts) - 1
			}
			if f.base.ID == a.ID { // still the same account in the form
				f.saved(a, index, password)
				s.quiet = true
				s.acctList.Select(index)
				s.quiet = false
				s.removeBtn.Enable()
			}
			f.setStatus("Saved — Mailbell applies it now", widget.SuccessImportance)
		})
	}()
}

// ---- Preferences ----

type prefsForm struct {
	s       *settingsWindow
	content fyne.CanvasObject

	notifications, showSender, showSubject, startAtLogin *widget.Check
	idle                                                 *widget.Entry
	idleErr, status, autoNote                            *widget.Label
	saveBtn                                              *widget.Button
	saved                                                config.Preferences
	autoOn                                               bool
	filling                                              bool
}

func newPrefsForm(s *settingsWindow) *prefsForm {
	p := &prefsForm{s: s}
	changed := func(bool) { p.changed() }
	p.notifications = widget.NewCheck("Show a notification when mail arrives", changed)
	p.showSender = widget.NewCheck("Show the sender", changed)
	p.showSubject = widget.NewCheck("Show the subject", changed)
	p.startAtLogin = widget.NewCheck("Start Mailbell when I log in", changed)
	p.autoNote = widget.NewLabel("")
	p.autoNote.Importance = widget.LowImportance
	p.autoNote.Hide()
	p.idle = widget.NewEntry()
	p.idle.OnChanged = func(string) { p.changed() }
	p.idleErr = widget.NewLabel("")
	p.idleErr.Importance = widget.DangerImportance
	p.idleErr.SizeName = theme.SizeNameCaptionText
	p.idleErr.Hide()
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), p.save)
	p.saveBtn.Importance = widget.HighImportance
	p.saveBtn.Disable()

	idleHelp := widget.NewLabel(fmt.Sprintf("Renew the IDLE connection every this many minutes (%d–%d). Lower it if a firewall drops quiet connections.",
		config.MinIdleRefreshMinutes, config.MaxIdleRefreshMinutes))
	idleHelp.Wrapping = fyne.TextWrapWord
	idleHelp.Importance = widget.LowImportance

	p.content = container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("Notifications", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.notifications,
		container.NewPadded(container.NewVBox(p.showSender, p.showSubject)),
		widget.NewLabelWithStyle("Startup", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(p.startAtLogin, p.autoNote),
		widget.NewLabelWithStyle("Connection", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.New(layout.NewFormLayout(), widget.NewLabel("IDLE refresh (minutes)"), container.NewVBox(p.idle, p.idleErr)),
		idleHelp,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, p.saveBtn, p.status),
	))
	p.notifications.Disable()
	p.showSender.Disable()
	p.showSubject.Disable()
	p.startAtLogin.Disable()
	p.idle.Disable()
	return p
}

func (p *prefsForm) load(prefs config.Preferences, autoOn bool) {
	p.saved, p.autoOn = prefs, autoOn
	p.filling = true
	p.notifications.SetChecked(prefs.Notifications)
	p.showSender.SetChecked(prefs.ShowSender)
	p.showSubject.SetChecked(prefs.ShowSubject)
	p.startAtLogin.SetChecked(autoOn)
	p.idle.SetText(strconv.Itoa(prefs.IdleRefreshMinutes))
	p.filling = false
	p.notifications.Enable()
	p.idle.Enable()
	auto := p.s.u.deps.Autostart
	if auto == nil || !auto.Supported() {
		p.startAtLogin.Disable()
		p.autoNote.SetText("not supported on this system yet")
		p.autoNote.Show()
	} else {
		p.startAtLogin.Enable()
		p.autoNote.Hide()
	}
	p.validate()
}

// values returns the preferences as the form has them; ok is false while
// the IDLE minutes are not valid.
func (p *prefsForm) values() (config.Preferences, bool, string) {
	prefs := p.saved
	prefs.Notifications = p.notifications.Checked
	prefs.ShowSender = p.showSender.Checked
	prefs.ShowSubject = p.showSubject.Checked
	prefs.StartAtLogin = p.startAtLogin.Checked
	n, err := strconv.Atoi(strings.TrimSpace(p.idle.Text))
	if err != nil || n < config.MinIdleRefreshMinutes || n > config.MaxIdleRefreshMinutes {
		return prefs, false, fmt.Sprintf("A whole number of minutes from %d to %d", config.MinIdleRefreshMinutes, config.MaxIdleRefreshMinutes)
	}
	prefs.IdleRefreshMinutes = n
	return prefs, true, ""
}

func (p *prefsForm) changed() {
	if p.filling {
		return
	}
	p.status.SetText("")
	p.validate()
}

func (p *prefsForm) validate() {
	if p.s.cfg == nil {
		p.saveBtn.Disable()
		return
	}
	if p.notifications.Checked {
		p.showSender.Enable()
		p.showSubject.Enable()
	} else {
		p.showSender.Disable()
		p.showSubject.Disable()
	}
	prefs, ok, msg := p.values()
	if ok {
		p.idleErr.Hide()
	} else {
		p.idleErr.SetText(msg)
		p.idleErr.Show()
	}
	dirty := prefs != p.saved || p.startAtLogin.Checked != p.autoOn
	if !ok || !dirty || p.s.saving {
		p.saveBtn.Disable()
	} else {
		p.saveBtn.Enable()
	}
}

// save writes the preferences and the autostart entry in the background.
func (p *prefsForm) save() {
	s := p.s
	prefs, ok, _ := p.values()
	if !ok || s.cfg == nil || s.saving {
		return
	}
	next := *s.cfg
	next.Preferences = prefs
	dir, auto := s.u.deps.ConfigDir, s.u.deps.Autostart
	wantAuto, hadAuto := p.startAtLogin.Checked, p.autoOn
	s.setSaving(true)
	p.status.Importance = widget.LowImportance
	p.status.SetText("Saving…")
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		err := config.Save(dir, &next)
		if err == nil {
			s.u.send(control.Command{Cmd: control.CmdReload})
		}
		autoErr := error(nil)
		autoNow := hadAuto
		if err == nil && auto != nil && auto.Supported() && wantAuto != hadAuto {
			if wantAuto {
				autoErr = auto.Enable()
			} else {
				autoErr = auto.Disable()
			}
			if autoErr == nil {
				autoNow = wantAuto
			}
		}
		s.u.ui(func() {
			s.setSaving(false)
			switch {
			case err != nil:
				p.status.Importance = widget.DangerImportance
				p.status.SetText("Could not save: " + err.Error())
				return
			case autoErr != nil:
				p.status.Importance = widget.DangerImportance
				p.status.SetText("Saved, but start at login could not be changed: " + autoErr.Error())
			default:
				p.status.Importance = widget.SuccessImportance
				p.status.SetText("Saved")
			}
			s.cfg = &next
			s.autoOn = autoNow
			p.saved, p.autoOn = prefs, autoNow
			p.filling = true
			p.startAtLogin.SetChecked(autoNow)
			p.filling = false
			p.validate()
		})
	}()
}
