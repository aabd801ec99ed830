package tray

import (
	"runtime"
	"strings"
)

// menuLabel escapes text for the platform's menu: dbusmenu (Linux, BSD)
// reads "_" as a mnemonic marker and shows "__" as one underscore; Windows
// menus do the same with "&". A subject like "re_port" must not lose its
// underscore or gain a keyboard shortcut.
func menuLabel(s string) string {
	switch runtime.GOOS {
	case "darwin":
		return s
	case "windows":
		return strings.ReplaceAll(s, "&", "&&")
	}
	return strings.ReplaceAll(s, "_", "__")
}
