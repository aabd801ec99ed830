package window

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// settingsWindow shows accounts and preferences and sends what the person
// changes to the core, which alone writes config.json and the keyring
// (through settings.Controller). Every call to the core runs off the UI
// goroutine; its answer comes back through u.ui.
//
// Its parts: this file (the window, the account list, remove),
// settings_account.go (the account form and save), conncheck.go (Test
// connection), settings_prefs.go (preferences) and settings_language.go
// (the Language choice).
type settingsWindow struct {
	u    *UI
	ctrl *settings.Controller
	w    fyne.Window

	status *widget.Label // loading, load errors
	tabs   *container.AppTabs

	cfg       *config.Config // nil until loaded, or when it cannot be used
	autoSupp  bool           // start at login is supported here
	loaded    bool
	saving    bool
	pending   string
	quiet     bool // selecting in the list without refilling the form
	loadError string

	// accounts tab
	rows      []int // the list's rows: indices into cfg.Accounts, by name in the language's order
	acctList  *widget.List
	addBtn    *widget.Button
	removeBtn *widget.Button
	form      *accountForm
	formBox   *fyne.Container
	noForm    *widget.Label

	prefs *prefsForm
	rules *rulesForm // the Notifications tab (settings_rules.go)

	ctx    context.Context // cancelled when the window closes
	cancel context.CancelFunc
}

func newSettingsWindow(u *UI) *settingsWindow {
	s := &settingsWindow{u: u, ctrl: settings.New(u.b)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.w = u.app.NewWindow(l10n.T("settings.window_title"))
	s.buildUI()
	s.load()
	return s
}

func (s *settingsWindow) buildUI() {
	s.status = widget.NewLabel(l10n.T("settings.loading"))
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.LowImportance

	s.acctList = widget.NewList(s.accountCount, s.newAccountRow, s.updateAccountRow)
	s.acctList.OnSelected = s.onAccountSelected
	s.addBtn = widget.NewButtonWithIcon(l10n.T("settings.accounts.add"), theme.ContentAddIcon(), s.onAdd)
	s.removeBtn = widget.NewButtonWithIcon(l10n.T("settings.accounts.remove"), theme.DeleteIcon(), s.onRemove)
	s.removeBtn.Disable()
	s.addBtn.Disable()

	s.form = newAccountForm(s)
	s.noForm = widget.NewLabel(l10n.T("settings.accounts.none_chosen"))
	s.noForm.Alignment = fyne.TextAlignCenter
	s.noForm.Importance = widget.LowImportance
	s.formBox = container.NewStack(container.NewCenter(s.noForm))

	left := container.NewBorder(nil, container.NewVBox(s.onlineAccountsBox(), container.NewHBox(s.addBtn, s.removeBtn)), nil, nil, s.acctList) // settings_goa.go
	split := container.NewHSplit(left, s.formBox)
	split.SetOffset(0.28)

	s.prefs = newPrefsForm(s)
	s.rules = newRulesForm(s)

	s.tabs = container.NewAppTabs(
		container.NewTabItem(l10n.T("settings.tab.accounts"), split),
		container.NewTabItem(l10n.T("settings.tab.preferences"), s.prefs.content),
		container.NewTabItem(l10n.T("settings.tab.notifications"), s.rules.content),
	)
	s.w.SetContent(container.NewBorder(s.status, nil, nil, nil, s.tabs))
	s.w.Resize(fyne.NewSize(720, 600))
}

func (s *settingsWindow) accountCount() int { return len(s.rows) }

// sortAccounts orders the list by the accounts' names as the language
// sorts them (l10n's collation: "Émilie" beside "Emil") and redraws it.
// Call it whenever cfg.Accounts changes.
func (s *settingsWindow) sortAccounts() {
	s.rows = s.rows[:0]
	if s.cfg != nil {
		for i := range s.cfg.Accounts {
			s.rows = append(s.rows, i)
		}
		l10n.SortFunc(s.rows, func(i int) string { return s.cfg.Accounts[i].DisplayName() })
	}
	s.acctList.Refresh()
}

// accountAt is the account shown in the list's row id.
func (s *settingsWindow) accountAt(id widget.ListItemID) (config.Account, bool) {
	if s.cfg == nil || id < 0 || id >= len(s.rows) || s.rows[id] >= len(s.cfg.Accounts) {
		return config.Account{}, false
	}
	return s.cfg.Accounts[s.rows[id]], true
}

// rowOf is the list row of cfg.Accounts[index] (-1: none).
func (s *settingsWindow) rowOf(index int) widget.ListItemID {
	for row, i := range s.rows {
		if i == index {
			return row
		}
	}
	return -1
}

func (s *settingsWindow) newAccountRow() fyne.CanvasObject {
	l := widget.NewLabel("account name")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (s *settingsWindow) updateAccountRow(id widget.ListItemID, o fyne.CanvasObject) {
	a, ok := s.accountAt(id)
	if !ok {
		return
	}
	text := a.DisplayName()
	if !a.IsEnabled() {
		text = l10n.T("settings.accounts.disabled", l10n.Args{"Name": text})
	}
	o.(*widget.Label).SetText(text)
}

func (s *settingsWindow) closed() { s.cancel() }

// load asks the core for the settings in the background.
func (s *settingsWindow) load() {
	go func() {
		l, err := s.ctrl.Load(s.ctx)
		s.u.ui(func() { s.onLoaded(l, err) })
	}()
}

func (s *settingsWindow) onLoaded(l settings.Loaded, err error) {
	s.loaded = true
	switch {
	case err != nil:
		s.showStatus(l10n.T("settings.load_failed", l10n.Args{"Error": err.Error()}), widget.DangerImportance)
		return
	case l.Error != "":
		// A file that does not load is never overwritten (the core refuses
		// too): say what is wrong and leave everything read-only.
		s.loadError = l.Error
		s.showStatus(l10n.T("settings.config_unusable", l10n.Args{"Error": l.Error}), widget.DangerImportance)
		return
	}
	s.cfg = l.Config
	s.autoSupp = l.AutostartSupported
	s.status.Hide()
	s.w.Content().Refresh()
	s.addBtn.Enable()
	s.sortAccounts()
	s.prefs.load(l.Config.Preferences, l.AutostartSupported)
	s.rules.load(l.Config.Preferences)
	if s.pending != "" {
		id := s.pending
		s.pending = ""
		s.selectAccount(id)
	} else if len(l.Config.Accounts) == 0 {
		s.onAdd()
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
			s.acctList.Select(s.rowOf(i)) // calls onAccountSelected
			return
		}
	}
}

func (s *settingsWindow) onAccountSelected(id widget.ListItemID) {
	a, ok := s.accountAt(id)
	if s.quiet || !ok {
		return
	}
	s.form.edit(a, true)
	s.showForm()
	s.removeBtn.Enable()
}

func (s *settingsWindow) onAdd() {
	if s.cfg == nil {
		return
	}
	s.acctList.UnselectAll()
	s.form.edit(config.Account{ID: config.NewID(s.cfg.Accounts)}, false)
	s.showForm()
	s.removeBtn.Disable()
	s.w.Canvas().Focus(s.form.entries[settings.FEmail])
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
	s.rules.validate()
	if on || !s.form.editing {
		s.removeBtn.Disable()
	} else {
		s.removeBtn.Enable()
	}
}

// onRemove asks, then has the core remove the account in the form.
func (s *settingsWindow) onRemove() {
	if s.cfg == nil || !s.form.editing || s.saving {
		return
	}
	a, ok := s.cfg.Account(s.form.base.ID)
	if !ok {
		return
	}
	msg := l10n.T("settings.remove.question", l10n.Args{"Name": a.DisplayName()})
	dialog.ShowConfirm(l10n.T("settings.remove.title"), msg, func(ok bool) {
		if ok {
			s.remove(a.ID)
		}
	}, s.w)
}

// remove has the core take the account out of config.json and delete its
// password; the window only shows the outcome.
func (s *settingsWindow) remove(id string) {
	if s.cfg == nil || s.saving {
		return
	}
	s.setSaving(true)
	s.form.setStatus(l10n.T("settings.remove.removing"), widget.LowImportance)
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		err := s.ctrl.RemoveAccount(context.Background(), id)
		s.u.ui(func() { s.onRemoved(id, err) })
	}()
}

func (s *settingsWindow) onRemoved(id string, err error) {
	s.setSaving(false)
	if err != nil {
		s.form.setStatus(l10n.T("settings.remove.failed", l10n.Args{"Error": err.Error()}), widget.DangerImportance)
		return
	}
	s.cfg, _ = s.cfg.WithoutAccount(id)
	s.acctList.UnselectAll()
	s.sortAccounts()
	if s.form.base.ID == id {
		s.form.editing = false
		s.hideForm()
	}
}
