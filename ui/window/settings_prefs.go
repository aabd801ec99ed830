package window

import (
	"context"
	"reflect"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// prefsForm is the Preferences tab. Saving sends the preferences, start at
// login included, to the core, which applies autostart and writes
// config.json.
type prefsForm struct {
	s       *settingsWindow
	content fyne.CanvasObject

	notifications, showSender, showSubject, startAtLogin *widget.Check
	idle                                                 *widget.Entry
	language                                             *widget.Select // settings_language.go
	languageTags                                         map[string]string
	idleErr, status, autoNote                            *widget.Label
	saveBtn                                              *widget.Button
	saved                                                config.Preferences
	filling                                              bool
}

func newPrefsForm(s *settingsWindow) *prefsForm {
	p := &prefsForm{s: s}
	p.buildUI()
	return p
}

func (p *prefsForm) buildUI() {
	changed := func(bool) { p.onChanged() }
	p.notifications = widget.NewCheck(l10n.T("settings.prefs.notifications"), changed)
	p.showSender = widget.NewCheck(l10n.T("settings.prefs.show_sender"), changed)
	p.showSubject = widget.NewCheck(l10n.T("settings.prefs.show_subject"), changed)
	p.startAtLogin = widget.NewCheck(l10n.T("settings.prefs.start_at_login"), changed)
	p.autoNote = widget.NewLabel("")
	p.autoNote.Importance = widget.LowImportance
	p.autoNote.Hide()
	p.idle = widget.NewEntry()
	p.idle.OnChanged = func(string) { p.onChanged() }
	p.idleErr = widget.NewLabel("")
	p.idleErr.Importance = widget.DangerImportance
	p.idleErr.SizeName = theme.SizeNameCaptionText
	p.idleErr.Hide()
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.saveBtn = widget.NewButtonWithIcon(l10n.T("settings.save"), theme.DocumentSaveIcon(), p.onSave)
	p.saveBtn.Importance = widget.HighImportance
	p.saveBtn.Disable()

	idleHelp := widget.NewLabel(l10n.T("settings.prefs.idle_help", l10n.Args{
		"Min": l10n.Number(config.MinIdleRefreshMinutes), "Max": l10n.Number(config.MaxIdleRefreshMinutes)}))
	idleHelp.Wrapping = fyne.TextWrapWord
	idleHelp.Importance = widget.LowImportance

	p.content = container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle(l10n.T("settings.prefs.heading.notifications"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.notifications,
		container.NewPadded(container.NewVBox(p.showSender, p.showSubject)),
		widget.NewLabelWithStyle(l10n.T("settings.prefs.heading.startup"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(p.startAtLogin, p.autoNote),
		widget.NewLabelWithStyle(l10n.T("settings.prefs.heading.connection"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.New(layout.NewFormLayout(), widget.NewLabel(l10n.T("settings.prefs.idle")), container.NewVBox(p.idle, p.idleErr)),
		idleHelp,
		widget.NewLabelWithStyle(l10n.T("settings.prefs.heading.language"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.languageRow(),
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, p.saveBtn, p.status),
	))
	p.notifications.Disable()
	p.showSender.Disable()
	p.showSubject.Disable()
	p.startAtLogin.Disable()
	p.idle.Disable()
	p.language.Disable()
}

// load shows prefs (start_at_login as the system has it).
func (p *prefsForm) load(prefs config.Preferences, autoSupported bool) {
	p.saved = prefs
	p.filling = true
	p.notifications.SetChecked(prefs.Notifications)
	p.showSender.SetChecked(prefs.ShowSender)
	p.showSubject.SetChecked(prefs.ShowSubject)
	p.startAtLogin.SetChecked(prefs.StartAtLogin)
	p.idle.SetText(strconv.Itoa(prefs.IdleRefreshMinutes))
	p.setLanguage(prefs.Language)
	p.filling = false
	p.notifications.Enable()
	p.idle.Enable()
	p.language.Enable()
	if !autoSupported {
		p.startAtLogin.Disable()
		p.autoNote.SetText(l10n.T("settings.prefs.autostart_unsupported"))
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
	prefs.Language = p.languageTag()
	n, err := strconv.Atoi(strings.TrimSpace(p.idle.Text))
	if err != nil || n < config.MinIdleRefreshMinutes || n > config.MaxIdleRefreshMinutes {
		return prefs, false, l10n.T("settings.prefs.idle_invalid", l10n.Args{
			"Min": l10n.Number(config.MinIdleRefreshMinutes), "Max": l10n.Number(config.MaxIdleRefreshMinutes)})
	}
	prefs.IdleRefreshMinutes = n
	return prefs, true, ""
}

func (p *prefsForm) onChanged() {
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
	if !ok || reflect.DeepEqual(prefs, p.saved) || p.s.saving {
		p.saveBtn.Disable()
	} else {
		p.saveBtn.Enable()
	}
}

// onSave sends the preferences to the core in the background.
func (p *prefsForm) onSave() {
	s := p.s
	prefs, ok, _ := p.values()
	if !ok || s.cfg == nil || s.saving {
		return
	}
	s.setSaving(true)
	p.status.Importance = widget.LowImportance
	p.status.SetText(l10n.T("settings.saving"))
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		fields, err := s.ctrl.SavePreferences(context.Background(), prefs)
		s.u.ui(func() { p.onSaved(prefs, fields, err) })
	}()
}

func (p *prefsForm) onSaved(prefs config.Preferences, fields settings.PrefErrors, err error) {
	s := p.s
	s.setSaving(false)
	switch {
	case err == nil:
		p.status.Importance = widget.SuccessImportance
		p.status.SetText(l10n.T("settings.saved"))
	case settings.OnlyAutostartFailed(fields):
		// Saved, with start at login as it was.
		prefs.StartAtLogin = p.saved.StartAtLogin
		p.status.Importance = widget.DangerImportance
		p.status.SetText(settings.UpperFirst(err.Error()))
	default:
		if msg, bad := fields["idle_refresh_minutes"]; bad {
			p.idleErr.SetText(settings.UpperFirst(msg))
			p.idleErr.Show()
		}
		p.status.Importance = widget.DangerImportance
		if msg, bad := fields["language"]; bad {
			p.status.SetText(l10n.T("settings.save_failed", l10n.Args{"Error": settings.UpperFirst(msg)}))
			return
		}
		p.status.SetText(l10n.T("settings.save_failed", l10n.Args{"Error": err.Error()}))
		return
	}
	s.cfg.Preferences = prefs
	p.saved = prefs
	p.filling = true
	p.startAtLogin.SetChecked(prefs.StartAtLogin)
	p.filling = false
	p.validate()
}
