//go:build !windows

package main

import "os"

// exitNow ends the process (see exit_windows.go for why it exists).
func exitNow(code uint32) { os.Exit(int(code)) }
