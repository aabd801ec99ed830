// Mailbell is a desktop new-mail notifier: IMAP IDLE in a light background
// process with a tray icon, windows on demand. See README.md.
package main

import (
	"os"

	"mailbell/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
