//go:build windows

package open

import "os/exec"

// detach: Windows has no sessions to leave; a started process already
// outlives its parent.
func detach(*exec.Cmd) {}
