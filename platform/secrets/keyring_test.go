//go:build linux

package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
)

// These tests talk to a real gnome-keyring-daemon on a private bus. They
// point the process environment at it (desktoptest's Setenv), so none is
// parallel. go-keyring shares one bus connection per process (godbus's
// dbus.SessionBus), so all keyring cases share one session: a second
// session's bus would not be used while the first one's connection lives.

func assertNoKeyring(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrNoKeyring) {
		t.Fatalf("err = %v, want ErrNoKeyring", err)
	}
	if err.Error() != ErrNoKeyring.Error() {
		t.Errorf("message %q is not the plain ErrNoKeyring text", err)
	}
	if strings.Contains(err.Error(), "org.freedesktop") || strings.Contains(err.Error(), "dbus") {
		t.Errorf("message leaks D-Bus details: %q", err)
	}
}

// TestKeyringNoBus runs before any bus exists in this process.
func TestKeyringNoBus(t *testing.T) {
	ctx := context.Background()
	k := Keyring()

	// A fake dbus-launch records whether anything tried to start a bus.
	bin := t.TempDir()
	marker := filepath.Join(bin, "launched")
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte("#!/bin/sh\ntouch "+marker+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))

	t.Run("unset", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join("/run/user", strconv.Itoa(os.Getuid()), "bus")); err == nil {
			t.Skip("this machine has a user bus at /run/user/UID/bus; the unset case would find it")
		}
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		os.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
		t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
		_, err := k.Get(ctx, "acct1")
		assertNoKeyring(t, err)
		assertNoKeyring(t, k.Set(ctx, "acct1", "pw"))
		if _, err := os.Stat(marker); err == nil {
			t.Error("dbus-launch was run: a bus daemon would outlive Mailbell")
		}
	})

	t.Run("dead socket", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "nobus"))
		t0 := time.Now()
		_, err := k.Get(ctx, "acct1")
		assertNoKeyring(t, err)
		if d := time.Since(t0); d > time.Second {
			t.Errorf("took %v", d)
		}
		assertNoKeyring(t, k.Delete(ctx, "acct1"))
	})
}

func TestKeyring(t *testing.T) {
	s, err := desktoptest.Start(desktoptest.Options{Keyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Setenv(t)
	ctx := context.Background()
	k := Keyring()

	t.Run("contract", func(t *testing.T) { storeContract(t, k) })

	t.Run("attributes are service and username", func(t *testing.T) {
		if err := k.Set(ctx, "acct1", "s3cret pw"); err != nil {
			t.Fatal(err)
		}
		got, err := s.SecretToolLookup("mailbell", "acct1")
		if err != nil || got != "s3cret pw" {
			t.Fatalf("secret-tool lookup = %q, %v", got, err)
		}
		// And the other way: an item made by secret-tool is found.
		if err := s.SecretToolStore("mailbell", "acct2", "from secret-tool"); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get(ctx, "acct2"); err != nil || got != "from secret-tool" {
			t.Fatalf("Get = %q, %v", got, err)
		}
		// Another service's item is not ours.
		if err := s.SecretToolStore("other-app", "acct3", "x"); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Get(ctx, "acct3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of another service's item: %v", err)
		}
		if err := k.Delete(ctx, "acct1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SecretToolLookup("mailbell", "acct1"); !errors.Is(err, desktoptest.ErrSecretNotFound) {
			t.Fatalf("item still there after Delete: %v", err)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := k.Get(c, "acct2"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Get = %v", err)
		}
	})

	// A keyring that never answers (the daemon is stopped with SIGSTOP; a
	// locked keyring waiting for an unseen prompt behaves the same).
	t.Run("timeout", func(t *testing.T) {
		pid := s.PID("keyring")
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		resumed := false
		resume := func() {
			if !resumed {
				resumed = true
				_ = syscall.Kill(pid, syscall.SIGCONT)
			}
		}
		defer resume()

		slow := &KeyringStore{Service: Service, Timeout: 300 * time.Millisecond}
		t0 := time.Now()
		_, err := slow.Get(ctx, "acct2")
		if !errors.Is(err, ErrKeyringTimeout) || err.Error() != "keyring did not answer (locked?)" {
			t.Fatalf("Get = %v, want ErrKeyringTimeout", err)
		}
		if d := time.Since(t0); d < 250*time.Millisecond || d > time.Second {
			t.Errorf("timed out after %v, want about 300ms", d)
		}
		// The first call is still stuck: a second one waits for its slot
		// and times out too, rather than piling up another goroutine.
		if err := slow.Set(ctx, "acct2", "x"); !errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("second call = %v", err)
		}
		// The caller's own deadline counts as a timeout too.
		c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, err := k.Get(c, "acct2"); !errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("Get with a short ctx = %v", err)
		}

		resume()
		// Once the keyring answers, the store works again (the stuck call
		// finishes first).
		got, err := k.Get(ctx, "acct2")
		if err != nil || got != "from secret-tool" {
			t.Fatalf("after resume: %q, %v", got, err)
		}
	})

	// Last: the daemon goes away; the bus stays.
	t.Run("no secret service", func(t *testing.T) {
		if err := s.Stop("keyring"); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		_, err := k.Get(ctx, "acct2")
		assertNoKeyring(t, err)
		assertNoKeyring(t, k.Set(ctx, "acct2", "pw"))
		if d := time.Since(t0); d > time.Second {
			t.Errorf("took %v", d)
		}
	})
}
