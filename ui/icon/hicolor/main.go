// Command hicolor lays out Mailbell's app icon in the freedesktop icon
// theme's folder scheme, for `make install` and the Debian package:
//
//	go run ./ui/icon/hicolor -o DIR [-name io.mailbell.Mailbell]
//
// writes DIR/NxN/apps/NAME.png for each of Sizes. The pictures come from the
// embedded Icon.png through package icon's resampler (the same code that
// draws the tray icon), so every size is filtered from the 256 px master
// rather than scaled by whatever the desktop's theme cache would do.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"mailbell/app/view"
	"mailbell/ui/icon"
)

// Sizes are the hicolor sizes installed: the ones desktop shells ask for
// (16–48 for menus and panels, 64–256 for launchers and software centres).
var Sizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

func main() {
	out := flag.String("o", "", "the hicolor folder to write into (…/share/icons/hicolor)")
	name := flag.String("name", "io.mailbell.Mailbell", "the icon name (the app ID)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: hicolor -o DIR [-name NAME]")
		os.Exit(2)
	}
	if err := write(*out, *name); err != nil {
		slog.Error("hicolor", "err", err)
		os.Exit(1)
	}
}

// write puts one PNG per size below dir.
func write(dir, name string) error {
	for _, n := range Sizes {
		sub := filepath.Join(dir, fmt.Sprintf("%dx%d", n, n), "apps")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		p := filepath.Join(sub, name+".png")
		if err := os.WriteFile(p, icon.Variant(view.IconNormal, 0, n), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}
