//go:build linux

package goatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mailbell/internal/testenv/desktoptest"
)

// DaemonPaths are where Debian and Fedora install goa-daemon (package
// gnome-online-accounts); it is not on PATH.
var DaemonPaths = []string{"/usr/libexec/goa-daemon", "/usr/lib/gnome-online-accounts/goa-daemon"}

// ErrNoDaemon: goa-daemon is not installed.
var ErrNoDaemon = errors.New("goatest: goa-daemon not installed (Debian package gnome-online-accounts)")

// DaemonPath returns the installed goa-daemon, or ErrNoDaemon.
func DaemonPath() (string, error) {
	for _, p := range DaemonPaths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNoDaemon
}

// Entry is one account of accounts.conf: IMAPAccount or OAuth2Account.
type Entry interface {
	keyFile() string
}

// IMAPAccount is an "IMAP and SMTP" account for the real goa-daemon's
// accounts.conf. It has no SMTP server, so goa-daemon checks only IMAP
// when it validates the account.
type IMAPAccount struct {
	ID       string // the Id; goa-daemon's own are "account_<time>_<n>"
	Address  string // EmailAddress and PresentationIdentity
	Host     string // ImapHost: "host" or "host:port"
	User     string // Identity and ImapUserName
	UseSsl   bool   // implicit TLS
	UseTls   bool   // STARTTLS
	Password string // goes to the keyring (StorePassword), not to the file
}

func (a IMAPAccount) keyFile() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[Account %s]\n", a.ID)
	fmt.Fprintf(&b, "Provider=imap_smtp\n")
	fmt.Fprintf(&b, "Identity=%s\n", a.User)
	fmt.Fprintf(&b, "PresentationIdentity=%s\n", a.Address)
	// An imap_smtp account has mail only, so its switch is "Enabled"
	// (MailEnabled is the key of multi-service providers).
	fmt.Fprintf(&b, "Enabled=true\n")
	fmt.Fprintf(&b, "EmailAddress=%s\n", a.Address)
	fmt.Fprintf(&b, "Name=%s\n", a.User)
	fmt.Fprintf(&b, "ImapHost=%s\n", a.Host)
	fmt.Fprintf(&b, "ImapUserName=%s\n", a.User)
	fmt.Fprintf(&b, "ImapUseSsl=%t\nImapUseTls=%t\nImapAcceptSslErrors=false\n", a.UseSsl, a.UseTls)
	fmt.Fprintf(&b, "SmtpHost=\n\n")
	return b.String()
}

// OAuth2Account is an account of an OAuth2 provider ("google") as
// accounts.conf holds it. Without credentials in the keyring (and without
// the internet) goa-daemon still exports it with Mail and OAuth2Based, and
// GetAccessToken fails with NotAuthorized before any network traffic.
type OAuth2Account struct {
	ID       string
	Provider string // "google"
	Address  string // Identity, PresentationIdentity
}

func (a OAuth2Account) keyFile() string {
	return fmt.Sprintf("[Account %s]\nProvider=%s\nIdentity=%s\nPresentationIdentity=%s\n"+
		"MailEnabled=true\nCalendarEnabled=false\nContactsEnabled=false\nPhotosEnabled=false\n"+
		"FilesEnabled=false\nPrintersEnabled=false\n\n", a.ID, a.Provider, a.Address, a.Address)
}

// WriteAccounts replaces $XDG_CONFIG_HOME/goa-1.0/accounts.conf with the
// accounts, in goa-daemon 3.46's key file format. A running goa-daemon
// watches the file and reloads it: an account left out is removed from
// the bus, as when the user removes it in Settings.
func WriteAccounts(configHome string, accounts ...Entry) error {
	var b strings.Builder
	for _, a := range accounts {
		b.WriteString(a.keyFile())
	}
	dir := filepath.Join(configHome, "goa-1.0")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("goatest: %w", err)
	}
	tmp := filepath.Join(dir, ".accounts.conf.tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("goatest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "accounts.conf")); err != nil {
		return fmt.Errorf("goatest: %w", err)
	}
	return nil
}

// StorePassword puts the account's credentials into the session's keyring
// where goa-daemon looks for them: schema org.gnome.OnlineAccounts,
// attribute goa-identity "imap_smtp:gen0:<Id>", the secret a printed
// GVariant {'imap-password': <'…'>, 'smtp-password': <'…'>}. The password
// goes to secret-tool on stdin, never on a command line.
func StorePassword(s *desktoptest.Session, a IMAPAccount) error {
	pw := gvariantString(a.Password)
	secret := "{'imap-password': <" + pw + ">, 'smtp-password': <" + pw + ">}"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", "store",
		"--label=GOA imap_smtp credentials for identity "+a.ID,
		"xdg:schema", "org.gnome.OnlineAccounts", "goa-identity", "imap_smtp:gen0:"+a.ID)
	cmd.Env = s.Env()
	cmd.Dir = s.Home
	cmd.Stdin = strings.NewReader(secret)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("goatest: secret-tool store: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	return nil
}

// gvariantString quotes s as GVariant text format does.
func gvariantString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// Daemon is a real goa-daemon on a desktoptest session's bus.
type Daemon struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	LogPath string
}

// StartDaemon runs goa-daemon in session s (which needs DBus, and Keyring
// for password accounts) and returns once it owns org.gnome.OnlineAccounts.
// Write accounts.conf first: goa-daemon reads it at start. GSettings go to
// the memory backend, so nothing talks to dconf. Stop it with Stop.
func StartDaemon(s *desktoptest.Session, timeout time.Duration) (*Daemon, error) {
	path, err := DaemonPath()
	if err != nil {
		return nil, err
	}
	if s.BusAddress == "" {
		return nil, errors.New("goatest: the session has no bus (Options.DBus)")
	}
	logPath := filepath.Join(s.Root, "logs", "goa-daemon.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("goatest: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(path)
	cmd.Env = append(s.Env(), "GSETTINGS_BACKEND=memory", "G_MESSAGES_DEBUG=all")
	cmd.Dir = s.Home
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group (Stop reaches anything it spawns); killed if the
	// test process dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("goatest: starting goa-daemon: %w", err)
	}
	d := &Daemon{cmd: cmd, done: make(chan struct{}), LogPath: logPath}
	go func() {
		d.waitErr = cmd.Wait()
		close(d.done)
	}()
	deadline := time.Now().Add(timeout)
	for {
		owned, err := s.NameHasOwner(BusName)
		if err == nil && owned {
			return d, nil
		}
		select {
		case <-d.done:
			return nil, fmt.Errorf("goatest: goa-daemon exited early (%v)%s", d.waitErr, d.logTail())
		default:
		}
		if time.Now().After(deadline) {
			_ = d.Stop()
			return nil, fmt.Errorf("goatest: goa-daemon did not own %s within %v (last error %v)%s", BusName, timeout, err, d.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop sends SIGTERM to goa-daemon's process group, SIGKILL after 5 s, and
// waits until it is reaped.
func (d *Daemon) Stop() error {
	pid := d.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-d.done:
		_ = syscall.Kill(-pid, syscall.SIGKILL) // strays
		return nil
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-d.done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("goatest: goa-daemon (pid %d) did not exit after SIGKILL", pid)
	}
}

// PID is goa-daemon's process id.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

// Log returns what goa-daemon wrote so far (G_MESSAGES_DEBUG=all).
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.LogPath)
	return string(b)
}

func (d *Daemon) logTail() string {
	b := bytes.TrimSpace([]byte(d.Log()))
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return "\n--- goa-daemon log (pid " + strconv.Itoa(d.PID()) + ") ---\n" + string(b)
}
