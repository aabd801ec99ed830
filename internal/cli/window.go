package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/platform/autostart"
	"mailbell/platform/secrets"
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
	var store secrets.Store = secrets.Keyring()
	if os.Getenv(envDemo) == "1" {
		store = socketSecrets{client}
	}
	a := fyneapp.NewWithID(AppID)
	// SIGTERM or Ctrl-C ends the window process like closing its windows.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	window.Run(a, client, window.Deps{
		ConfigDir:       dir,
		Secrets:         store,
		Autostart:       autostartAdapter{},
		PasswordCommand: passwordCommand,
		Logger:          log,
	}, control.Event{Event: control.EvShow, View: o.view, Message: o.message})
	return nil
}

// socketSecrets reaches the demo core's in-memory secrets over the socket.
type socketSecrets struct{ c *control.Client }

func (s socketSecrets) Get(ctx context.Context, account string) (string, error) {
	return s.c.Call(ctx, control.Command{Cmd: control.CmdSecretGet, Account: account})
}

func (s socketSecrets) Set(ctx context.Context, account, secret string) error {
	_, err := s.c.Call(ctx, control.Command{Cmd: control.CmdSecretSet, Account: account, Secret: secret})
	return err
}

func (s socketSecrets) Delete(ctx context.Context, account string) error {
	_, err := s.c.Call(ctx, control.Command{Cmd: control.CmdSecretDelete, Account: account})
	return err
}

// autostartAdapter starts the background process at login.
type autostartAdapter struct{}

func (autostartAdapter) Supported() bool        { return autostart.Supported() }
func (autostartAdapter) Enabled() (bool, error) { return autostart.Enabled(), nil }
func (autostartAdapter) Disable() error         { return autostart.Disable() }
func (autostartAdapter) Enable() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return autostart.Enable(exe, nil)
}
