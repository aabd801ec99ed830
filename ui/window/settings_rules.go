package window

import (
	"context"
	"reflect"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// Choices of the pop-up and batching radio groups.
func popupDefaultLabel() string    { return l10n.T("settings.rules.popup_choice_default") }
func popupPersistentLabel() string { return l10n.T("settings.rules.popup_choice_persistent") }
func batchSummariseLabel() string  { return l10n.T("settings.rules.batch_choice_summary") }
func batchEachLabel() string       { return l10n.T("settings.rules.batch_choice_each") }

// rulesForm is the Notifications tab: rules, quiet hours, sound, pop-ups
// and batching (ui/settings/rules.go has the values and the words). Saving
// sends the whole preferences with these parts replaced, as the
// Preferences tab does with its own.
type rulesForm struct {
	s       *settingsWindow
	content fyne.CanvasObject

	muteSenders, muteSubjects, vips *widget.Entry
	vipQuiet                        *widget.Check
	quiet                           *widget.Check
	from, to                        *widget.Entry
	days                            []*widget.Check // in settings.Days order
	sound                           *widget.Check
	soundFile                       *widget.Entry
	chooseBtn, themeBtn             *widget.Button
	popup, batching                 *widget.RadioGroup
	errs                            map[string]*widget.Label // by settings.F* field
	words                           *widget.Label            // the rules in words
	status                          *widget.Label
	saveBtn                         *widget.Button

	saved   settings.RuleValues
	filling bool
}

func newRulesForm(s *settingsWindow) *rulesForm {
	r := &rulesForm{s: s, errs: map[string]*widget.Label{}}
	r.buildUI()
	return r
}

func (r *rulesForm) buildUI() {
	changed := func(string) { r.onChanged() }
	checked := func(bool) { r.onChanged() }
	multi := func(placeholder string) *widget.Entry {
		e := widget.NewMultiLineEntry()
		e.SetPlaceHolder(placeholder)
		e.SetMinRowsVisible(2)
		e.OnChanged = changed
		return e
	}
	r.muteSenders = multi(l10n.T("settings.rules.mute_senders_placeholder"))
	r.muteSubjects = multi(l10n.T("settings.rules.mute_subjects_placeholder"))
	r.vips = multi(l10n.T("settings.rules.vips_placeholder"))
	r.vipQuiet = widget.NewCheck(l10n.T("settings.rules.vip_quiet"), checked)
	r.quiet = widget.NewCheck(l10n.T("settings.rules.quiet_hours"), checked)
	r.from = widget.NewEntry()
	r.from.SetPlaceHolder("22:00") // the format quiet_hours takes, 24 h in every language
	r.from.OnChanged = changed
	r.to = widget.NewEntry()
	r.to.SetPlaceHolder("07:00")
	r.to.OnChanged = changed
	dayRow := container.NewHBox()
	for _, d := range settings.Days {
		c := widget.NewCheck(d.Label(), checked)
		r.days = append(r.days, c)
		dayRow.Add(c)
	}
	r.sound = widget.NewCheck(l10n.T("settings.rules.sound"), checked)
	r.soundFile = widget.NewEntry()
	r.soundFile.SetPlaceHolder(l10n.T("settings.rules.sound_file_placeholder"))
	r.soundFile.OnChanged = changed
	r.chooseBtn = widget.NewButtonWithIcon(l10n.T("settings.rules.choose_sound"), theme.FolderOpenIcon(), r.onChoose)
	r.themeBtn = widget.NewButton(l10n.T("settings.rules.desktop_sound"), func() { r.soundFile.SetText("") })
	r.popup = widget.NewRadioGroup([]string{popupDefaultLabel(), popupPersistentLabel()}, changed)
	r.popup.Required = true
	r.batching = widget.NewRadioGroup([]string{batchSummariseLabel(), batchEachLabel()}, changed)
	r.batching.Required = true
	for _, f := range []string{settings.FMuteSenders, settings.FMuteSubjects, settings.FVIPSenders,
		settings.FQuietFrom, settings.FQuietTo, settings.FQuietDays, settings.FSoundFile, settings.FGeneral} {
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.SizeName = theme.SizeNameCaptionText
		l.Wrapping = fyne.TextWrapWord
		l.Hide()
		r.errs[f] = l
	}
	r.words = widget.NewLabel("")
	r.words.Wrapping = fyne.TextWrapWord
	r.status = widget.NewLabel("")
	r.status.Wrapping = fyne.TextWrapWord
	r.saveBtn = widget.NewButtonWithIcon(l10n.T("settings.save"), theme.DocumentSaveIcon(), r.onSave)
	r.saveBtn.Importance = widget.HighImportance
	r.saveBtn.Disable()

	heading := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	row := func(label string, o fyne.CanvasObject, field string) []fyne.CanvasObject {
		return []fyne.CanvasObject{widget.NewLabel(label), container.NewVBox(o, r.errs[field])}
	}
	form := func(rows ...[]fyne.CanvasObject) *fyne.Container {
		var objs []fyne.CanvasObject
		for _, rw := range rows {
			objs = append(objs, rw...)
		}
		return container.New(layout.NewFormLayout(), objs...)
	}
	r.content = container.NewVScroll(container.NewVBox(
		heading(l10n.T("settings.rules.heading.what")),
		r.words,
		heading(l10n.T("settings.rules.heading.rules")),
		form(
			row(l10n.T("settings.rules.mute_senders"), r.muteSenders, settings.FMuteSenders),
			row(l10n.T("settings.rules.mute_subjects"), r.muteSubjects, settings.FMuteSubjects),
			row(l10n.T("settings.rules.vips"), r.vips, settings.FVIPSenders),
		),
		r.vipQuiet,
		heading(l10n.T("settings.rules.heading.quiet")),
		r.quiet,
		form(
			row(l10n.T("settings.rules.quiet_from"), r.from, settings.FQuietFrom),
			row(l10n.T("settings.rules.quiet_to"), r.to, settings.FQuietTo),
			row(l10n.T("settings.rules.quiet_days"), dayRow, settings.FQuietDays),
		),
		heading(l10n.T("settings.rules.heading.sound")),
		r.sound,
		form(row(l10n.T("settings.rules.sound_file_label"), container.NewBorder(nil, nil, nil, container.NewHBox(r.chooseBtn, r.themeBtn), r.soundFile), settings.FSoundFile)),
		heading(l10n.T("settings.rules.heading.popups")),
		r.popup,
		heading(l10n.T("settings.rules.heading.batching")),
		r.batching,
		widget.NewSeparator(),
		r.errs[settings.FGeneral],
		container.NewBorder(nil, nil, nil, r.saveBtn, r.status),
	))
	r.enable(false)
}

// enable turns the inputs on once the settings are loaded.
func (r *rulesForm) enable(on bool) {
	for _, w := range r.inputs() {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

func (r *rulesForm) inputs() []fyne.Disableable {
	out := []fyne.Disableable{r.muteSenders, r.muteSubjects, r.vips, r.vipQuiet, r.quiet, r.from, r.to,
		r.sound, r.soundFile, r.chooseBtn, r.themeBtn, r.popup, r.batching}
	for _, d := range r.days {
		out = append(out, d)
	}
	return out
}

// load shows the preferences' notification settings.
func (r *rulesForm) load(prefs config.Preferences) {
	v := settings.RuleValuesOf(prefs.Preferences)
	r.saved = v
	r.filling = true
	r.muteSenders.SetText(v.MuteSenders)
	r.muteSubjects.SetText(v.MuteSubjects)
	r.vips.SetText(v.VIPSenders)
	r.vipQuiet.SetChecked(v.VIPBreaksQuiet)
	r.quiet.SetChecked(v.Quiet)
	r.from.SetText(v.QuietFrom)
	r.to.SetText(v.QuietTo)
	for i, d := range settings.Days {
		r.days[i].SetChecked(v.QuietDays[d.Day])
	}
	r.sound.SetChecked(v.Sound)
	r.soundFile.SetText(v.SoundFile)
	r.popup.SetSelected(popupDefaultLabel())
	if v.Persistent {
		r.popup.SetSelected(popupPersistentLabel())
	}
	r.batching.SetSelected(batchSummariseLabel())
	if v.Each {
		r.batching.SetSelected(batchEachLabel())
	}
	r.filling = false
	r.enable(true)
	r.validate()
}

// values is what the tab shows now.
func (r *rulesForm) values() settings.RuleValues {
	v := settings.RuleValues{
		MuteSenders: r.muteSenders.Text, MuteSubjects: r.muteSubjects.Text, VIPSenders: r.vips.Text,
		VIPBreaksQuiet: r.vipQuiet.Checked,
		Quiet:          r.quiet.Checked, QuietFrom: r.from.Text, QuietTo: r.to.Text,
		Sound: r.sound.Checked, SoundFile: r.soundFile.Text,
		Persistent: r.popup.Selected == popupPersistentLabel(),
		Each:       r.batching.Selected == batchEachLabel(),
	}
	for i, d := range settings.Days {
		v.QuietDays[d.Day] = r.days[i].Checked
	}
	return v
}

func (r *rulesForm) onChanged() {
	if r.filling {
		return
	}
	r.status.SetText("")
	r.validate()
}

// validate shows each problem under its field and the rules in words, and
// offers Save only for a changed, valid tab.
func (r *rulesForm) validate() {
	if r.s.cfg == nil {
		r.saveBtn.Disable()
		return
	}
	v := r.values()
	for _, w := range []fyne.Disableable{r.from, r.to, r.vipQuiet} {
		w.Enable()
	}
	for _, d := range r.days {
		d.Enable()
	}
	if !v.Quiet {
		r.from.Disable()
		r.to.Disable()
		for _, d := range r.days {
			d.Disable()
		}
	}
	if strings.TrimSpace(v.VIPSenders) == "" {
		r.vipQuiet.Disable()
	}
	if v.Sound {
		r.soundFile.Enable()
		r.chooseBtn.Enable()
		r.themeBtn.Enable()
	} else {
		r.soundFile.Disable()
		r.chooseBtn.Disable()
		r.themeBtn.Disable()
	}
	errs := settings.ValidateRules(v)
	for f, l := range r.errs {
		if msg, bad := errs[f]; bad {
			l.SetText(msg)
			l.Show()
		} else {
			l.Hide()
		}
	}
	if len(errs) == 0 {
		r.words.SetText("• " + strings.Join(settings.DescribeRules(v.Preferences()), "\n• "))
	} else {
		r.words.SetText(l10n.T("settings.rules.fix_first"))
	}
	if len(errs) > 0 || reflect.DeepEqual(v.Preferences(), r.saved.Preferences()) || r.s.saving {
		r.saveBtn.Disable()
	} else {
		r.saveBtn.Enable()
	}
}

// onChoose lets the person pick a sound file.
func (r *rulesForm) onChoose() {
	d := dialog.NewFileOpen(func(f fyne.URIReadCloser, err error) {
		if err != nil || f == nil {
			return
		}
		f.Close()
		r.soundFile.SetText(f.URI().Path())
	}, r.s.w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".oga", ".ogg", ".wav", ".flac", ".mp3"}))
	d.Show()
}

// onSave sends the preferences with this tab's parts to the core in the
// background.
func (r *rulesForm) onSave() {
	s := r.s
	v := r.values()
	if s.cfg == nil || s.saving || len(settings.ValidateRules(v)) > 0 {
		return
	}
	prefs := s.cfg.Preferences
	prefs.Preferences = v.Preferences()
	s.setSaving(true)
	r.status.Importance = widget.LowImportance
	r.status.SetText(l10n.T("settings.saving"))
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		fields, err := s.ctrl.SavePreferences(context.Background(), prefs)
		s.u.ui(func() { r.onSaved(v, prefs, fields, err) })
	}()
}

func (r *rulesForm) onSaved(v settings.RuleValues, prefs config.Preferences, fields settings.PrefErrors, err error) {
	s := r.s
	s.setSaving(false)
	if err != nil && !settings.OnlyAutostartFailed(fields) {
		// The core's words, under config.json's names: say them all.
		var lines []string
		for f, msg := range fields {
			lines = append(lines, l10n.T("settings.field_error", l10n.Args{"Field": strings.TrimPrefix(f, "preferences."), "Error": msg}))
		}
		l := r.errs[settings.FGeneral]
		l.SetText(strings.Join(lines, "\n"))
		l.Show()
		r.status.Importance = widget.DangerImportance
		r.status.SetText(l10n.T("settings.save_failed", l10n.Args{"Error": err.Error()}))
		return
	}
	// The other tab saves the whole preferences too: it must start from these.
	s.cfg.Preferences.Preferences = prefs.Preferences
	s.prefs.saved.Preferences = prefs.Preferences
	r.saved = v
	r.status.Importance = widget.SuccessImportance
	r.status.SetText(l10n.T("settings.saved"))
	r.validate()
}
