package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/ui/window"
)

// AppID is Mailbell's application id (FyneApp.toml has the same).
const AppID = "io.mailbell.Mailbell"

// runWindow is the window process: a client of the core's socket that
// exits when its last window closes.
func runWindow(ctx context.Context, o options, log *slog.Logger) error {
	dir, err := config.Dir(o.configDir)
	if err != nil {
		return err
	}
	sock := socketPath(dir)
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	client, err := control.Dial(dctx, sock)
	cancel()
	if err != nil {
		return fmt.Errorf("%w — start mailbell first", err)
	}
	defer client.Close()
	if err := client.Send(control.Command{Cmd: control.CmdHello, Role: "window"}); err != nil {
		return err
	}
	a := fyneapp.NewWithID(AppID)
	// SIGTERM or Ctrl-C ends the window process like closing its windows.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	// The window asks the core for everything it saves: no keyring, no
	// config.json writes, no autostart here; the demo takes the same path.
	window.Run(a, client, window.Deps{ConfigDir: dir, Logger: log}, control.Event{Event: control.EvShow, View: o.view, Message: o.message})
	return nil
}
