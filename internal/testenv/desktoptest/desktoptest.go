// Package desktoptest starts a throw-away desktop session for tests: a temp
// root with its own HOME and XDG folders and, on request, a private D-Bus
// session bus, an X server (Xvfb), a notification server (dunst) and a
// Secret Service (gnome-keyring). Every child process is recorded and stopped
// by Session.Close.
//
// The API does not import "testing" so an end-to-end test driver (or a
// TestMain) can use it too. Linux only in practice: it runs Debian's dbus,
// xvfb, dunst, gnome-keyring, libsecret-tools and imagemagick.
//
// Why a private bus with no service directories: the user's session bus (or
// godbus's dbus-launch fallback) would activate real daemons behind the test's
// back, and those outlive the test. On this bus nothing is ever activated, so
// a missing service is an error, exactly like on a desktop without one.
package desktoptest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// Options selects what Start runs. The zero value gives only the sandboxed
// folders and environment.
type Options struct {
	// X starts Xvfb on a free display.
	X bool
	// DBus starts a private dbus-daemon (no service activation).
	DBus bool
	// Dunst starts dunst as the notification server. Implies X and DBus.
	Dunst bool
	// Keyring starts gnome-keyring-daemon (secrets component only) with an
	// unlocked login keyring. Implies DBus.
	Keyring bool

	// KeyringPassword unlocks the login keyring; default "desktoptest".
	KeyringPassword string
	// DunstMarkup is dunst's "markup" setting: "full" (default, so the server
	// advertises the body-markup capability like GNOME and KDE do), "strip"
	// or "no".
	DunstMarkup string
	// Lang is LANG for the children; default "C.UTF-8" (the only UTF-8
	// locale a minimal Debian has).
	Lang string
	// StartTimeout bounds the wait for each service; default 10 s.
	StartTimeout time.Duration
	// TempDir is the parent of the session root; default os.TempDir(). Keep
	// it short: the bus socket path must fit in 108 bytes.
	TempDir string
	// KeepRoot leaves the root folder (logs, keyrings, config) on disk after
	// Close, for debugging. The environment variable DESKTOPTEST_KEEP=1 does
	// the same.
	KeepRoot bool
}

// Session is a running sandbox. Its exported fields are read-only.
type Session struct {
	Root       string // temp root; logs are in Root/logs
	Home       string
	ConfigHome string
	DataHome   string
	CacheHome  string
	StateHome  string
	RuntimeDir string // mode 0700
	Display    string // ":N", or "" without X
	BusAddress string // the private bus, or "" without DBus

	opts Options

	mu     sync.Mutex
	procs  []*proc
	bus    *dbus.Conn // the harness's own connection (waiting for names, dunst calls)
	closed bool

	dunstMu  sync.Mutex // one context-menu action at a time
	dunstDir string
}

// Start creates the sandbox and starts what opts asks for. On error,
// everything already started is stopped again.
func Start(opts Options) (s *Session, err error) {
	if opts.Dunst {
		opts.X, opts.DBus = true, true
	}
	if opts.Keyring {
		opts.DBus = true
	}
	if opts.KeyringPassword == "" {
		opts.KeyringPassword = "desktoptest"
	}
	if opts.DunstMarkup == "" {
		opts.DunstMarkup = "full"
	}
	if opts.Lang == "" {
		opts.Lang = "C.UTF-8"
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 10 * time.Second
	}
	if os.Getenv("DESKTOPTEST_KEEP") == "1" {
		opts.KeepRoot = true
	}

	root, err := os.MkdirTemp(opts.TempDir, "desktoptest-")
	if err != nil {
		return nil, fmt.Errorf("desktoptest: %w", err)
	}
	s = &Session{
		Root:       root,
		Home:       filepath.Join(root, "home"),
		ConfigHome: filepath.Join(root, "home", ".config"),
		DataHome:   filepath.Join(root, "home", ".local", "share"),
		StateHome:  filepath.Join(root, "home", ".local", "state"),
		CacheHome:  filepath.Join(root, "home", ".cache"),
		RuntimeDir: filepath.Join(root, "run"),
		opts:       opts,
	}
	defer func() {
		if err != nil {
			_ = s.Close()
			s = nil
		}
	}()
	for _, d := range []string{s.Home, s.ConfigHome, s.DataHome, s.StateHome, s.CacheHome, filepath.Join(root, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return s, fmt.Errorf("desktoptest: %w", err)
		}
	}
	// XDG_RUNTIME_DIR must be 0700 and owned by the user (the spec says so,
	// and gnome-keyring refuses to use it otherwise).
	if err := os.Mkdir(s.RuntimeDir, 0o700); err != nil {
		return s, fmt.Errorf("desktoptest: %w", err)
	}
	if err := os.Chmod(s.RuntimeDir, 0o700); err != nil { // umask-proof
		return s, fmt.Errorf("desktoptest: %w", err)
	}

	if opts.X {
		if err := s.startX(); err != nil {
			return s, err
		}
	}
	if opts.DBus {
		if err := s.startBus(); err != nil {
			return s, err
		}
	}
	if opts.Keyring {
		if err := s.startKeyring(); err != nil {
			return s, err
		}
	}
	if opts.Dunst {
		if err := s.startDunst(); err != nil {
			return s, err
		}
	}
	return s, nil
}

// noBusAddress is what DBUS_SESSION_BUS_ADDRESS points to in a session
// without a bus: a socket that does not exist. Leaving the variable unset
// is not enough, because godbus then runs dbus-launch, which starts a
// daemon that outlives the test.
func (s *Session) noBusAddress() string {
	return "unix:path=" + filepath.Join(s.RuntimeDir, "no-bus")
}

// overrides are the variables the session sets; unset lists those it
// removes from the inherited environment.
func (s *Session) overrides() (set [][2]string, unset []string) {
	bus := s.BusAddress
	if bus == "" {
		bus = s.noBusAddress()
	}
	set = [][2]string{
		{"HOME", s.Home},
		{"XDG_CONFIG_HOME", s.ConfigHome},
		{"XDG_DATA_HOME", s.DataHome},
		{"XDG_STATE_HOME", s.StateHome},
		{"XDG_CACHE_HOME", s.CacheHome},
		{"XDG_RUNTIME_DIR", s.RuntimeDir},
		{"DBUS_SESSION_BUS_ADDRESS", bus},
		{"LANG", s.opts.Lang},
	}
	if s.Display != "" {
		set = append(set, [2]string{"DISPLAY", s.Display})
	} else {
		unset = append(unset, "DISPLAY")
	}
	// Whatever the developer's desktop exported must not leak in.
	unset = append(unset, "WAYLAND_DISPLAY", "XAUTHORITY", "LC_ALL", "LANGUAGE",
		"GNOME_KEYRING_CONTROL", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP",
		"XDG_DATA_DIRS", "XDG_CONFIG_DIRS", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION")
	return set, unset
}

// Env returns the environment for child processes: the test process's own
// environment (PATH, GOCOVERDIR, …) with HOME, XDG_*, DISPLAY,
// DBUS_SESSION_BUS_ADDRESS and LANG replaced by the session's. Without a bus,
// DBUS_SESSION_BUS_ADDRESS names a socket that does not exist, so clients see
// "no bus" and nothing autolaunches one.
func (s *Session) Env() []string {
	set, unset := s.overrides()
	drop := map[string]bool{}
	for _, kv := range set {
		drop[kv[0]] = true
	}
	for _, k := range unset {
		drop[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] || strings.HasPrefix(k, "XDG_") {
			continue
		}
		env = append(env, kv)
	}
	for _, kv := range set {
		env = append(env, kv[0]+"="+kv[1])
	}
	return env
}

// Setenver is satisfied by *testing.T, *testing.B and testing.TB.
type Setenver interface {
	Setenv(key, value string)
}

// Setenv points the current process at the session, through t.Setenv, which
// restores the old values when the test ends. Use it for in-process code that
// reads the environment itself: go-keyring and godbus's SessionBus read
// DBUS_SESSION_BUS_ADDRESS, os.UserConfigDir reads XDG_CONFIG_HOME.
//
// The environment is process-wide, so a test that calls Setenv cannot be
// parallel (testing panics if it or an ancestor called t.Parallel). Note that
// godbus caches one shared connection (dbus.SessionBus): it stays on an
// earlier session's bus until that bus is closed, so close one session
// before pointing the process at the next.
func (s *Session) Setenv(t Setenver) {
	set, unset := s.overrides()
	for _, kv := range set {
		t.Setenv(kv[0], kv[1])
	}
	for _, k := range unset {
		t.Setenv(k, "") // records the old value for restoring …
		_ = os.Unsetenv(k)
	}
}

// SetProcessEnv is Setenv for code that has no *testing.T (a TestMain or an
// end-to-end driver). Call restore to put the old environment back. Same
// caveats as Setenv: not safe while other goroutines read the environment.
func (s *Session) SetProcessEnv() (restore func()) {
	type old struct {
		v  string
		ok bool
	}
	saved := map[string]old{}
	set, unset := s.overrides()
	for _, kv := range set {
		v, ok := os.LookupEnv(kv[0])
		saved[kv[0]] = old{v, ok}
		_ = os.Setenv(kv[0], kv[1])
	}
	for _, k := range unset {
		v, ok := os.LookupEnv(k)
		saved[k] = old{v, ok}
		_ = os.Unsetenv(k)
	}
	return func() {
		for k, o := range saved {
			if o.ok {
				_ = os.Setenv(k, o.v)
			} else {
				_ = os.Unsetenv(k)
			}
		}
	}
}

// PIDs returns the process ids of the children started so far (running or
// not).
func (s *Session) PIDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pids []int
	for _, p := range s.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}

// PID returns the process id of the child called name ("xvfb", "dbus",
// "keyring", "dunst"), or 0 if the session did not start it.
func (s *Session) PID(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if p.name == name {
			return p.cmd.Process.Pid
		}
	}
	return 0
}

// Stop stops the child called name before Close, to test what happens when
// a service goes away (the keyring daemon dies, the notification server
// quits). Stopping the bus or X while other children use them is allowed but
// those children will likely exit too.
func (s *Session) Stop(name string) error {
	s.mu.Lock()
	var target *proc
	for _, p := range s.procs {
		if p.name == name {
			target = p
		}
	}
	s.mu.Unlock()
	if target == nil {
		return fmt.Errorf("desktoptest: no child called %q", name)
	}
	return target.stop(3 * time.Second)
}

// LogPath is where the child called name ("xvfb", "dbus", "keyring",
// "dunst") writes its stdout and stderr.
func (s *Session) LogPath(name string) string {
	return filepath.Join(s.Root, "logs", name+".log")
}

// Close stops every child (SIGTERM to its process group, SIGKILL after 3 s),
// in reverse start order, and removes the root unless KeepRoot. It is safe
// to call more than once.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	procs := s.procs
	bus := s.bus
	s.bus = nil
	s.mu.Unlock()

	if bus != nil {
		_ = bus.Close()
	}
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		if err := procs[i].stop(3 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if !s.opts.KeepRoot {
		if err := os.RemoveAll(s.Root); err != nil {
			errs = append(errs, fmt.Errorf("desktoptest: removing %s: %w", s.Root, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Session) busConn() (*dbus.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bus == nil {
		return nil, errors.New("desktoptest: the session has no D-Bus (Options.DBus)")
	}
	return s.bus, nil
}
