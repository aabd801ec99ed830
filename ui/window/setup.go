package window

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/discover"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// Discoverer finds the IMAP settings of an address (discover.Lookup with
// the process's options). It runs off the UI goroutine; progress is called
// on its goroutine and must not block.
type Discoverer func(ctx context.Context, email string, progress func(discover.Progress)) (discover.Result, error)

// lookupFromEnv is the Discoverer of a real run: discover.Lookup with
// discover.OptionsFromEnv (the system's resolver and roots, unless a test
// set the discovery environment).
func lookupFromEnv(ctx context.Context, email string, progress func(discover.Progress)) (discover.Result, error) {
	opts, err := discover.OptionsFromEnv()
	if err != nil {
		return discover.Result{}, err
	}
	opts.Progress = progress
	return discover.Lookup(ctx, email, opts)
}

// setupState is where the first-run window is in its flow.
type setupState int

const (
	setupEmpty      setupState = iota // no usable address typed yet
	setupFinding                      // discovery running
	setupFound                        // settings found (or typed by hand)
	setupNotFound                     // discovery found nothing, failed or was cancelled
	setupConnecting                   // test_account, then save_account, running
	setupDone                         // saved: the window closes
)

// Words of the first-run window (functions: the catalogue speaks the
// language l10n.Use chose, which happens before any window is built).
func setupTitle() string    { return l10n.T("setup.title") }
func noTrayText() string    { return l10n.T("notray.text") }
func editLabel() string     { return l10n.T("setup.edit_manually") }
func quitLabel() string     { return l10n.T("notray.quit") }
func notFoundText() string  { return l10n.T("setup.not_found") }
func cancelledText() string { return l10n.T("setup.cancelled") }

// setupWindow is the first-run window: "Add your mail account". The
// person types a name, the address and the password; the settings are
// looked up from the address (discovery runs in this process off the UI
// goroutine, with progress and a cancel; see Discoverer), then tested by
// the core with the password and saved by the core, exactly as the
// settings window's Test connection and Save do. "Edit manually" is always
// there. Where there is no tray host it says how to get one, and has Quit.
type setupWindow struct {
	u    *UI
	ctrl *settings.Controller
	w    fyne.Window

	noTray   *widget.Label
	name     *widget.Entry
	email    *focusEntry
	password *widget.Entry
	pwLabel  *widget.Label
	signIn   *widget.Button

	findBtn   *widget.Button
	cancelBtn *widget.Button // in the find button's place while looking up
	activity  *widget.Activity
	progress  *widget.Label // the lookup's step, then what was found

	editBtn  *widget.Button
	manual   *fyne.Container // host, port, security, username
	host     *widget.Entry
	port     *widget.Entry
	security *widget.Select
	username *widget.Entry

	connectBtn *widget.Button
	status     *widget.Label // the test's and the save's words
	quitBtn    *widget.Button

	state     setupState
	found     *discover.Result // the settings shown, nil before any
	foundFor  string           // the address found is for
	finding   string           // the address being looked up
	findGen   int              // the lookup whose answer is awaited
	stopFind  context.CancelFunc
	thenGo    bool // Connect was pressed while the lookup ran
	filling   bool
	cfg       *config.Config // from the core; nil until loaded
	loadError string

	ctx    context.Context // ends when the window closes
	cancel context.CancelFunc
}

func newSetupWindow(u *UI) *setupWindow {
	s := &setupWindow{u: u, ctrl: settings.New(u.b)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.w = u.app.NewWindow(l10n.T("setup.window_title"))
	s.buildUI()
	s.load()
	return s
}

func (s *setupWindow) buildUI() {
	title := widget.NewLabelWithStyle(setupTitle(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(l10n.T("setup.intro"))
	intro.Wrapping = fyne.TextWrapWord

	s.noTray = widget.NewLabel(noTrayText())
	s.noTray.Wrapping = fyne.TextWrapWord
	s.noTray.Importance = widget.WarningImportance
	s.quitBtn = widget.NewButtonWithIcon(quitLabel(), theme.LogoutIcon(), s.onQuit)
	if !s.u.deps.NoTray {
		s.noTray.Hide()
		s.quitBtn.Hide()
	}

	s.name = widget.NewEntry()
	s.name.PlaceHolder = l10n.T("setup.name_placeholder")
	s.email = newFocusEntry()
	s.email.PlaceHolder = l10n.T("setup.email_placeholder")
	s.email.OnChanged = func(string) { s.onEmailChanged() }
	s.email.OnSubmitted = func(string) { s.find() }
	s.email.onFocusLost = func() {
		if s.state == setupEmpty || (s.state != setupFinding && s.state != setupConnecting && s.foundFor != s.address()) {
			s.find()
		}
	}
	s.password = widget.NewPasswordEntry()
	s.password.OnChanged = func(string) { s.refresh() }
	s.password.OnSubmitted = func(string) { s.onConnect() }
	s.pwLabel = widget.NewLabel(l10n.T("setup.password"))
	s.signIn = widget.NewButtonWithIcon(l10n.T("setup.sign_in"), theme.LoginIcon(), s.onSignIn)
	s.signIn.Importance = widget.HighImportance
	s.signIn.Hide()

	s.findBtn = widget.NewButtonWithIcon(l10n.T("setup.find"), theme.SearchIcon(), s.onFind)
	s.cancelBtn = widget.NewButtonWithIcon(l10n.T("setup.cancel"), theme.CancelIcon(), s.onCancelFind)
	s.cancelBtn.Hide()
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.progress = widget.NewLabel("")
	s.progress.Wrapping = fyne.TextWrapWord

	s.host = widget.NewEntry()
	s.host.PlaceHolder = l10n.T("setup.host_placeholder")
	s.port = widget.NewEntry()
	s.security = widget.NewSelect(settings.SecurityLabels(), func(string) { s.onManualChanged() })
	s.username = widget.NewEntry()
	for _, e := range []*widget.Entry{s.host, s.port, s.username} {
		e.OnChanged = func(string) { s.onManualChanged() }
	}
	grid := container.New(layout.NewFormLayout(),
		widget.NewLabel(l10n.T("setup.host")), s.host,
		widget.NewLabel(l10n.T("setup.port")), s.port,
		widget.NewLabel(l10n.T("setup.security")), s.security,
		widget.NewLabel(l10n.T("setup.username")), s.username,
	)
	s.manual = container.NewVBox(widget.NewSeparator(), grid)
	s.manual.Hide()
	s.editBtn = widget.NewButtonWithIcon(editLabel(), theme.DocumentCreateIcon(), s.onEdit)

	s.connectBtn = widget.NewButtonWithIcon(l10n.T("setup.connect"), theme.ConfirmIcon(), s.onConnect)
	s.connectBtn.Importance = widget.HighImportance
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord

	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(l10n.T("setup.name")), s.name,
		widget.NewLabel(l10n.T("setup.email")), s.email,
		s.pwLabel, s.password,
	)
	findRow := container.NewBorder(nil, nil, container.NewHBox(s.findBtn, s.cancelBtn, s.activity), s.editBtn)
	content := container.NewVBox(
		title, intro, s.noTray,
		form,
		findRow, s.progress, s.signIn,
		s.manual,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, s.quitBtn, s.connectBtn),
		s.status,
	)
	s.w.SetContent(container.NewVScroll(container.NewPadded(content)))
	s.w.Resize(fyne.NewSize(520, 560))
	s.w.Canvas().Focus(s.email)
	s.refresh()
}

func (s *setupWindow) closed() {
	s.cancel()
	if s.stopFind != nil {
		s.stopFind()
	}
}

// load asks the core for config.json (for a fresh account id and the
// same validation as the settings window).
func (s *setupWindow) load() {
	go func() {
		l, err := s.ctrl.Load(s.ctx)
		s.u.ui(func() { s.onLoaded(l, err) })
	}()
}

func (s *setupWindow) onLoaded(l settings.Loaded, err error) {
	switch {
	case err != nil:
		s.loadError = l10n.T("settings.load_failed", l10n.Args{"Error": err.Error()})
	case l.Error != "":
		s.loadError = l10n.T("setup.config_unusable", l10n.Args{"Error": l.Error})
	default:
		s.cfg = l.Config
	}
	if s.loadError != "" {
		s.setStatus(s.loadError, widget.DangerImportance)
	}
	s.refresh()
}

func (s *setupWindow) address() string { return strings.TrimSpace(s.email.Text) }

func (s *setupWindow) onEmailChanged() {
	if s.state == setupFinding {
		s.stopLookup()
	}
	if s.state != setupConnecting && s.address() != s.foundFor {
		if s.manual.Visible() {
			s.state = setupFound // typed by hand: keep what the person typed
		} else {
			s.state = setupEmpty
			s.found = nil
			s.progress.SetText("")
			s.signIn.Hide()
		}
	}
	s.refresh()
}

// onFind looks the address up, unless that lookup already runs (leaving
// the email field for the button started it a moment ago).
func (s *setupWindow) onFind() {
	if s.state == setupFinding && s.finding == s.address() {
		return
	}
	s.find()
}

// onCancelFind stops the lookup; Edit manually stays.
func (s *setupWindow) onCancelFind() {
	if s.state != setupFinding {
		return
	}
	s.stopLookup()
	s.state = setupNotFound
	s.thenGo = false
	s.progress.Importance = widget.MediumImportance
	s.progress.SetText(cancelledText())
	s.refresh()
}

// find starts the lookup of the typed address in the background.
func (s *setupWindow) find() {
	email := s.address()
	if _, err := discoverableAddress(email); err != nil {
		if email != "" {
			s.progress.Importance = widget.DangerImportance
			s.progress.SetText(l10n.T("setup.not_an_address"))
		}
		return
	}
	s.stopLookup()
	s.findGen++
	gen := s.findGen
	ctx, stop := context.WithCancel(s.ctx)
	s.stopFind = stop
	s.state = setupFinding
	s.finding = email
	s.progress.Importance = widget.MediumImportance
	s.progress.SetText(l10n.T("setup.looking_up", l10n.Args{"Email": email}))
	s.setStatus("", widget.MediumImportance)
	s.refresh()
	discoverFn := s.u.deps.Discover
	if discoverFn == nil {
		discoverFn = lookupFromEnv
	}
	go func() {
		defer stop()
		r, err := discoverFn(ctx, email, func(p discover.Progress) {
			text := p.Text()
			s.u.ui(func() {
				if gen == s.findGen && s.state == setupFinding {
					s.progress.SetText(text)
				}
			})
		})
		s.u.ui(func() { s.onFound(gen, email, r, err) })
	}()
}

// signInWith is the sign-in button's words for a provider discovery named:
// "Sign in with Google", or with the person's provider when unnamed.
func signInWith(p discover.OAuth2Provider) string {
	switch p {
	case discover.OAuth2Google:
		return l10n.T("signin.with", l10n.Args{"Provider": "Google"})
	case discover.OAuth2Microsoft:
		return l10n.T("signin.with", l10n.Args{"Provider": "Microsoft"})
	}
	return l10n.T("signin.with_your_provider")
}

// discoverableAddress checks the address the way discovery will.
func discoverableAddress(email string) (string, error) {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || !strings.Contains(email[at+1:], ".") {
		return "", errors.New("not an email address")
	}
	return email[at+1:], nil
}

func (s *setupWindow) stopLookup() {
	if s.stopFind != nil {
		s.stopFind()
		s.stopFind = nil
	}
	s.findGen++ // a late answer is dropped
}

func (s *setupWindow) onFound(gen int, email string, r discover.Result, err error) {
	if gen != s.findGen {
		return // cancelled, or another lookup started
	}
	s.stopFind = nil
	then := s.thenGo
	s.thenGo = false
	if err != nil {
		s.state = setupNotFound
		s.found = nil
		s.progress.Importance = widget.WarningImportance
		switch {
		case errors.Is(err, context.Canceled):
			s.progress.SetText(cancelledText())
		case errors.Is(err, discover.ErrNotFound), errors.Is(err, context.DeadlineExceeded):
			s.progress.SetText(notFoundText())
		default:
			s.progress.SetText(l10n.T("setup.lookup_failed", l10n.Args{"Error": err.Error()}))
		}
		s.refresh()
		return
	}
	s.found, s.foundFor, s.state = &r, email, setupFound
	s.progress.Importance = widget.SuccessImportance
	s.progress.SetText(r.Describe())
	s.fillManual(r)
	s.showAuth(r)
	s.refresh()
	if then {
		s.onConnect()
	}
}

// fillManual puts the found settings into the manual fields, so that Edit
// manually starts from them.
func (s *setupWindow) fillManual(r discover.Result) {
	s.filling = true
	defer func() { s.filling = false }()
	s.host.SetText(r.Host)
	s.port.SetText(strconv.Itoa(r.Port))
	s.security.SetSelected(settings.SecurityLabel(string(r.Security)))
	s.username.SetText(r.Username)
}

// showAuth shows the password field, the sign-in button, or both.
func (s *setupWindow) showAuth(r discover.Result) {
	only, offered := settings.NeedsSignIn(r)
	if !offered {
		s.signIn.Hide()
		s.pwLabel.SetText(l10n.T("setup.password"))
		s.password.Show()
		s.pwLabel.Show()
		return
	}
	s.signIn.SetText(signInWith(r.OAuth2Provider))
	s.signIn.Show()
	if sg := s.u.deps.SignIn; sg == nil || !sg.Available(r.OAuth2Provider) {
		s.signIn.Disable()
		s.signIn.SetText(l10n.T("setup.sign_in_unavailable", l10n.Args{"Action": signInWith(r.OAuth2Provider)}))
	} else {
		s.signIn.Enable()
	}
	if only {
		s.password.Hide()
		s.pwLabel.Hide()
	} else {
		s.pwLabel.SetText(l10n.T("setup.app_password"))
		s.password.Show()
		s.pwLabel.Show()
	}
}

func (s *setupWindow) onEdit() {
	if s.manual.Visible() {
		return
	}
	if s.state == setupFinding {
		s.stopLookup()
	}
	if s.found == nil && strings.TrimSpace(s.host.Text) == "" {
		s.filling = true
		if d, err := discoverableAddress(s.address()); err == nil {
			s.host.SetText("imap." + d)
		}
		s.security.SetSelected(settings.SecurityLabel(string(settings.SecurityValue(""))))
		s.port.SetText(strconv.Itoa(settings.DefaultPort(settings.SecurityValue(s.security.Selected))))
		s.username.SetText(s.address())
		s.filling = false
	}
	s.manual.Show()
	s.editBtn.Disable()
	if s.state != setupConnecting {
		s.state = setupFound
	}
	s.password.Show()
	s.pwLabel.Show()
	s.w.Content().Refresh()
	s.refresh()
}

func (s *setupWindow) onManualChanged() {
	if s.filling {
		return
	}
	s.refresh()
}

// account is the account the form describes, with a fresh id.
func (s *setupWindow) account() (config.Account, bool) {
	if s.cfg == nil {
		return config.Account{}, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(s.port.Text))
	host := strings.TrimSpace(s.host.Text)
	if host == "" || err != nil || port <= 0 || port > 65535 {
		return config.Account{}, false
	}
	a := config.Account{
		ID:       config.NewID(s.cfg.Accounts),
		Name:     strings.TrimSpace(s.name.Text),
		Email:    s.address(),
		Host:     host,
		Port:     port,
		Security: settings.SecurityValue(s.security.Selected),
		Username: strings.TrimSpace(s.username.Text),
	}
	if a.Username == a.Email {
		a.Username = "" // the default: config.json stays short
	}
	return a, true
}

// canConnect: an account to test and a password for it.
func (s *setupWindow) canConnect() bool {
	if s.state != setupFound || s.loadError != "" {
		return false
	}
	_, ok := s.account()
	return ok && s.password.Visible() && s.password.Text != ""
}

// onConnect tests the settings with the password through the core (the
// same test and words as Test connection), then has the core save the
// account and its password; watching starts with the save.
func (s *setupWindow) onConnect() {
	if s.state == setupFinding {
		if s.password.Text != "" {
			s.thenGo = true // connect as soon as the settings are found
			s.setStatus(l10n.T("setup.connect_when_found"), widget.LowImportance)
		}
		return
	}
	if s.state == setupEmpty {
		s.thenGo = s.password.Text != ""
		s.find()
		return
	}
	if !s.canConnect() {
		return
	}
	a, _ := s.account()
	pw := s.password.Text
	s.state = setupConnecting
	s.setStatus(l10n.T("setup.testing"), widget.LowImportance)
	s.activity.Show()
	s.activity.Start()
	s.refresh()
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		r := s.ctrl.Test(s.ctx, a, "", pw)
		if !r.OK {
			s.u.ui(func() { s.onConnectFailed(r.Text) })
			return
		}
		s.u.ui(func() { s.setStatus(l10n.T("setup.tested_saving", l10n.Args{"Result": r.Text}), widget.LowImportance) })
		_, err := s.ctrl.SaveAccount(context.Background(), a, "", pw)
		s.u.ui(func() {
			if err != nil {
				s.onConnectFailed(l10n.T("setup.connected_not_saved", l10n.Args{"Error": err.Error()}))
				return
			}
			s.onSaved(r.Text)
		})
	}()
}

func (s *setupWindow) onConnectFailed(text string) {
	s.activity.Stop()
	s.activity.Hide()
	s.state = setupFound
	s.setStatus(text, widget.DangerImportance)
	s.refresh()
}

// onSaved: the core watches the account now. The recent window shows it
// ("Connected · idle") and its mail; this window's work is done.
func (s *setupWindow) onSaved(text string) {
	s.activity.Stop()
	s.activity.Hide()
	s.state = setupDone
	s.setStatus(l10n.T("setup.saved", l10n.Args{"Result": text}), widget.SuccessImportance)
	s.refresh()
	s.u.openRecent()
	s.w.Close()
}

func (s *setupWindow) onSignIn() {
	sg := s.u.deps.SignIn
	if sg == nil || s.found == nil || s.state != setupFound {
		return
	}
	a, ok := s.account()
	if !ok {
		return
	}
	provider := s.found.OAuth2Provider
	s.state = setupConnecting
	s.setStatus(l10n.T("setup.signing_in"), widget.LowImportance)
	s.refresh()
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		signed, err := sg.SignIn(s.ctx, provider, a)
		if err != nil {
			s.u.ui(func() { s.onConnectFailed(l10n.T("signin.failed", l10n.Args{"Error": err.Error()})) })
			return
		}
		r := s.ctrl.Test(s.ctx, signed, "", "")
		if !r.OK {
			s.u.ui(func() { s.onConnectFailed(r.Text) })
			return
		}
		_, err = s.ctrl.SaveAccount(context.Background(), signed, "", "")
		s.u.ui(func() {
			if err != nil {
				s.onConnectFailed(l10n.T("setup.signed_in_not_saved", l10n.Args{"Error": err.Error()}))
				return
			}
			s.onSaved(r.Text)
		})
	}()
}

// onQuit ends Mailbell (where there is no tray, its only Quit).
func (s *setupWindow) onQuit() { s.u.quitMailbell() }

func (s *setupWindow) setStatus(text string, imp widget.Importance) {
	s.status.Importance = imp
	s.status.SetText(text)
}

// refresh sets the buttons from the state.
func (s *setupWindow) refresh() {
	finding := s.state == setupFinding
	if finding {
		s.findBtn.Hide()
		s.cancelBtn.Show()
		s.activity.Show()
		s.activity.Start()
	} else {
		s.cancelBtn.Hide()
		s.findBtn.Show()
		if s.state != setupConnecting {
			s.activity.Stop()
			s.activity.Hide()
		}
	}
	_, addrErr := discoverableAddress(s.address())
	if addrErr == nil && s.state != setupConnecting && s.state != setupDone {
		s.findBtn.Enable()
	} else {
		s.findBtn.Disable()
	}
	if s.canConnect() {
		s.connectBtn.Enable()
	} else {
		s.connectBtn.Disable()
	}
}

// quitMailbell asks the core to quit, then closes this process's windows.
// UI goroutine.
func (u *UI) quitMailbell() {
	u.send(control.Command{Cmd: control.CmdQuit})
	u.quitting = true
	u.goneOnce.Do(func() { close(u.gone) })
	u.quit()
}

// openSetup shows (or raises) the first-run window. UI goroutine.
func (u *UI) openSetup() *setupWindow {
	if u.setup == nil {
		s := newSetupWindow(u)
		u.setup = s
		s.w.SetOnClosed(func() {
			s.closed()
			if u.setup == s {
				u.setup = nil
			}
			u.windowClosed()
		})
	}
	u.setup.w.Show()
	u.setup.w.RequestFocus()
	return u.setup
}
