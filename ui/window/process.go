package window

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/internal/version"
)

// AppID is Mailbell's application id: FyneApp.toml, the desktop entry, the
// AppStream metainfo, the autostart entry and the notifications' desktop-entry
// hint all use it.
const AppID = "io.mailbell.Mailbell"

// Main is the window executable (mailbell-window): a client of the core's
// socket that exits when its last window closes. The background process
// starts it; `mailbell window` execs it. args are without the program name;
// it returns the exit code.
func Main(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mailbell window", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configDir := fs.String("config-dir", "", "config folder (default $MAILBELL_CONFIG_DIR, else the user config folder + /mailbell)")
	view := fs.String("view", control.ViewRecent, "window to open: recent or settings")
	message := fs.String("message", "", "message to show in the recent window")
	debug := fs.Bool("debug", false, "log more")
	noTray := fs.Bool("no-tray", false, "the desktop shows no tray icon: say how to get one, offer Quit (the background process passes it)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stderr, version.Get())
		return 0
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	// The language before any widget exists: the core's (MAILBELL_LANG,
	// which follows the Language preference), else the system's.
	l10n.Use(l10n.FromProcess())
	pinSessionBus() // before Fyne starts: no dbus-launch
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runProcess(ctx, *configDir, control.Event{Event: control.EvShow, View: *view, Message: *message}, Deps{Logger: log, NoTray: *noTray}); err != nil {
		fmt.Fprintln(stderr, "mailbell window:", err)
		return 1
	}
	return 0
}

func runProcess(ctx context.Context, configDir string, initial control.Event, deps Deps) error {
	dir, err := config.Dir(configDir)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	client, err := control.Dial(dctx, control.SocketPath(dir))
	cancel()
	if err != nil {
		return fmt.Errorf("%w — start mailbell first", err)
	}
	defer client.Close()
	if err := client.Send(control.Command{Cmd: control.CmdHello, Role: "window"}); err != nil {
		return err
	}
	a := fyneapp.NewWithID(AppID)
	if deps.SignIn == nil {
		deps.SignIn = coreSignIn(a, client) // settings_signin.go
	}
	// SIGTERM or Ctrl-C ends the window process like closing its windows.
	stopQuit := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stopQuit()
	// The window asks the core for everything it saves: no keyring, no
	// config.json writes, no autostart here; the demo takes the same path.
	deps.ConfigDir = dir
	Run(a, client, deps, initial)
	return nil
}
