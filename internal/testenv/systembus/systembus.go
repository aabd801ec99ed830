//go:build linux

package systembus

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- systembus: a system-like bus for tests. No servicedir, no includes,
     no user switch: nothing is activated, anyone may own and send. -->
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`

// Bus is a running private bus.
type Bus struct {
	Address string // "unix:path=…"
	Dir     string // holds the socket, the config and the log

	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs dbus-daemon in a new folder under parent ("" = os.TempDir();
// keep it short, a socket path has at most 107 bytes) and returns once the
// bus accepts connections (it prints its address then), or after timeout.
func Start(parent string, timeout time.Duration) (*Bus, error) {
	dir, err := os.MkdirTemp(parent, "sysbus-")
	if err != nil {
		return nil, fmt.Errorf("systembus: %w", err)
	}
	sock := filepath.Join(dir, "bus")
	if len(sock) > 100 {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("systembus: socket path %q too long", sock)
	}
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(config, sock)), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("systembus: %w", err)
	}
	logf, err := os.Create(filepath.Join(dir, "dbus.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("systembus: %w", err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("systembus: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("dbus-daemon", "--nofork", "--nopidfile", "--config-file="+conf,
		"--address=unix:path="+sock, "--print-address=3")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{w}
	// Own process group, and killed with the test binary if that dies
	// first (a test timeout exits without cleanups).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		w.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("systembus: starting dbus-daemon: %w", err)
	}
	w.Close()
	b := &Bus{Dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(b.done)
	}()

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			b.Close()
			return nil, fmt.Errorf("systembus: dbus-daemon printed no address%s", b.logTail())
		}
		b.Address = addr
		return b, nil
	case <-time.After(timeout):
		b.Close()
		return nil, fmt.Errorf("systembus: dbus-daemon not ready after %v%s", timeout, b.logTail())
	}
}

func (b *Bus) logTail() string {
	out, _ := os.ReadFile(filepath.Join(b.Dir, "dbus.log"))
	if len(out) == 0 {
		return ""
	}
	return "\n--- dbus-daemon log ---\n" + string(out)
}

// Close stops the daemon (SIGTERM, SIGKILL after 3 s), waits for it and
// removes its folder. Safe to call twice.
func (b *Bus) Close() error {
	if b.cmd.Process != nil {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
	}
	var err error
	select {
	case <-b.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-b.done:
		case <-time.After(5 * time.Second):
			err = errors.New("systembus: dbus-daemon did not exit after SIGKILL")
		}
	}
	if rmErr := os.RemoveAll(b.Dir); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}
