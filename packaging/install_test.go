//go:build linux

// Package packaging_test checks what `make install` lays out and what the
// Debian package does on a real system: the validators Debian ships
// (desktop-file-validate, appstreamcli, lintian), `apt-get install` of the
// built .deb, the installed programs run against a private Dovecot and
// desktop session, and `apt-get remove` leaving nothing behind.
//
// The .deb test installs a package on this machine, so it needs root; `make
// test` runs as root on the disposable CI machine. It fails, never skips,
// when it cannot run.
package packaging_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/proctest"
)

const appID = "io.mailbell.Mailbell"

// installed is what `make install PREFIX=/usr` must lay out, below DESTDIR.
var installed = []string{
	"usr/bin/mailbell",
	"usr/libexec/mailbell/mailbell-window",
	"usr/share/applications/" + appID + ".desktop",
	"usr/share/metainfo/" + appID + ".metainfo.xml",
	"usr/share/man/man1/mailbell.1.gz",
	"usr/share/icons/hicolor/16x16/apps/" + appID + ".png",
	"usr/share/icons/hicolor/48x48/apps/" + appID + ".png",
	"usr/share/icons/hicolor/256x256/apps/" + appID + ".png",
}

func root(t *testing.T) string {
	t.Helper()
	r, err := proctest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs a command in the module root and returns its combined output; a
// non-zero exit fails the test with that output.
func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(out))
	}
	return string(out)
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// makeMu serialises the two tests' make runs: both write bin/ in the tree.
var makeMu sync.Mutex

func TestInstallLayoutValidatesAndUninstalls(t *testing.T) {
	r := root(t)
	dest := t.TempDir()
	makeMu.Lock()
	run(t, r, "make", "--no-print-directory", "install", "DESTDIR="+dest, "PREFIX=/usr")
	makeMu.Unlock()

	for _, p := range installed {
		fi, err := os.Stat(filepath.Join(dest, p))
		if err != nil {
			t.Errorf("install did not lay out %s: %v", p, err)
			continue
		}
		want := os.FileMode(0o644)
		if strings.Contains(p, "/bin/") || strings.Contains(p, "/libexec/") {
			want = 0o755
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	desktop := filepath.Join(dest, "usr/share/applications", appID+".desktop")
	out, err := exec.Command("desktop-file-validate", desktop).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
	entry, _ := os.ReadFile(desktop)
	for _, want := range []string{"Exec=/usr/bin/mailbell\n", "Icon=" + appID + "\n", "Categories=Network;Email;\n", "X-GNOME-UsesNotifications=true\n", "StartupNotify=", "Keywords=", "GenericName=", "Comment="} {
		if !strings.Contains(string(entry), want) {
			t.Errorf("desktop entry lacks %q:\n%s", want, entry)
		}
	}
	meta := filepath.Join(dest, "usr/share/metainfo", appID+".metainfo.xml")
	if out, err := exec.Command("appstreamcli", "validate", "--no-net", meta).CombinedOutput(); err != nil {
		t.Errorf("appstreamcli validate: %v\n%s", err, out)
	}

	// The background executable links nothing: no libc, no GL, no X11.
	bg := filepath.Join(dest, "usr/bin/mailbell")
	ldd, _ := exec.Command("ldd", bg).CombinedOutput()
	if !strings.Contains(string(ldd), "statically linked") && !strings.Contains(string(ldd), "not a dynamic executable") {
		t.Errorf("ldd %s: want a static executable, got:\n%s", bg, ldd)
	}
	win := filepath.Join(dest, "usr/libexec/mailbell/mailbell-window")
	wldd := run(t, r, "ldd", win)
	if !strings.Contains(wldd, "libGL") {
		t.Errorf("the window executable should link GL (Fyne); ldd says:\n%s", wldd)
	}
	if v := run(t, r, bg, "--version"); !regexp.MustCompile(`^Mailbell \d+\.\d+\.\d+ \(`).MatchString(v) {
		t.Errorf("mailbell --version = %q", v)
	}

	makeMu.Lock()
	run(t, r, "make", "--no-print-directory", "uninstall", "DESTDIR="+dest, "PREFIX=/usr")
	makeMu.Unlock()
	var left []string
	filepath.Walk(dest, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			left = append(left, strings.TrimPrefix(p, dest+"/"))
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("uninstall left files behind: %v", left)
	}
}

func TestDebianPackage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("installing the .deb needs root (make test runs as root on the CI machine)")
	}
	r := root(t)
	makeMu.Lock()
	out := run(t, r, "make", "--no-print-directory", "deb")
	makeMu.Unlock()
	m := regexp.MustCompile(`built (bin/mailbell_\S+\.deb)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("make deb did not say what it built:\n%s", out)
	}
	deb := filepath.Join(r, m[1])

	// lintian: no errors (warnings and notes are listed in the log).
	lout, _ := exec.Command("lintian", "--tag-display-limit", "0", deb).CombinedOutput()
	t.Logf("lintian:\n%s", lout)
	for _, line := range strings.Split(string(lout), "\n") {
		if strings.HasPrefix(line, "E: ") {
			t.Errorf("lintian error: %s", line)
		}
	}
	fields := run(t, r, "dpkg-deb", "--field", deb, "Depends", "Recommends")
	if !strings.Contains(fields, "libgl1") || !strings.Contains(fields, "Recommends: gnome-keyring") {
		t.Errorf("Depends/Recommends look wrong:\n%s", fields)
	}

	// apt-get install of the file, as a user would.
	run(t, r, "apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", deb)
	removed := false
	t.Cleanup(func() {
		if !removed {
			exec.Command("apt-get", "remove", "-y", "-q", "mailbell").Run()
		}
	})
	var files []string
	for _, p := range strings.Split(run(t, r, "dpkg", "-L", "mailbell"), "\n") {
		if fi, err := os.Lstat(p); err == nil && !fi.IsDir() {
			files = append(files, p)
		}
	}
	for _, p := range installed {
		if !slices.Contains(files, "/"+p) {
			t.Errorf("dpkg -L mailbell lacks /%s", p)
		}
	}
	if v := run(t, r, "/usr/bin/mailbell", "--version"); !strings.HasPrefix(v, "Mailbell ") {
		t.Errorf("installed mailbell --version = %q", v)
	}

	t.Run("headless_against_dovecot", func(t *testing.T) { headlessFromInstall(t) })
	t.Run("second_launch_opens_installed_window", func(t *testing.T) { secondLaunchFromInstall(t) })

	run(t, r, "apt-get", "remove", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", "mailbell")
	removed = true
	for _, p := range files {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("apt-get remove left %s behind", p)
		}
	}
	if _, err := os.Stat("/usr/libexec/mailbell"); err == nil {
		t.Errorf("apt-get remove left /usr/libexec/mailbell behind")
	}
}

// writeConfig writes a config folder with one account on dc, whose password
// comes from a password_command (no keyring needed).
func writeConfig(t *testing.T, dc *dovecottest.Server) string {
	t.Helper()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(dovecottest.DefaultPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"accounts": []map[string]any{{
		"id": "deb", "name": "Deb", "host": dc.Host(), "port": dc.TLSPort(), "security": "tls",
		"username": dovecottest.DefaultUser, "ca_file": dc.CAFile(),
		"password_command": "cat " + pwFile,
	}}}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// headlessFromInstall runs the installed background executable headless
// against Dovecot and waits for a delivered message's new_mail line.
func headlessFromInstall(t *testing.T) {
	dc := dovecottest.StartT(t, dovecottest.Options{})
	cfg := writeConfig(t, dc)
	lines := make(chan string, 64)
	p := proctest.Start(t, "mailbell-headless", "/usr/bin/mailbell", proctest.Options{
		Env:   append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir(), "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"),
		Lines: func(l []byte) { lines <- string(l) },
		Grace: 3 * time.Second,
	}, "--headless", "--config-dir", cfg)
	defer p.Stop(3 * time.Second)
	waitLine(t, lines, 30*time.Second, `"state":"idle"`)
	msg := dovecottest.Message("Ann <ann@example.com>", "alice@example.com", "installed and working", time.Now())
	if err := dc.Deliver(dovecottest.DefaultUser, "INBOX", msg); err != nil {
		t.Fatal(err)
	}
	waitLine(t, lines, 30*time.Second, `"subject":"installed and working"`)
}

func waitLine(t *testing.T, lines <-chan string, d time.Duration, want string) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case l := <-lines:
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no line with %s within %v", want, d)
		}
	}
}

// secondLaunchFromInstall starts the installed background process in a
// private desktop session, launches it again, and checks that the window
// process the first one starts is the installed window executable, and that
// the background process maps no GL or X11 library.
func secondLaunchFromInstall(t *testing.T) {
	s, err := desktoptest.Start(desktoptest.Options{X: true, DBus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dc := dovecottest.StartT(t, dovecottest.Options{})
	cfg := writeConfig(t, dc)
	env := s.Env()
	bg := proctest.Start(t, "mailbell-bg", "/usr/bin/mailbell", proctest.Options{Env: env, Dir: s.Home, Grace: 3 * time.Second}, "--config-dir", cfg)
	defer bg.Stop(3 * time.Second)

	// Wait for the first one's control socket, then launch again: the
	// second launch asks the first to show its window and exits 0.
	for end := time.Now().Add(20 * time.Second); ; {
		socks, _ := filepath.Glob(filepath.Join(s.RuntimeDir, "mailbell", "*.sock"))
		if len(socks) > 0 {
			break
		}
		if time.Now().After(end) || bg.Exited() {
			t.Fatalf("the installed background process opened no control socket in %s", s.RuntimeDir)
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := proctest.Start(t, "mailbell-second", "/usr/bin/mailbell", proctest.Options{Env: env, Dir: s.Home}, "--config-dir", cfg)
	if code, err := second.Wait(15 * time.Second); err != nil || code != 0 {
		t.Fatalf("second launch: exit %d, %v", code, err)
	}
	var windowPID int
	for end := time.Now().Add(15 * time.Second); windowPID == 0; {
		for _, pid := range proctest.Children(bg.PID()) {
			exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
			if exe == "/usr/libexec/mailbell/mailbell-window" {
				windowPID = pid
			}
		}
		if windowPID == 0 {
			if time.Now().After(end) {
				t.Fatalf("no /usr/libexec/mailbell/mailbell-window under the background process (children %v)", proctest.Children(bg.PID()))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", bg.PID()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for _, lib := range []string{"libGL", "libX11", "libxcb", "_dri.so", "libLLVM", "libc.so"} {
			if strings.Contains(sc.Text(), lib) {
				t.Errorf("the background process maps %s: %s", lib, sc.Text())
			}
		}
	}
}
