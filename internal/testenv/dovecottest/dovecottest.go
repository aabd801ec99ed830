// Package dovecottest runs a private Dovecot IMAP server on 127.0.0.1 for
// tests, benchmarks and soak runs.
//
// Each Server has its own folder (config, certificates, sockets, log, mail),
// its own free ports and its own CA, and is stopped by PID. It runs as root
// (mail owned by nobody, uid 65534, because Dovecot refuses uid 0 for mail) or
// as an ordinary user (mail owned by that user).
//
// The package does not import "testing" so benchmarks and commands can use
// it; StartT takes any value with the methods of testing.TB it needs.
package dovecottest

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mailbell/internal/localca"
)

// ErrNotInstalled is returned by Start when the dovecot or doveadm binary is
// missing. Callers should fail, not skip: CI installs it with `make deps`.
var ErrNotInstalled = errors.New("dovecot not installed: run `make deps`")

// ErrStopped is returned by operations that need the running daemon
// (mailbox create/delete, status) while the server is stopped.
var ErrStopped = errors.New("dovecottest: server is stopped")

// DefaultUser and DefaultPassword are used when Options.Users is empty.
const (
	DefaultUser     = "alice"
	DefaultPassword = "alice-secret"
)

// capsNoIdle is Dovecot 2.3.19's post-login capability list without IDLE
// (and without NOTIFY, the other push extension). Dovecot cannot drop a
// single capability, so imap_capability must name all the others.
const capsNoIdle = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY " +
	"THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL " +
	"CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 " +
	"CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS " +
	"BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+"

// Options configure a Server. The zero value is usable.
type Options struct {
	// Users maps user name to password. Empty means one user,
	// DefaultUser with DefaultPassword. Only salted hashes reach the disk.
	Users map[string]string
	// NoIdle removes IDLE from the advertised capabilities. Dovecot still
	// accepts an IDLE command if a client sends it anyway.
	NoIdle bool
	// Dir is the parent folder for the instance's own folder. Default:
	// /dev/shm when it is a tmpfs with 2 GiB free (small-file I/O on disk
	// is slow on the test machines), else the system temp dir. As root
	// every ancestor must be searchable by others (Dovecot's unprivileged
	// processes walk it), so t.TempDir() does not work there.
	Dir string
	// CertHosts are the DNS names and IP addresses in the server
	// certificate. Default: localhost and 127.0.0.1. Use e.g.
	// []string{"wrong.example"} to test hostname verification failures.
	CertHosts []string
	// ExtraConfig is appended to the generated dovecot.conf; a setting
	// given here overrides the generated one.
	ExtraConfig string
	// OAuth2 adds Dovecot's oauth2 passdb (XOAUTH2 and OAUTHBEARER) beside
	// the password one; see OAuth2.
	OAuth2 *OAuth2
	// StartTimeout bounds the wait for the listener to greet; default 15 s.
	StartTimeout time.Duration
}

// Server is one private Dovecot instance.
type Server struct {
	opts        Options
	dovecotBin  string
	doveadmBin  string
	dir         string // the instance's own folder, removed by Close
	confPath    string
	logPath     string
	stderrPath  string
	mailRoot    string
	caPEM       []byte
	caFile      string
	instance    string
	uid, gid    int  // owner of mail files
	chown       bool // running as root: files written here must be chowned
	imapPort    int
	imapsPort   int
	fixedPorts  bool // after the first successful start ports never change
	mu          sync.Mutex
	proc        *exec.Cmd
	procDone    chan struct{} // closed when proc has been reaped
	closed      bool
	startupTime time.Duration
}

// Start creates and starts a server. The caller must Close it.
func Start(opts Options) (*Server, error) {
	dovecotBin, err := findBinary("dovecot")
	if err != nil {
		return nil, err
	}
	doveadmBin, err := findBinary("doveadm")
	if err != nil {
		return nil, err
	}
	// Own copies: the caller may reuse its map and slice.
	opts.Users = maps.Clone(opts.Users)
	opts.CertHosts = slices.Clone(opts.CertHosts)
	if len(opts.Users) == 0 {
		opts.Users = map[string]string{DefaultUser: DefaultPassword}
	}
	for u := range opts.Users {
		if !validUser.MatchString(u) {
			return nil, fmt.Errorf("dovecottest: user name %q: only letters, digits and ._@+- are supported", u)
		}
	}
	if len(opts.CertHosts) == 0 {
		opts.CertHosts = []string{"localhost", "127.0.0.1"}
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 15 * time.Second
	}
	parent := opts.Dir
	if parent == "" {
		parent = defaultParent()
	}
	dir, err := os.MkdirTemp(parent, "dovecottest-")
	if err != nil {
		return nil, fmt.Errorf("dovecottest: create instance folder: %w", err)
	}
	s := &Server{
		opts:       opts,
		dovecotBin: dovecotBin,
		doveadmBin: doveadmBin,
		dir:        dir,
		confPath:   filepath.Join(dir, "dovecot.conf"),
		logPath:    filepath.Join(dir, "dovecot.log"),
		stderrPath: filepath.Join(dir, "dovecot.stderr"),
		mailRoot:   filepath.Join(dir, "mail"),
		caFile:     filepath.Join(dir, "ca.pem"),
		instance:   filepath.Base(dir),
	}
	if err := s.prepare(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

var validUser = regexp.MustCompile(`^[A-Za-z0-9._@+-]+$`)

// Dovecot expands % and splits on spaces in some settings; keep paths plain.
var validPath = regexp.MustCompile(`^[A-Za-z0-9/._+-]+$`)

// searchDirs are tried after PATH: sbin is often missing from a user's PATH.
var searchDirs = []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"}

func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range searchDirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (no %s in PATH, /usr/sbin or /usr/local/sbin)", ErrNotInstalled, name)
}

// prepare writes everything but the config (which carries the ports).
func (s *Server) prepare() error {
	if !validPath.MatchString(s.dir) {
		return fmt.Errorf("dovecottest: instance folder %q has characters Dovecot's config cannot take", s.dir)
	}
	// Unix socket paths are limited to 108 bytes; base_dir holds the longest.
	if len(s.dir)+len("/run/login/imap-urlauth") >= 100 {
		return fmt.Errorf("dovecottest: instance folder %q is too long for Dovecot's sockets", s.dir)
	}
	s.chown = os.Geteuid() == 0
	if s.chown {
		s.uid, s.gid = 65534, 65534
		if err := checkSearchable(s.dir); err != nil {
			return err
		}
	} else {
		s.uid, s.gid = os.Getuid(), os.Getgid()
	}
	// Dovecot's login, auth and mail processes run as other users when we
	// are root: they need to walk into the folder.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	for _, d := range []string{"run", "state"} {
		if err := os.Mkdir(filepath.Join(s.dir, d), 0o755); err != nil {
			return fmt.Errorf("dovecottest: %w", err)
		}
	}
	if err := s.mkdirOwned(s.mailRoot); err != nil {
		return err
	}
	for u := range s.opts.Users {
		if err := s.ensureMaildir(u, "INBOX"); err != nil {
			return err
		}
	}

	certs, err := localca.New("dovecottest CA", s.opts.CertHosts...)
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	s.caPEM = certs.CAPEM
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"ca.pem", certs.CAPEM, 0o644},
		{"cert.pem", certs.CertPEM, 0o644},
		{"key.pem", certs.KeyPEM, 0o600},
		{"passwd", s.passwdFile(), 0o644}, // salted hashes only; the auth process (user dovecot) reads it
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(s.dir, f.name), f.data, f.mode); err != nil {
			return fmt.Errorf("dovecottest: %w", err)
		}
	}
	return nil
}

// checkSearchable fails early, with a clear message, when Dovecot's
// unprivileged processes could not reach the instance folder.
func checkSearchable(dir string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("dovecottest: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("dovecottest: %s is not searchable by other users (mode %v); as root Dovecot's processes need that: pick another Options.Dir", d, st.Mode().Perm())
		}
		if d == "/" || d == "." {
			return nil
		}
	}
}

// passwdFile renders a passwd-file with salted SHA-256 hashes, so the
// plaintext passwords never touch the disk.
func (s *Server) passwdFile() []byte {
	var b strings.Builder
	users := make([]string, 0, len(s.opts.Users))
	for u := range s.opts.Users {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		salt := make([]byte, 8)
		_, _ = rand.Read(salt)
		sum := sha256.Sum256(append([]byte(s.opts.Users[u]), salt...))
		hash := base64.StdEncoding.EncodeToString(append(sum[:], salt...))
		fmt.Fprintf(&b, "%s:{SSHA256}%s::::::\n", u, hash)
	}
	return []byte(b.String())
}

func (s *Server) writeConfig() error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Generated by mailbell/internal/testenv/dovecottest. Private test instance.")
	p("instance_name = %s", s.instance)
	p("base_dir = %s/run", s.dir)
	p("state_dir = %s/state", s.dir)
	p("log_path = %s", s.logPath)
	p("listen = 127.0.0.1")
	p("protocols = imap")
	p("ssl = yes")
	p("ssl_cert = <%s/cert.pem", s.dir)
	p("ssl_key = <%s/key.pem", s.dir)
	if _, err := os.Stat("/usr/share/dovecot/dh.pem"); err == nil {
		p("ssl_dh = </usr/share/dovecot/dh.pem")
	}
	// Plain LOGIN on loopback is part of what the client supports.
	p("disable_plaintext_auth = no")
	p("auth_mechanisms = %s", s.authMechanisms())
	// auth_verbose logs each failed attempt (never the password:
	// auth_verbose_passwords stays "no"); LoginAttempts counts them.
	p("auth_verbose = yes")
	p("mail_debug = yes")
	// A failed login is answered in ~0.5 s instead of 2 s. The per-IP
	// penalty that grows across connections (4 s, 8 s, ... for 127.0.0.1,
	// even with login_trusted_networks) is off: mode 0 keeps the master
	// from creating anvil's penalty socket, and the auth process silently
	// skips penalties when it is missing. Dovecot still delays a second
	// attempt on the same connection by 5 s (compiled in).
	p("auth_failure_delay = 0")
	p("service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}")
	p("first_valid_uid = %d", s.uid)
	p("last_valid_uid = 0")
	p("first_valid_gid = %d", s.gid)
	if !s.chown {
		if err := s.writeUnprivileged(p); err != nil {
			return err
		}
	}
	p("mail_location = maildir:~/Maildir")
	p("namespace inbox {\n  inbox = yes\n  separator = /\n}")
	if err := s.writeOAuth2(p); err != nil {
		return err
	}
	p("passdb {\n  driver = passwd-file\n  args = %s/passwd\n}", s.dir)
	p("userdb {\n  driver = static\n  args = uid=%d gid=%d home=%s/%%u\n}", s.uid, s.gid, s.mailRoot)
	// One long-lived login process for all connections instead of one
	// process per connection: connect+login gets ~2x faster (~25 ms), which
	// adds up in reconnect tests.
	p("service imap-login {")
	p("  service_count = 0\n  process_min_avail = 1")
	p("  inet_listener imap {\n    port = %d\n  }", s.imapPort)
	p("  inet_listener imaps {\n    port = %d\n    ssl = yes\n  }", s.imapsPort)
	p("}")
	if s.opts.NoIdle {
		p("imap_capability = %s", capsNoIdle)
	}
	if s.opts.ExtraConfig != "" {
		p("# Options.ExtraConfig")
		p("%s", s.opts.ExtraConfig)
	}
	if err := os.WriteFile(s.confPath, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("dovecottest: write config: %w", err)
	}
	return nil
}

// writeUnprivileged adds what Dovecot needs to run without root: every
// service runs as the current user, and nothing chroots.
func (s *Server) writeUnprivileged(p func(string, ...any)) error {
	u, err := user.LookupId(strconv.Itoa(s.uid))
	if err != nil {
		return fmt.Errorf("dovecottest: look up current user: %w", err)
	}
	g, err := user.LookupGroupId(strconv.Itoa(s.gid))
	if err != nil {
		return fmt.Errorf("dovecottest: look up current group: %w", err)
	}
	p("default_login_user = %s", u.Username)
	p("default_internal_user = %s", u.Username)
	p("default_internal_group = %s", g.Name)
	for _, svc := range []string{"imap-login", "anvil", "imap-urlauth-login", "director", "aggregator"} {
		p("service %s {\n  chroot =\n}", svc)
	}
	return nil
}

// Start starts a stopped server again, on the same ports and with the same
// data. Start (the package function) already started it once.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("dovecottest: server is closed")
	}
	if s.proc != nil {
		return nil
	}
	attempts := 1
	if !s.fixedPorts {
		attempts = 3 // another process may grab a port between probe and bind
	}
	var err error
	for i := 0; i < attempts; i++ {
		if !s.fixedPorts {
			if s.imapPort, s.imapsPort, err = freePorts(); err != nil {
				return err
			}
		}
		if err = s.writeConfig(); err != nil {
			return err
		}
		start := time.Now()
		err = s.launch()
		if err == nil {
			s.fixedPorts = true
			s.startupTime = time.Since(start)
			return nil
		}
		if !strings.Contains(err.Error(), "Address already in use") {
			return err
		}
	}
	return err
}

// freePorts asks the kernel for two unused ports on 127.0.0.1. The listeners
// are closed again before Dovecot binds, so a rare clash is retried.
func freePorts() (int, int, error) {
	var ports [2]int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, fmt.Errorf("dovecottest: find a free port: %w", err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports[0], ports[1], nil
}

// launch runs `dovecot -F` and waits until it greets. Called with s.mu held.
func (s *Server) launch() error {
	errf, err := os.OpenFile(s.stderrPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	defer errf.Close() // the child has its own copy
	cmd := exec.Command(s.dovecotBin, "-F", "-c", s.confPath)
	cmd.Dir = s.dir
	cmd.Stdout = errf
	cmd.Stderr = errf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("dovecottest: start %s: %w", s.dovecotBin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	if err := s.waitReady(done); err != nil {
		stopProcess(cmd.Process.Pid, done, 0)
		return fmt.Errorf("dovecottest: dovecot (pid %d) did not start: %w\n--- stderr:\n%s\n--- log tail:\n%s",
			cmd.Process.Pid, err, tailFile(s.stderrPath, 20), tailFile(s.logPath, 20))
	}
	s.proc = cmd
	s.procDone = done
	return nil
}

// waitReady polls until the plain listener sends its real greeting, which
// imap-login holds back until the auth process answers.
func (s *Server) waitReady(done <-chan struct{}) error {
	deadline := time.Now().Add(s.opts.StartTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return errors.New("process exited")
		default:
		}
		// The master binds every listener before it starts a process, so
		// a greeting on one port means the TLS port is listening too.
		if last = greet(s.Addr()); last == nil {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("no greeting within %v: %w", s.opts.StartTimeout, last)
}

func greet(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read greeting: %w", err)
		}
		if strings.HasPrefix(line, "* OK [CAPABILITY") {
			_, _ = c.Write([]byte("r LOGOUT\r\n"))
			return nil
		}
		if !strings.HasPrefix(line, "* OK") {
			return fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
		}
		// "* OK Waiting for authentication process to respond.." - keep reading.
	}
}

// Stop sends SIGTERM to the master process and waits for it and its
// children to exit. The data stays; Start runs it again.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked(syscall.SIGTERM)
}

func (s *Server) stopLocked(sig syscall.Signal) error {
	if s.proc == nil {
		return nil
	}
	pid := s.proc.Process.Pid
	err := stopProcess(pid, s.procDone, sig)
	s.proc, s.procDone = nil, nil
	return err
}

// stopProcess signals the master (sig 0 means SIGKILL the whole group at
// once), waits for it to be reaped, then makes sure no process of its group
// is left.
func stopProcess(pid int, done <-chan struct{}, sig syscall.Signal) error {
	if sig == 0 {
		// The master is alive (not reaped), so the group id is still ours.
		killGroup(pid, syscall.SIGKILL)
	} else {
		signalProcess(pid, sig)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		killGroup(pid, syscall.SIGKILL)
		<-done
	}
	// Children normally exit with the master; kill stragglers of the group.
	killGroup(pid, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for groupAlive(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("dovecottest: processes of group %d still alive after stop", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// Close stops the server at once (SIGKILL to its process group: the data is
// thrown away anyway, and a graceful stop costs about a second) and removes
// its folder. Safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.stopLocked(0)
	if rmErr := os.RemoveAll(s.dir); rmErr != nil && err == nil {
		err = fmt.Errorf("dovecottest: remove %s: %w", s.dir, rmErr)
	}
	return err
}

// Running reports whether the daemon is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// PID is the master process id, 0 while stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.Process.Pid
}

// StartupTime is how long the last start took until the server greeted.
func (s *Server) StartupTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startupTime
}

// Host is the listen address, always 127.0.0.1.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the plain/STARTTLS port.
func (s *Server) Port() int { return s.imapPort }

// TLSPort is the implicit-TLS port.
func (s *Server) TLSPort() int { return s.imapsPort }

// Addr is host:port of the plain/STARTTLS listener.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.imapPort)) }

// TLSAddr is host:port of the implicit-TLS listener.
func (s *Server) TLSAddr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.imapsPort)) }

// CAPEM is the PEM of the CA that signed the server certificate.
func (s *Server) CAPEM() []byte { return slices.Clone(s.caPEM) }

// CAFile is a file holding CAPEM.
func (s *Server) CAFile() string { return s.caFile }

// ClientTLSConfig trusts only this server's CA. The server name comes from
// the dialed address (127.0.0.1 matches the default certificate).
func (s *Server) ClientTLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.caPEM)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// Dir is the instance folder (removed by Close).
func (s *Server) Dir() string { return s.dir }

// ConfigPath is the generated dovecot.conf.
func (s *Server) ConfigPath() string { return s.confPath }

// LogPath is Dovecot's log file.
func (s *Server) LogPath() string { return s.logPath }

// InstanceName is Dovecot's instance_name; every process of this server
// has it in its command line.
func (s *Server) InstanceName() string { return s.instance }

func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return tailLines(string(data), n)
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
