package window

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/l10n"
	"mailbell/app/rules"
)

// acctNotify is the account form's notification section: notify and sound
// for this account, its other addresses (aliases), and the folders that are
// watched and counted but silent. Their problems come back from the
// config's own validation (settings.Validate) in the form's general line.
type acctNotify struct {
	f       *accountForm
	content fyne.CanvasObject

	notify, sound   *widget.Check
	aliases, silent *widget.Entry
	words           *widget.Label // this account's rules in words
}

func newAcctNotify(f *accountForm) *acctNotify {
	n := &acctNotify{f: f}
	changed := func(string) { n.onChanged() }
	checked := func(bool) { n.onChanged() }
	n.notify = widget.NewCheck(l10n.T("settings.account.notify"), checked)
	n.sound = widget.NewCheck(l10n.T("settings.account.sound"), checked)
	n.aliases = widget.NewEntry()
	n.aliases.SetPlaceHolder(l10n.T("settings.account.aliases_placeholder"))
	n.aliases.OnChanged = changed
	n.silent = widget.NewEntry()
	n.silent.SetPlaceHolder(l10n.T("settings.account.silent_placeholder"))
	n.silent.OnChanged = changed
	n.words = widget.NewLabel("")
	n.words.Wrapping = fyne.TextWrapWord
	n.words.Importance = widget.LowImportance
	n.content = container.NewVBox(
		widget.NewLabelWithStyle(l10n.T("settings.account.notifications"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewHBox(n.notify, n.sound),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(l10n.T("settings.account.aliases")), n.aliases,
			widget.NewLabel(l10n.T("settings.account.silent")), n.silent),
		n.words,
	)
	return n
}

// fill shows a's notification settings.
func (n *acctNotify) fill(a config.Account) {
	n.notify.SetChecked(a.NotifyOn())
	n.sound.SetChecked(a.SoundOn())
	n.aliases.SetText(strings.Join(a.Aliases, ", "))
	var silent []string
	for _, folder := range a.EffectiveFolders() {
		if !a.FolderNotifyOn(folder) {
			silent = append(silent, folder)
		}
	}
	// Options for folders no longer watched stay visible, so the config's
	// complaint about them can be fixed here.
	for name, o := range a.FolderOptions {
		if o.Notify != nil && !*o.Notify && !containsFold(silent, name) {
			silent = append(silent, name)
		}
	}
	n.silent.SetText(strings.Join(silent, ", "))
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.EqualFold(x, "INBOX") && strings.EqualFold(s, "INBOX") {
			return true
		}
	}
	return false
}

// apply puts the section's values on a.
func (n *acctNotify) apply(a config.Account) config.Account {
	off := false
	a.Notify, a.Sound = nil, nil // on: the default, left out of config.json
	if !n.notify.Checked {
		a.Notify = &off
	}
	if !n.sound.Checked {
		a.Sound = &off
	}
	a.Aliases = splitComma(n.aliases.Text)
	a.FolderOptions = nil
	for _, name := range splitComma(n.silent.Text) {
		if a.FolderOptions == nil {
			a.FolderOptions = map[string]rules.FolderOptions{}
		}
		a.FolderOptions[name] = rules.FolderOptions{Notify: &off}
	}
	return a
}

// splitComma reads "a, b" as a list, without blanks.
func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (n *acctNotify) onChanged() {
	f := n.f
	if f.filling {
		return
	}
	f.setStatus("", widget.MediumImportance)
	f.validate()
}

// describe shows the account's own rules in words (the global ones are on
// the Notifications tab).
func (n *acctNotify) describe(a config.Account) {
	lines := rules.New(rules.Rules{}, []rules.Account{a.RulesAccount()}).Describe(a.ID)
	n.sound.Enable()
	if !n.notify.Checked {
		n.sound.Disable()
	}
	if len(lines) == 0 {
		n.words.SetText(l10n.T("settings.account.every_message"))
		return
	}
	n.words.SetText("• " + strings.Join(lines, "\n• "))
}

// base is the edited account with this section's values: what the form
// validates and saves.
func (f *accountForm) notifyBase() config.Account {
	return f.notif.apply(f.base)
}
