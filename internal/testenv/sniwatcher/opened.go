package sniwatcher

import (
	"context"
	"fmt"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// Open does what a tray host does when the person opens the item's menu
// (a right click in most hosts): AboutToShow on the menu's root, then
// Event(root, "opened"). It reads nothing: call Menu for what is shown.
func (w *Watcher) Open(ctx context.Context, it Item) error {
	path, err := w.menuPath(ctx, it)
	if err != nil {
		return err
	}
	obj := w.conn.Object(it.Service, path)
	var update bool
	if err := obj.CallWithContext(ctx, MenuIface+".AboutToShow", 0, int32(0)).Store(&update); err != nil {
		return fmt.Errorf("sniwatcher: AboutToShow on %s: %w", it, err)
	}
	err = obj.CallWithContext(ctx, MenuIface+".Event", 0,
		int32(0), "opened", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
	if err != nil {
		return fmt.Errorf("sniwatcher: opening the menu of %s: %w", it, err)
	}
	return nil
}
