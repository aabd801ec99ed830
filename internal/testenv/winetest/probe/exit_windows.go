package main

import "golang.org/x/sys/windows"

// exitNow ends the process without DLL detach notifications. After the
// toast activator was registered, Wine 8 calls back into Go during
// ExitProcess, which the Go runtime no longer accepts ("exitsyscall:
// syscall frame is no longer valid") and the process hangs.
func exitNow(code uint32) {
	windows.TerminateProcess(windows.CurrentProcess(), code)
}
