// Command mailbell-window is Mailbell's windows (recent mail, settings): a
// Fyne program that the background process starts on demand and that exits
// when its last window closes. It links Fyne, GL and X11, which is why it is
// not part of the background executable. Users start it as `mailbell window`.
package main

import (
	"os"

	"mailbell/ui/window"
)

func main() {
	os.Exit(window.Main(os.Args[1:], os.Stderr))
}
