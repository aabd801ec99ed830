package control

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"

	"mailbell/app/config"
)

// EnvSocket overrides where the core listens; the background process passes
// it to the window process it starts, so both agree whatever the environment.
const EnvSocket = "MAILBELL_SOCKET"

// SocketPath is where the core of config folder dir listens, and where a
// window process or a second launch finds it: $MAILBELL_SOCKET, else
// $XDG_RUNTIME_DIR/mailbell, else dir/run. The default config folder gets
// "control.sock"; any other gets a name made from its path, so a demo or a
// second profile never meets the user's core. Listen makes the folder 0700.
func SocketPath(dir string) string {
	if p := os.Getenv(EnvSocket); p != "" {
		return p
	}
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = filepath.Join(dir, "run")
	} else {
		base = filepath.Join(base, "mailbell")
	}
	name := "control.sock"
	if def, err := config.Dir(""); err != nil || filepath.Clean(def) != filepath.Clean(dir) || os.Getenv(config.EnvDir) != "" {
		sum := sha256.Sum256([]byte(filepath.Clean(dir)))
		name = "control-" + hex.EncodeToString(sum[:6]) + ".sock"
	}
	return filepath.Join(base, name)
}
