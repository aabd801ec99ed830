package desktoptest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// readLine reads one line from r within timeout, failing early if p exits.
func readLine(r *os.File, p *proc, timeout time.Duration) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		ch <- result{strings.TrimSpace(line), err}
	}()
	select {
	case res := <-ch:
		if res.line == "" {
			if p.exited() {
				return "", p.exitError()
			}
			return "", fmt.Errorf("desktoptest: %s printed nothing (%v)%s", p.name, res.err, p.logTail())
		}
		return res.line, nil
	case <-p.done:
		return "", p.exitError()
	case <-time.After(timeout):
		return "", fmt.Errorf("desktoptest: %s not ready after %v%s", p.name, timeout, p.logTail())
	}
}

// startX runs Xvfb on a display it picks itself: -displayfd makes it write
// the display number to fd 3 once it accepts connections.
func (s *Session) startX() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	defer r.Close()
	p, err := s.start(startSpec{
		name:       "xvfb",
		argv:       []string{"Xvfb", "-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp"},
		extraFiles: []*os.File{w},
	})
	w.Close()
	if err != nil {
		return err
	}
	line, err := readLine(r, p, s.opts.StartTimeout)
	if err != nil {
		return err
	}
	s.Display = ":" + line
	return nil
}

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- desktoptest: a session bus with no service directories, so nothing is
     ever activated behind the test's back. -->
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

func (s *Session) startBus() error {
	sock := filepath.Join(s.RuntimeDir, "bus")
	if len(sock) >= 100 {
		return fmt.Errorf("desktoptest: bus socket path %q too long for a unix socket; use a shorter Options.TempDir", sock)
	}
	conf := filepath.Join(s.Root, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, sock)), 0o644); err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	defer r.Close()
	p, err := s.start(startSpec{
		name: "dbus",
		argv: []string{"dbus-daemon", "--nofork", "--nopidfile", "--config-file=" + conf,
			"--address=unix:path=" + sock, "--print-address=3"},
		extraFiles: []*os.File{w},
	})
	w.Close()
	if err != nil {
		return err
	}
	// dbus-daemon prints its address once it listens.
	addr, err := readLine(r, p, s.opts.StartTimeout)
	if err != nil {
		return err
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return fmt.Errorf("desktoptest: connecting to the private bus: %w%s", err, p.logTail())
	}
	s.mu.Lock()
	s.BusAddress = addr
	s.bus = conn
	s.mu.Unlock()
	return nil
}

// waitForName polls until name has an owner on the bus, p dies, or the
// start timeout passes.
func (s *Session) waitForName(p *proc, name string) error {
	conn, err := s.busConn()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.opts.StartTimeout)
	for {
		ok, err := nameHasOwner(conn, name)
		if err != nil {
			return fmt.Errorf("desktoptest: asking the bus about %s: %w", name, err)
		}
		if ok {
			return nil
		}
		if p.exited() {
			return p.exitError()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("desktoptest: %s did not take %s within %v%s", p.name, name, s.opts.StartTimeout, p.logTail())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func nameHasOwner(conn *dbus.Conn, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var ok bool
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&ok)
	return ok, err
}

// NameHasOwner reports whether name is owned on the session's bus.
func (s *Session) NameHasOwner(name string) (bool, error) {
	conn, err := s.busConn()
	if err != nil {
		return false, err
	}
	return nameHasOwner(conn, name)
}

func (s *Session) startKeyring() error {
	// --unlock reads the login keyring's password from stdin until EOF and
	// creates the keyring unlocked; --foreground keeps it our child.
	p, err := s.start(startSpec{
		name:  "keyring",
		argv:  []string{"gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"},
		stdin: strings.NewReader(s.opts.KeyringPassword),
	})
	if err != nil {
		return err
	}
	return s.waitForName(p, "org.freedesktop.secrets")
}

// dmenuScript stands in for dmenu in dunst's context menu: it picks the menu
// line naming the wanted "[id,key]" (dunst's format is
// "#Label (Summary) [id,key]"), which is how DunstAction invokes any action
// without a mouse.
const dmenuScript = `#!/bin/sh
# desktoptest: dunst's dmenu stand-in. Reads the menu on stdin, prints the
# line that contains the wanted "[id,key]" from %[1]s/choice.
menu=$(cat)
want=$(cat '%[1]s/choice' 2>/dev/null)
line=""
if [ -n "$want" ]; then
	line=$(printf '%%s\n' "$menu" | grep -F -- "$want" | head -n 1)
fi
printf '%%s\n' "$menu" > '%[1]s/menu'
printf '%%s' "$line" > '%[1]s/picked.tmp' && mv '%[1]s/picked.tmp' '%[1]s/picked'
printf '%%s\n' "$line"
`

const dunstConfig = `[global]
    font = Monospace 8
    width = 300
    origin = top-right
    offset = 10x10
    markup = %s
    history_length = 1000
    sticky_history = yes
    idle_threshold = 0
    show_indicators = no
    dmenu = %s
    browser = /bin/true

# Never expire on their own: tests decide when notifications go to history.
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
`

func (s *Session) startDunst() error {
	dir := filepath.Join(s.Root, "dunst")
	if strings.ContainsAny(dir, "'\"\\ ") {
		return fmt.Errorf("desktoptest: unusual characters in %q", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	script := filepath.Join(dir, "dmenu.sh")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(dmenuScript, dir)), 0o755); err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	conf := filepath.Join(dir, "dunstrc")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(dunstConfig, s.opts.DunstMarkup, script)), 0o644); err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	s.dunstDir = dir
	p, err := s.start(startSpec{name: "dunst", argv: []string{"dunst", "-config", conf}})
	if err != nil {
		return err
	}
	if err := s.waitForName(p, "org.freedesktop.Notifications"); err != nil {
		return err
	}
	return nil
}

var errNoX = errors.New("desktoptest: the session has no X server (Options.X)")
