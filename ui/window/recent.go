package window

import (
	"image/color"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/view"
)

// recentWindow is the recent-mail window: each account's connection state
// on top, the recent messages below.
type recentWindow struct {
	u *UI
	w fyne.Window

	checkNow *widget.Button
	pause    *widget.Button
	settings *widget.Button
	banner   *widget.Label
	accounts *fyne.Container
	list     *widget.List
	empty    *widget.Label
	addAcct  *widget.Button // "Add your mail account" in the empty state (recent_empty.go)

	msgs     []view.Message // what the list shows
	selected string         // key of the selected message
	// selecting is set while the code selects a row itself, so that only a
	// person's click marks a message read.
	selecting  bool
	pendingKey string // ShowMessage before the message arrived
	showing    string // the message ShowMessage selects: marked read, not opened again

	// fast asks the clock goroutine for a tick every second (a reconnect
	// countdown is on screen) instead of every minute.
	fast atomic.Bool
	done chan struct{}
}

func newRecentWindow(u *UI) *recentWindow {
	r := &recentWindow{u: u, done: make(chan struct{})}
	r.w = u.app.NewWindow("Mailbell")

	r.checkNow = widget.NewButtonWithIcon(l10n.T("recent.check_now"), theme.ViewRefreshIcon(), func() {
		r.u.send(control.Command{Cmd: control.CmdCheckNow})
	})
	r.pause = widget.NewButtonWithIcon(view.PauseShortLabel(), theme.MediaPauseIcon(), r.pauseTapped)
	r.settings = widget.NewButtonWithIcon(l10n.T("recent.settings"), theme.SettingsIcon(), func() { r.u.openSettings("") })
	toolbar := container.NewHBox(r.checkNow, r.pause, layout.NewSpacer(), r.settings, noTrayQuit(u))

	r.banner = widget.NewLabel("")
	r.banner.Wrapping = fyne.TextWrapWord
	r.banner.Importance = widget.WarningImportance
	r.banner.Hide()

	r.accounts = container.NewVBox()

	r.list = widget.NewList(
		func() int { return len(r.msgs) },
		newMessageRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= 0 && id < len(r.msgs) {
				o.(*messageRow).set(r.msgs[id], r.u.now())
			}
		},
	)
	r.list.OnSelected = r.onSelected

	r.empty = widget.NewLabel("")
	r.empty.Alignment = fyne.TextAlignCenter
	r.empty.Wrapping = fyne.TextWrapWord
	r.empty.Importance = widget.LowImportance

	// Many accounts scroll within a bounded header rather than squeeze the list.
	header := container.New(&maxHeight{max: 180, content: r.accounts}, container.NewVScroll(r.accounts))
	top := container.NewVBox(toolbar, noTrayNote(u), r.banner, header, widget.NewSeparator())
	r.w.SetContent(container.NewBorder(top, nil, nil, nil, container.NewStack(r.list, r.emptyState())))
	r.w.Resize(fyne.NewSize(420, 520))

	go r.clock()
	return r
}

// clock refreshes relative times ("2 min ago", "Reconnecting in 12 s")
// while the window is open: once a minute, or every second during a countdown.
func (r *recentWindow) clock() {
	for {
		wait := time.Minute
		if r.fast.Load() {
			wait = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
			r.u.ui(func() {
				if r.u.recent == r {
					r.update()
				}
			})
		case <-r.done:
			t.Stop()
			return
		case <-r.u.gone:
			t.Stop()
			return
		}
	}
}

func (r *recentWindow) closed() { close(r.done) }

// update redraws everything from r.u.snap. UI goroutine.
func (r *recentWindow) update() {
	u := r.u
	now := u.now()
	s := u.snap

	// Banner: the most important thing that is not an account's own state.
	switch {
	case u.disconnected:
		r.showBanner(l10n.T("recent.banner.lost_core"), widget.DangerImportance)
	case !u.haveSnap:
		r.showBanner(l10n.T("recent.banner.connecting"), widget.LowImportance)
	case s.ConfigError != "":
		r.showBanner(l10n.T("recent.banner.config_error", l10n.Args{"Error": s.ConfigError}), widget.DangerImportance)
	case s.Paused(now):
		r.showBanner(view.PausedText(s.PausedUntil, now), widget.WarningImportance)
	case !s.Notifications:
		r.showBanner(l10n.T("recent.banner.notifications_off"), widget.LowImportance)
	case s.Demo:
		r.showBanner(l10n.T("recent.banner.demo"), widget.LowImportance)
	default:
		r.banner.Hide()
	}

	if s.Paused(now) {
		r.pause.SetText(view.ResumeLabel())
		r.pause.SetIcon(theme.MediaPlayIcon())
	} else {
		r.pause.SetText(view.PauseShortLabel())
		r.pause.SetIcon(theme.MediaPauseIcon())
	}
	if u.disconnected || !u.haveSnap || len(s.Accounts) == 0 { // nothing to check or pause
		r.checkNow.Disable()
		r.pause.Disable()
	} else {
		r.checkNow.Enable()
		r.pause.Enable()
	}

	// Accounts.
	fast := false
	objs := make([]fyne.CanvasObject, 0, len(s.Accounts))
	for _, a := range s.Accounts {
		block, countdown := r.accountBlock(a, now)
		fast = fast || countdown
		objs = append(objs, block)
	}
	r.accounts.Objects = objs
	r.accounts.Refresh()
	// The header's height follows the accounts: lay the window out again.
	r.w.Content().Refresh()
	r.fast.Store(fast)

	// Messages.
	r.msgs = append(r.msgs[:0], s.Recent...)
	r.list.Refresh()
	r.empty.SetText(emptyText(u.haveSnap, s))
	r.offerSetup(u.haveSnap && !u.disconnected && len(s.Accounts) == 0 && s.ConfigError == "")
	if len(r.msgs) == 0 {
		r.empty.Show()
	} else {
		r.empty.Hide()
	}
	r.reselect()
	if r.pendingKey != "" && r.indexOf(r.pendingKey) >= 0 {
		key := r.pendingKey
		r.pendingKey = ""
		r.ShowMessage(key)
	}
}

func (r *recentWindow) showBanner(text string, imp widget.Importance) {
	r.banner.Importance = imp
	r.banner.SetText(text)
	r.banner.Show()
}

// accountBlock is one account's folder states, a line per folder:
// "● Work  Connected · idle      2 min ago", then what went wrong and an
// "Open Settings" button when only the person can fix it. countdown reports
// whether it shows a reconnect countdown (which needs a tick every second).
func (r *recentWindow) accountBlock(a view.Account, now time.Time) (fyne.CanvasObject, bool) {
	rows := []fyne.CanvasObject{}
	countdown, fixable := false, false
	var details []string
	for _, f := range a.Folders {
		if !a.Enabled {
			f.State = view.StateDisabled
		}
		state := view.FolderState(f, now)
		if len(a.Folders) > 1 {
			state = l10n.T("recent.folder_state", l10n.Args{"Folder": f.Name, "State": state})
		}
		label := widget.NewLabel(state)
		label.Truncation = fyne.TextTruncateEllipsis
		label.Importance = folderImportance(f)
		var right fyne.CanvasObject
		if !f.LastCheck.IsZero() && f.State != view.StateDisabled {
			last := widget.NewLabel(l10n.T("recent.last_check", l10n.Args{"Ago": view.Ago(f.LastCheck, now)}))
			last.Importance = widget.LowImportance
			last.SizeName = theme.SizeNameCaptionText
			right = last
		}
		name := widget.NewLabelWithStyle(a.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		rows = append(rows, container.NewBorder(nil, nil, container.NewHBox(stateDot(f), name), right, label))
		if f.Error != "" && (f.State == view.StateStopped || f.State == view.StateBackoff) && f.ErrorKind != view.ErrorAuth {
			details = append(details, f.Error)
		}
		if f.State == view.StateBackoff && f.NextTry.After(now) {
			countdown = true
		}
		if f.State == view.StateStopped {
			switch f.ErrorKind {
			case view.ErrorAuth, view.ErrorTLS, view.ErrorConfig:
				fixable = true
			}
		}
	}
	if len(details) > 0 || fixable {
		var detail, btn fyne.CanvasObject
		if len(details) > 0 {
			l := widget.NewLabel(strings.Join(details, "\n"))
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.LowImportance
			l.SizeName = theme.SizeNameCaptionText
			detail = l
		}
		if fixable {
			id := a.ID
			b := widget.NewButtonWithIcon(l10n.T("recent.open_settings"), theme.SettingsIcon(), func() { r.u.openSettings(id) })
			b.Importance = widget.DangerImportance
			btn = container.NewCenter(b)
		}
		rows = append(rows, container.NewBorder(nil, nil, nil, btn, detail))
	}
	return container.New(layout.NewCustomPaddedVBoxLayout(0), rows...), countdown
}

func folderImportance(f view.Folder) widget.Importance {
	switch f.State {
	case view.StateStopped:
		return widget.DangerImportance
	case view.StateBackoff:
		return widget.WarningImportance
	case view.StateDisabled:
		return widget.LowImportance
	}
	return widget.MediumImportance
}

// stateDot is a coloured dot: green connected, amber on the way, red stopped,
// grey disabled.
func stateDot(f view.Folder) fyne.CanvasObject {
	var c color.Color
	switch f.State {
	case view.StateIdle, view.StatePolling:
		c = theme.Color(theme.ColorNameSuccess)
	case view.StateStopped:
		c = theme.Color(theme.ColorNameError)
	case view.StateDisabled:
		c = theme.Color(theme.ColorNameDisabled)
	default:
		c = theme.Color(theme.ColorNameWarning)
	}
	dot := canvas.NewCircle(c)
	return container.NewCenter(container.New(layout.NewGridWrapLayout(fyne.NewSize(10, 10)), dot))
}

// emptyText says why the list is empty.
func emptyText(have bool, s view.Snapshot) string {
	if !have {
		return ""
	}
	n := 0
	for _, a := range s.Accounts {
		if a.Enabled {
			n++
		}
	}
	switch {
	case len(s.Accounts) == 0:
		return l10n.T("recent.empty.no_accounts")
	case n == 0:
		return l10n.T("recent.empty.all_disabled")
	}
	return l10n.N("recent.empty.watching", n)
}

// pauseTapped offers the pause lengths, or resumes.
func (r *recentWindow) pauseTapped() {
	now := r.u.now()
	if r.u.snap.Paused(now) {
		r.u.send(control.Command{Cmd: control.CmdResume})
		return
	}
	menu := widget.NewPopUpMenu(r.pauseMenu(), r.w.Canvas())
	menu.ShowAtRelativePosition(fyne.NewPos(0, r.pause.Size().Height), r.pause)
}

// pauseMenu offers view's pause lengths, the tray's too. Each end is worked
// out when the item is picked, not when the menu opened: a menu left open
// across 05:00 must not pause until this morning.
func (r *recentWindow) pauseMenu() *fyne.Menu {
	menu := fyne.NewMenu("")
	for _, o := range view.PauseOptions() {
		menu.Items = append(menu.Items, fyne.NewMenuItem(o.Label, func() {
			r.u.send(control.Command{Cmd: control.CmdPause, Until: o.Until(r.u.now())})
		}))
	}
	return menu
}

func (r *recentWindow) indexOf(key string) int {
	for i, m := range r.msgs {
		if m.Key() == key {
			return i
		}
	}
	return -1
}

// onSelected opens the mail a person picks where they read it (the core's
// open_mail: their mail program, webmail or command; else it stays here).
// The message the core asked to show (ShowMessage) is marked read instead.
func (r *recentWindow) onSelected(id widget.ListItemID) {
	if id < 0 || id >= len(r.msgs) {
		return
	}
	m := r.msgs[id]
	r.selected = m.Key()
	if r.selecting {
		return
	}
	if r.showing == m.Key() {
		r.showing = ""
		if !m.Seen {
			r.u.send(control.Command{Cmd: control.CmdMarkRead, Message: m.Key()})
		}
		return
	}
	r.u.send(control.Command{Cmd: control.CmdOpenMail, Message: m.Key()})
}

// reselect keeps the selection on the same message when the list changes.
func (r *recentWindow) reselect() {
	if r.selected == "" {
		return
	}
	i := r.indexOf(r.selected)
	r.selecting = true
	defer func() { r.selecting = false }()
	if i < 0 {
		r.selected = ""
		r.list.UnselectAll()
		return
	}
	r.list.Select(i)
}

// ShowMessage scrolls to the message with the given key (view.Message.Key)
// and selects it, marking it read. A message not in the list yet is shown
// when it arrives. UI goroutine.
func (r *recentWindow) ShowMessage(key string) {
	i := r.indexOf(key)
	if i < 0 {
		r.pendingKey = key
		return
	}
	already := r.selected == key
	r.showing = key
	r.list.ScrollTo(i)
	r.list.Select(i)
	// Select does nothing for the row already selected; still mark it read.
	if already {
		r.onSelected(i)
	}
}

// messageRow is one line of the list: unread dot, sender and time on top,
// subject and account below.
type messageRow struct {
	widget.BaseWidget
	dot                             *canvas.Circle
	sender, when, subject, fromAcct *widget.Label
	content                         fyne.CanvasObject
}

func newMessageRow() fyne.CanvasObject {
	row := &messageRow{
		dot:      canvas.NewCircle(color.Transparent),
		sender:   widget.NewLabel("sender"),
		when:     widget.NewLabel("just now"),
		subject:  widget.NewLabel("subject"),
		fromAcct: widget.NewLabel("account"),
	}
	row.sender.Truncation = fyne.TextTruncateEllipsis
	row.subject.Truncation = fyne.TextTruncateEllipsis
	row.when.Importance = widget.LowImportance
	row.fromAcct.Importance = widget.LowImportance
	row.fromAcct.SizeName = theme.SizeNameCaptionText
	row.when.SizeName = theme.SizeNameCaptionText
	dot := container.NewCenter(container.New(layout.NewGridWrapLayout(fyne.NewSize(8, 8)), row.dot))
	row.content = container.NewBorder(nil, nil, dot, nil,
		container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()),
			container.NewBorder(nil, nil, nil, row.when, row.sender),
			container.NewBorder(nil, nil, nil, row.fromAcct, row.subject),
		))
	row.ExtendBaseWidget(row)
	return row
}

func (row *messageRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(row.content)
}

func (row *messageRow) set(m view.Message, now time.Time) {
	from := strings.TrimSpace(m.From)
	if from == "" {
		from = m.FromAddr
	}
	if from == "" {
		from = l10n.T("recent.unknown_sender")
	}
	subject := m.Subject
	if strings.TrimSpace(subject) == "" {
		subject = l10n.T("recent.no_subject")
	}
	row.sender.TextStyle = fyne.TextStyle{Bold: !m.Seen}
	row.sender.SetText(from)
	row.subject.SetText(subject)
	row.when.SetText(whenText(m, now))
	row.fromAcct.SetText(m.AccountName)
	if m.Seen {
		row.dot.FillColor = color.Transparent
	} else {
		row.dot.FillColor = theme.Color(theme.ColorNamePrimary)
	}
	row.dot.Refresh()
}

// maxHeight lays out one object (a scroller) at the height its content
// wants, but no taller than max.
type maxHeight struct {
	max     float32
	content fyne.CanvasObject
}

func (m *maxHeight) MinSize(objects []fyne.CanvasObject) fyne.Size {
	want := m.content.MinSize()
	if want.Height > m.max {
		want.Height = m.max
	}
	return want
}

func (m *maxHeight) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
