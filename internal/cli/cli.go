// Package cli wires Mailbell's processes together: the background process
// (core, tray, notifications, control socket), headless mode, the demo, and
// the window process. It holds no logic of its own beyond the wiring.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/internal/demo"
	"mailbell/internal/version"
	"mailbell/platform/secrets"
)

type options struct {
	configDir string
	headless  bool
	demo      bool
	debug     bool
	notify    bool
	exec      string
	tray      *trayState // set by runCore: what the windows are told about the tray

	findWindow func() (string, error) // tests: the window program to start (default windowExe)
}

// Main runs Mailbell with args (without the program name) and returns the exit code.
// `mailbell window …` hands over to the window executable (see windowExe).
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "window" {
		return execWindow(args[1:], stderr)
	}
	if len(args) > 0 && args[0] == "signin" {
		return runSignIn(args[1:], stdout, stderr) // signin.go
	}
	fs := flag.NewFlagSet("mailbell", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.configDir, "config-dir", "", "config folder (default $MAILBELL_CONFIG_DIR, else the user config folder + /mailbell)")
	fs.BoolVar(&o.debug, "debug", false, "log the IMAP exchange (credentials redacted)")
	fs.BoolVar(&o.headless, "headless", false, "no tray and no window: JSON lines on stdout")
	fs.BoolVar(&o.demo, "demo", false, "run on a built-in demo server; nothing of yours is touched")
	fs.BoolVar(&o.notify, "notify", false, "headless: send desktop notifications too")
	fs.StringVar(&o.exec, "exec", "", "run this command per batch of new mail, with the messages as JSON on stdin (no shell)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage:\n  mailbell [--config-dir DIR] [--debug] [--demo | --headless [--exec CMD] [--notify]]\n  mailbell window [--config-dir DIR] [--view recent|settings]\n  mailbell signin ACCOUNT_ID [--device] [--config-dir DIR]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, version.Get())
		return 0
	}
	log := newLogger(stderr, o.debug)
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := runCore(ctx, o, log, stdout, stderr)
	if errors.Is(err, errShownOther) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "mailbell:", err)
		return 1
	}
	return 0
}

var errShownOther = errors.New("another instance showed its window")

func newLogger(w io.Writer, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// runCore is the background process (with tray), headless mode and the demo.
func runCore(ctx context.Context, o options, log *slog.Logger, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		dir   string
		store app.Secrets
		d     *demo.Demo
		err   error
	)
	if o.demo {
		d, err = demo.Start(log)
		if err != nil {
			return err
		}
		defer d.Close()
		dir = d.Dir
		mem := secrets.Memory()
		mem.Set(ctx, demo.AccountID, demo.Password)
		store = mem
	} else {
		if dir, err = config.Dir(o.configDir); err != nil {
			return err
		}
		store = secrets.Keyring()
	}
	sock := control.SocketPath(dir)
	if o.demo {
		sock = filepath.Join(dir, "run", "control.sock")
	}

	// Single instance: a running core shows its window instead.
	if !o.headless && !o.demo {
		nctx, ncancel := context.WithTimeout(ctx, 3*time.Second)
		err := control.Notify(nctx, sock, control.Command{Cmd: control.CmdShowWindow, View: control.ViewRecent})
		ncancel()
		if err == nil {
			fmt.Fprintln(stderr, "Mailbell is already running: showing its window.")
			return errShownOther
		}
	}

	opts := app.Options{
		ConfigDir:       dir,
		Secrets:         store,
		PasswordCommand: passwordCommand,
		Logger:          log,
		Demo:            o.demo,
		Quit:            cancel,
		Opener:          newMailOpener(log),
	}
	if !o.demo { // the demo touches nothing of the user's: no login entry
		opts.Autostart = autostartAdapter{}
		opts.OAuthOptions = oauthOptions() // signin.go
	}
	if o.debug {
		opts.Mail.Trace = func(line string) { log.Debug("imap", "line", line) }
	}
	if o.exec != "" {
		argv, err := secrets.ParseCommand(o.exec)
		if err != nil {
			return fmt.Errorf("--exec: %w", err)
		}
		opts.Exec = argv
	}
	if o.headless {
		opts.Output = jsonLines(stdout)
	} else {
		o.tray = &trayState{}
		opts.SpawnWindow = spawner(dir, sock, o, log)
	}
	var notifier *desktopNotifier
	if !o.headless || o.notify {
		notifier = newDesktopNotifier(log)
		if notifier != nil {
			opts.Notifier = notifier
			defer notifier.Close()
		}
	}
	core, err := app.New(opts)
	if err != nil {
		return err
	}
	if _, err := core.Listen(ctx, sock); err != nil {
		if errors.Is(err, control.ErrRunning) {
			return fmt.Errorf("%w (socket %s)", err, sock)
		}
		return err
	}
	if notifier != nil {
		go notifier.follow(ctx, core)
	}
	go releaseStartupMemory(ctx)
	if d != nil {
		go d.Run(ctx)
	}
	if !o.demo {
		go followWake(ctx, core, log) // wake.go
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := core.Run(ctx); err != nil {
			log.Error("core stopped", "err", err)
		}
		cancel()
	}()
	if !o.headless {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runTray(ctx, core, log)
		}()
		if o.demo {
			go demoWindow(ctx, o.tray, opts.SpawnWindow, log)
		} else {
			go firstRun(ctx, dir, o.tray, opts.SpawnWindow, log)
		}
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// passwordCommand runs an account's password_command without a shell.
func passwordCommand(ctx context.Context, line string) (string, error) {
	cmd, err := secrets.CommandFromString(line)
	if err != nil {
		return "", err
	}
	return cmd.Get(ctx, "")
}

// jsonLines prints events as one JSON object per line, whole lines only.
func jsonLines(w io.Writer) func(control.Event) {
	var mu sync.Mutex
	return func(ev control.Event) {
		data, err := json.Marshal(ev)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		w.Write(append(data, '\n'))
	}
}

// windowEnv is the environment of a window process the core starts: the
// core's socket and config folder, and the language the core speaks now
// (l10n.ChildEnv: MAILBELL_LANG and LANGUAGE), so that the window speaks
// the user's preferred language and Fyne never sees a C locale.
func windowEnv(env []string, sock, dir string) []string {
	return append(l10n.ChildEnv(env, l10n.Current()), control.EnvSocket+"="+sock, config.EnvDir+"="+dir)
}

// spawner starts the window process with the core's config folder and
// socket.
func spawner(dir, sock string, o options, log *slog.Logger) func(view, message string) error {
	var (
		mu      sync.Mutex
		started time.Time
		exited  = make(chan struct{})
	)
	close(exited)
	var start func(view, message string) error // with mu held
	start = func(view, message string) error {
		// The core asks only when no window process is connected. One that was
		// just started and has not said hello yet will show itself: a double
		// click must not open two. One that exited, or never connected, is
		// replaced. One that is on its way out (its last window just closed,
		// so it left the socket but has not exited yet) is waited for a
		// moment, off the caller's goroutine, and then replaced: otherwise a
		// launch right after closing the window would show nothing.
		select {
		case <-exited:
		default:
			if time.Since(started) < 5*time.Second {
				pending := exited
				go func() {
					select {
					case <-pending:
					case <-time.After(2 * time.Second):
						return // still running: a process coming up shows itself
					}
					mu.Lock()
					defer mu.Unlock()
					if exited == pending { // no newer process started meanwhile
						if err := start(view, message); err != nil {
							log.Warn("window not opened", "err", err)
						}
					}
				}()
				return nil
			}
		}
		find := windowExe
		if o.findWindow != nil {
			find = o.findWindow
		}
		exe, err := find()
		if err != nil {
			return err
		}
		args := []string{"--config-dir", dir, "--view", view}
		if message != "" {
			args = append(args, "--message", message)
		}
		if o.debug {
			args = append(args, "--debug")
		}
		args = append(args, o.tray.windowArgs()...)
		cmd := exec.Command(exe, args...)
		cmd.Env = windowEnv(os.Environ(), sock, dir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting the window: %w", err)
		}
		started = time.Now()
		done := make(chan struct{})
		exited = done
		log.Debug("window process started", "pid", cmd.Process.Pid)
		go func() {
			cmd.Wait() // reap it
			close(done)
		}()
		return nil
	}
	return func(view, message string) error {
		mu.Lock()
		defer mu.Unlock()
		return start(view, message)
	}
}
