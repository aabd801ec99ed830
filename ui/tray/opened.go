package tray

import (
	"context"

	"fyne.io/systray"

	"mailbell/app/control"
)

// watchOpened tells the core each time the person opens the tray menu
// (control.CmdLooked): with preferences "count": "new" the count starts
// again from 0, as it does when the window opens.
//
// systray sends on TrayOpenedCh when the tray host sends the dbusmenu event
// "opened" for the menu's root (Linux), or the menu is about to show
// (macOS); Windows never sends it. Its send does not wait: an opening that
// finds this goroutine busy is dropped, so the work here is only handing
// the command to the backend, whose Do does not block.
func (t *tray) watchOpened(ctx context.Context) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-systray.TrayOpenedCh:
				t.do(control.Command{Cmd: control.CmdLooked})
			}
		}
	}()
}
