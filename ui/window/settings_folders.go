package window

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/ui/settings"
)

// Words of the folder picker.
func labelPickFolders() string  { return l10n.T("settings.folders.choose") }
func labelAllFolders() string   { return l10n.T("settings.folders.all") }
func textListingFolder() string { return l10n.T("settings.folders.listing") }

// labelNeverNotify is a folder's line for one that never notifies
// (Junk, Trash).
func labelNeverNotify(folder string) string {
	return l10n.T("settings.folders.never_notifies", l10n.Args{"Folder": folder})
}

// folderPicker lists the account's folders as its server has them (the
// core's list_folders: LIST with special use), a checkbox each, and the
// option to watch all folders but Junk, Trash, Sent and Drafts
// (`"folders": ["*"]`). Choosing writes the Folders field; Save saves it.
type folderPicker struct {
	f       *accountForm
	all     *widget.Check
	checks  []*widget.Check
	folders []control.Folder
	status  *widget.Label
	box     *fyne.Container
	dlg     dialog.Dialog
}

// onPickFolders opens the picker. The listing runs off the UI goroutine.
func (f *accountForm) onPickFolders() { f.pickFolders() }

func (f *accountForm) pickFolders() *folderPicker {
	if f.s.cfg == nil {
		return nil
	}
	v := f.values()
	a := v.Account(f.base)
	orig := f.originalID()
	current := settings.SplitFolders(f.folders.Text)
	p := &folderPicker{f: f, status: widget.NewLabel(textListingFolder())}
	p.status.Wrapping = fyne.TextWrapWord
	p.box = container.NewVBox(p.status)
	scroll := container.NewVScroll(p.box)
	scroll.SetMinSize(fyne.NewSize(380, 320))
	ctx, cancel := context.WithCancel(f.s.ctx)
	p.dlg = dialog.NewCustomConfirm(l10n.T("settings.folders.title"), l10n.T("settings.folders.use"), l10n.T("settings.cancel"), scroll, func(ok bool) {
		cancel()
		if ok {
			p.apply()
		}
	}, f.s.w)
	p.dlg.Show()
	go func() {
		fs, err := f.s.ctrl.ListFolders(ctx, a, orig, v.Password)
		f.s.u.ui(func() { p.fill(fs, err, current) })
	}()
	return p
}

// fill shows the listed folders with the current choice ticked.
func (p *folderPicker) fill(fs []control.Folder, err error, current []string) {
	if err != nil {
		p.status.Importance = widget.DangerImportance
		p.status.SetText(l10n.T("settings.folders.failed", l10n.Args{"Error": err.Error()}))
		return
	}
	p.folders = fs
	wantAll := slices.Contains(current, config.AllFolders)
	if len(current) == 0 {
		current = []string{"INBOX"}
	}
	p.box.RemoveAll()
	p.all = widget.NewCheck(labelAllFolders(), nil)
	p.all.SetChecked(wantAll)
	p.box.Add(p.all)
	p.box.Add(widget.NewSeparator())
	p.checks = nil
	for _, fo := range fs {
		label := fo.Name
		if fo.NeverNotifies {
			label = labelNeverNotify(fo.Name)
		}
		c := widget.NewCheck(label, nil)
		c.SetChecked(slices.Contains(current, fo.Name))
		if !fo.Selectable {
			c.Disable()
		}
		p.checks = append(p.checks, c)
		p.box.Add(c)
	}
	p.all.OnChanged = func(bool) { p.sync() }
	p.sync()
}

// sync shows what "all folders" covers: its folders ticked and fixed.
func (p *folderPicker) sync() {
	for i, fo := range p.folders {
		c := p.checks[i]
		switch {
		case !fo.Selectable:
			c.Disable()
		case p.all.Checked && fo.InAll:
			c.SetChecked(true)
			c.Disable()
		default:
			c.Enable()
		}
	}
}

// apply writes the choice into the Folders field: "*" (plus any folder
// ticked beyond what it covers), else the ticked folders.
func (p *folderPicker) apply() {
	if p.all == nil {
		return // never listed
	}
	var names []string
	if p.all.Checked {
		names = append(names, config.AllFolders)
	}
	for i, fo := range p.folders {
		if p.checks[i].Checked && !(p.all.Checked && fo.InAll) {
			names = append(names, fo.Name)
		}
	}
	if len(names) == 0 {
		names = []string{"INBOX"}
	}
	p.f.folders.SetText(strings.Join(names, ", "))
}
