//go:build linux

package sessionbus

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestAddress(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x")
	if a, err := Address(); err != nil || a != "unix:path=/x" {
		t.Fatalf("%q, %v", a, err)
	}

	if _, err := os.Stat(filepath.Join("/run/user", strconv.Itoa(os.Getuid()), "bus")); err == nil {
		t.Skip("this machine has /run/user/UID/bus; the discovery cases would find it")
	}
	run := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", run)
	for _, v := range []string{"", "autolaunch:"} {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", v)
		if a, err := Address(); !errors.Is(err, ErrNoBus) {
			t.Fatalf("DBUS_SESSION_BUS_ADDRESS=%q: %q, %v; want ErrNoBus", v, a, err)
		}
	}
	// A plain file called bus is not a bus.
	if err := os.WriteFile(filepath.Join(run, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Address(); !errors.Is(err, ErrNoBus) {
		t.Fatalf("regular file taken for a bus: %v", err)
	}
	os.Remove(filepath.Join(run, "bus"))
	l, err := net.Listen("unix", filepath.Join(run, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if a, err := Address(); err != nil || a != "unix:path="+filepath.Join(run, "bus") {
		t.Fatalf("%q, %v", a, err)
	}
	// A socket with no D-Bus behind it: Connect gives up instead of
	// waiting forever for the handshake.
	defer func(d time.Duration) { ConnectTimeout = d }(ConnectTimeout)
	ConnectTimeout = 200 * time.Millisecond
	t0 := time.Now()
	if _, err := Connect(); err == nil {
		t.Error("Connect to a silent socket succeeded")
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Connect took %v", d)
	}
}
