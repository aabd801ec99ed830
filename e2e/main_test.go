// Package e2e runs the real mailbell binary the way a person does, on a
// throw-away desktop (Xvfb, a private D-Bus, dunst, gnome-keyring, a test
// tray host) against a private Dovecot, and checks what the person sees:
// notifications in dunst, the tray menu, the window on the X screen.
//
// It is a plain test package, so `make test` (go test -race ./...) runs it.
// The binary is built once per test process from the module root; the
// artifacts (screenshots, dunst history, logs) go to a folder under
// os.TempDir() whose path the test logs.
package e2e

import (
	"os"
	"testing"

	"mailbell/internal/testenv/proctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	proctest.RemoveBinary()
	removeSigninBinary()
	os.Exit(code)
}

// mailbellBinary builds mailbell once (go build from the module root) and returns
// its path. A failed build fails the test; it never skips.
func mailbellBinary(t *testing.T) string {
	t.Helper()
	return proctest.Binary(t)
}
