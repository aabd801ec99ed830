package reliability

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"
	"mailbell/mail"
)

// doveadm runs doveadm against s's config.
func doveadm(t *testing.T, s *dovecottest.Server, args ...string) string {
	t.Helper()
	out, err := exec.Command("doveadm", append([]string{"-c", s.ConfigPath()}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("doveadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// expunge removes one message by UID.
func expunge(t *testing.T, s *dovecottest.Server, user, folder string, uid uint32) {
	t.Helper()
	doveadm(t, s, "expunge", "-u", user, "mailbox", folder, "uid", strconv.FormatUint(uint64(uid), 10))
}

// kick makes Dovecot end user's sessions: an idling client gets
// "* BYE Server shutting down." and the connection closes.
func kick(t *testing.T, s *dovecottest.Server, user string) {
	t.Helper()
	doveadm(t, s, "kick", user)
}

// deliver stores a message with a unique subject.
func deliver(t *testing.T, s *dovecottest.Server, user, folder, subject string) time.Time {
	t.Helper()
	msg := dovecottest.Message("Rel Tester <tester@example.com>", user+"@example.com", subject, time.Now())
	if err := s.Deliver(user, folder, msg); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// folderUIDs lists subject → UID of every message in a folder, read over IMAP.
func folderUIDs(t *testing.T, s *dovecottest.Server, user, pass, folder string) map[string]uint32 {
	t.Helper()
	c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{TLSConfig: s.ClientTLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint32{}
	if sel.NumMessages == 0 {
		return out
	}
	set := imap.SeqSet{}
	set.AddRange(1, sel.NumMessages)
	bufs, err := c.Fetch(set, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range bufs {
		out[m.Envelope.Subject] = uint32(m.UID)
	}
	return out
}

const rigUser, rigPass = "alice", "rig-pw-1"

// rig is a private Dovecot with user alice, a fault proxy in front of its
// TLS port and a config folder whose one account goes through the proxy.
type rig struct {
	srv   *dovecottest.Server
	proxy *faultproxy.Proxy
	dir   string
	acct  Account
}

func newRig(t *testing.T, opts dovecottest.Options, folders ...string) *rig {
	t.Helper()
	opts.Users = map[string]string{rigUser: rigPass}
	srv := dovecottest.StartT(t, opts)
	for _, f := range folders {
		if f != "INBOX" {
			if err := srv.CreateMailbox(rigUser, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	p, err := faultproxy.New(srv.TLSAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	r := &rig{srv: srv, proxy: p, dir: t.TempDir(),
		acct: Account{ID: rigUser, Host: "127.0.0.1", Port: p.Port(), Security: "tls", Username: rigUser,
			Folders: folders, CAFile: srv.CAFile()}}
	r.writeConfig(t)
	return r
}

func (r *rig) writeConfig(t *testing.T) {
	t.Helper()
	if err := WriteConfig(r.dir, r.acct); err != nil {
		t.Fatal(err)
	}
}

// start runs a core on the rig's config.
func (r *rig) start(t *testing.T, mo mail.Options) *coreT {
	t.Helper()
	return startCore(t, r.dir, memStore(map[string]string{rigUser: rigPass}), mo)
}

// keys are "alice/<folder>" for the rig's folders.
func (r *rig) keys() []string {
	var ks []string
	for _, f := range r.acct.Folders {
		ks = append(ks, rigUser+"/"+f)
	}
	return ks
}

func dovecottestOpts() dovecottest.Options { return dovecottest.Options{} }
