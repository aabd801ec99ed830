package dovecottest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts dovecot in its own process group (its children inherit
// it, so the group can be killed at once) and sends it SIGTERM if the test
// process dies first: a test timeout exits without running Close.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// shmMinFree is how much room /dev/shm needs before instances go there:
// a 100,000-message maildir takes ~450 MB on tmpfs (a page per file), and
// Docker's default /dev/shm is only 64 MB.
const shmMinFree = 2 << 30

// defaultParent prefers tmpfs: on the test machines creating (and deleting)
// 100,000 small files on ext4 took 30-100 s under load, on tmpfs ~4 s.
func defaultParent() string {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err == nil && uint64(st.Bavail)*uint64(st.Bsize) >= shmMinFree {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() && fi.Mode().Perm()&0o003 == 0o003 {
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

// groupAlive reports whether a live (non-zombie) process is still in the
// process group led by pid. Zombies are ignored: killed children are
// orphans that only init reaps, which here takes a second or more, and a
// zombie holds no port, socket or file.
func groupAlive(pid int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-pid, 0) == nil
	}
	for _, e := range entries {
		if n := e.Name(); n == "" || n[0] < '0' || n[0] > '9' {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if pgrp, err := strconv.Atoi(f[2]); err == nil && pgrp == pid {
			return true
		}
	}
	return false
}
