package window

import (
	"context"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// onlineAccountsBox is the account list's "From Online Accounts…" button:
// shown only where GNOME Online Accounts holds mail accounts Mailbell
// does not watch yet (the core lists them, off the UI goroutine). A pick
// saves the account with one click; every login then asks Online Accounts.
func (s *settingsWindow) onlineAccountsBox() fyne.CanvasObject {
	btn := widget.NewButtonWithIcon(l10n.T("settings.goa.button"), theme.AccountIcon(), nil)
	box := container.NewVBox(btn)
	box.Hide()
	var list []control.OnlineAccount
	btn.OnTapped = func() { s.pickOnlineAccount(list) }
	go func() {
		got, err := s.ctrl.OnlineAccounts(s.ctx)
		if err != nil || len(got) == 0 {
			return // no Online Accounts here, or nothing with mail: nothing to offer
		}
		s.u.ui(func() {
			list = got
			box.Show()
		})
	}()
	return box
}

// pickOnlineAccount shows the Online Accounts not yet in config.json.
func (s *settingsWindow) pickOnlineAccount(list []control.OnlineAccount) {
	if s.cfg == nil {
		return
	}
	var d dialog.Dialog
	rows := container.NewVBox()
	for _, oa := range list {
		if slices.ContainsFunc(s.cfg.Accounts, func(a config.Account) bool { return a.GOAAccount == oa.ID }) {
			continue
		}
		b := widget.NewButton(settings.OnlineAccountLabel(oa), func() {
			d.Hide()
			s.addOnlineAccount(oa)
		})
		if oa.AttentionNeeded {
			b.Disable()
		}
		rows.Add(b)
	}
	if len(rows.Objects) == 0 {
		rows.Add(widget.NewLabel(l10n.T("settings.goa.all_added")))
	}
	d = dialog.NewCustom(l10n.T("settings.goa.title"), l10n.T("settings.cancel"), rows, s.w)
	d.Show()
}

// addOnlineAccount saves oa as a new account through the core.
func (s *settingsWindow) addOnlineAccount(oa control.OnlineAccount) {
	a := settings.FromOnlineAccount(oa, s.cfg.Accounts)
	s.setSaving(true)
	s.showStatus(l10n.T("settings.goa.adding", l10n.Args{"Account": settings.OnlineAccountLabel(oa)}), widget.LowImportance)
	s.u.work.Add(1)
	go func() {
		defer s.u.work.Done()
		_, err := s.ctrl.SaveAccount(context.Background(), a, "", "")
		s.u.ui(func() {
			s.setSaving(false)
			if err != nil {
				s.showStatus(l10n.T("settings.goa.add_failed", l10n.Args{"Account": settings.OnlineAccountLabel(oa), "Error": err.Error()}), widget.DangerImportance)
				return
			}
			var index int
			s.cfg, index = s.cfg.WithAccount(a, "")
			s.sortAccounts()
			s.acctList.Select(s.rowOf(index))
			s.showStatus(l10n.T("settings.goa.added", l10n.Args{"Name": a.DisplayName()}), widget.SuccessImportance)
		})
	}()
}
