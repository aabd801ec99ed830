package dovecottest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
)

// doveadmTimeout bounds one doveadm run; indexing 100,000 messages takes a
// few seconds, so be generous.
const doveadmTimeout = 2 * time.Minute

// doveadm runs doveadm against this instance's config and returns stdout.
func (s *Server) doveadm(stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), doveadmTimeout)
	defer cancel()
	full := append([]string{"-c", s.confPath}, args...)
	cmd := exec.CommandContext(ctx, s.doveadmBin, full...)
	cmd.Dir = s.dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("dovecottest: doveadm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func (s *Server) requireRunning() error {
	if !s.Running() {
		return ErrStopped
	}
	return nil
}

// Deliver stores msg in user's mailbox. While the server runs it uses
// `doveadm save` (the message gets its UID at once and idling clients are
// told); while it is stopped, doveadm cannot look the user up, so the
// message is written into the maildir's new/ (DeliverOffline) and Dovecot
// picks it up on the next access.
func (s *Server) Deliver(user, mailbox string, msg []byte) error {
	if err := s.checkUser(user); err != nil {
		return err
	}
	if !s.Running() {
		return s.DeliverOffline(user, mailbox, msg)
	}
	_, err := s.doveadm(msg, "save", "-u", user, "-m", mailbox)
	return err
}

// DeliverOffline writes msg straight into the maildir (tmp/ then rename to
// new/, as a local delivery agent does). It works with the server running
// or stopped; the mailbox folder is created if missing.
func (s *Server) DeliverOffline(user, mailbox string, msg []byte) error {
	if err := s.checkUser(user); err != nil {
		return err
	}
	if err := s.ensureMaildir(user, mailbox); err != nil {
		return err
	}
	dir := s.MaildirPath(user, mailbox)
	name := fmt.Sprintf("%d.M%dP%dQ%d.dovecottest,S=%d", time.Now().Unix(), time.Now().Nanosecond()/1000,
		os.Getpid(), deliverySeq.Add(1), len(msg))
	tmp := filepath.Join(dir, "tmp", name)
	if err := s.writeOwned(tmp, msg); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
		return fmt.Errorf("dovecottest: deliver: %w", err)
	}
	return nil
}

var deliverySeq atomic.Int64

// CreateMailbox creates a mailbox with doveadm (server must be running).
func (s *Server) CreateMailbox(user, name string) error {
	if err := s.requireRunning(); err != nil {
		return err
	}
	_, err := s.doveadm(nil, "mailbox", "create", "-u", user, name)
	return err
}

// DeleteMailbox deletes a mailbox and its messages with doveadm (server must
// be running). Creating it again gives it a new UIDVALIDITY.
func (s *Server) DeleteMailbox(user, name string) error {
	if err := s.requireRunning(); err != nil {
		return err
	}
	_, err := s.doveadm(nil, "mailbox", "delete", "-u", user, name)
	return err
}

// SetUIDValidity changes a mailbox's UIDVALIDITY in place, which works for
// INBOX too (INBOX cannot be deleted). Clients that have it selected are
// disconnected by Dovecot.
func (s *Server) SetUIDValidity(user, mailbox string, v uint32) error {
	if err := s.requireRunning(); err != nil {
		return err
	}
	_, err := s.doveadm(nil, "mailbox", "update", "-u", user, "--uid-validity", strconv.FormatUint(uint64(v), 10), mailbox)
	return err
}

// MailboxStatus is what `doveadm mailbox status` reports.
type MailboxStatus struct {
	Messages, Unseen, UIDNext, UIDValidity uint32
}

// Status reads a mailbox's counters with doveadm (server must be running).
// It also makes Dovecot sync the maildir, so files written directly get
// their UIDs here.
func (s *Server) Status(user, mailbox string) (MailboxStatus, error) {
	var st MailboxStatus
	if err := s.requireRunning(); err != nil {
		return st, err
	}
	out, err := s.doveadm(nil, "-f", "flow", "mailbox", "status", "-u", user, "messages unseen uidnext uidvalidity", mailbox)
	if err != nil {
		return st, err
	}
	fields := map[string]*uint32{"messages": &st.Messages, "unseen": &st.Unseen, "uidnext": &st.UIDNext, "uidvalidity": &st.UIDValidity}
	seen := 0
	for _, kv := range strings.Fields(out) {
		k, v, ok := strings.Cut(kv, "=")
		if dst := fields[k]; ok && dst != nil {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return st, fmt.Errorf("dovecottest: mailbox status %s=%q: %w", k, v, err)
			}
			*dst = uint32(n)
			seen++
		}
	}
	if seen != len(fields) {
		return st, fmt.Errorf("dovecottest: unexpected mailbox status output %q", strings.TrimSpace(out))
	}
	return st, nil
}

// MaildirPath is the folder holding mailbox of user (Maildir++ layout:
// INBOX is the root, "Work/2024" is ".Work.2024"). Non-ASCII names are
// encoded in modified UTF-7, as Dovecot stores them.
func (s *Server) MaildirPath(user, mailbox string) string {
	root := filepath.Join(s.mailRoot, user, "Maildir")
	if strings.EqualFold(mailbox, "INBOX") {
		return root
	}
	return filepath.Join(root, "."+strings.ReplaceAll(encodeMUTF7(mailbox), "/", "."))
}

func (s *Server) checkUser(user string) error {
	if _, ok := s.opts.Users[user]; !ok {
		return fmt.Errorf("dovecottest: unknown user %q", user)
	}
	return nil
}

// ensureMaildir creates the maildir folders of a mailbox, owned by the mail
// user. A subfolder gets the "maildirfolder" marker Dovecot writes too.
func (s *Server) ensureMaildir(user, mailbox string) error {
	home := filepath.Join(s.mailRoot, user)
	dirs := []string{home, filepath.Join(home, "Maildir")}
	dir := s.MaildirPath(user, mailbox)
	if dir != dirs[1] {
		dirs = append(dirs, dir)
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		dirs = append(dirs, filepath.Join(dir, sub))
	}
	for _, d := range dirs {
		if err := s.mkdirOwned(d); err != nil {
			return err
		}
	}
	if dir != dirs[1] {
		marker := filepath.Join(dir, "maildirfolder")
		if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
			return s.writeOwned(marker, nil)
		}
	}
	return nil
}

func (s *Server) mkdirOwned(d string) error {
	err := os.Mkdir(d, 0o700)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	if s.chown {
		if err := os.Chown(d, s.uid, s.gid); err != nil {
			return fmt.Errorf("dovecottest: %w", err)
		}
	}
	return nil
}

func (s *Server) writeOwned(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	if s.chown {
		if err := f.Chown(s.uid, s.gid); err != nil {
			f.Close()
			return fmt.Errorf("dovecottest: %w", err)
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("dovecottest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	return nil
}

// FillMaildir writes n small messages straight into the mailbox's cur/
// folder; the last unread of them lack the \Seen flag. That is the fast way
// to a huge mailbox (~5 s for 100,000; doveadm import takes ~70 s). If the
// server runs, FillMaildir then has Dovecot index the folder (UIDs are
// assigned in file order) and checks the message count, so the indexing
// cost is not charged to whatever the caller measures next.
func (s *Server) FillMaildir(user, mailbox string, n, unread int) error {
	if err := s.checkUser(user); err != nil {
		return err
	}
	if n < 0 || unread < 0 || unread > n {
		return fmt.Errorf("dovecottest: FillMaildir: bad counts n=%d unread=%d", n, unread)
	}
	if err := s.ensureMaildir(user, mailbox); err != nil {
		return err
	}
	cur := filepath.Join(s.MaildirPath(user, mailbox), "cur")
	now := time.Now()
	base := now.Unix() - int64(n)/1_000_000 - 1 // file names carry the order; keep them in the past
	tag := randomHex(4)
	to := user + "@example.com"

	workers := min(runtime.NumCPU()*2, 8)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				k := i % 50
				msg := message(fmt.Sprintf("Sender %d <sender%d@example.net>", k, k), to,
					fmt.Sprintf("Test message %d of %d", i+1, n),
					now.Add(-time.Duration(n-i)*time.Minute),
					fmt.Sprintf("%s.%d@dovecottest.invalid", tag, i))
				flags := "S"
				if i >= n-unread {
					flags = ""
				}
				name := fmt.Sprintf("%d.M%06dP%dQ%s.dovecottest,S=%d:2,%s",
					base+int64(i/1_000_000), i%1_000_000, os.Getpid(), tag, len(msg), flags)
				if err := s.writeOwned(filepath.Join(cur, name), msg); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Dovecot rescans a maildir folder on every open while its mtime is
	// within the last moments (changes in the same second could be missed
	// otherwise); that made the first EXAMINEs after a fill take ~0.4 s
	// instead of ~10 ms. Backdate the folders: the nanosecond mtime still
	// differs from anything Dovecot has recorded, so it does sync once.
	past := time.Now().Add(-5 * time.Second)
	for _, d := range []string{"cur", "new"} {
		if err := os.Chtimes(filepath.Join(s.MaildirPath(user, mailbox), d), past, past); err != nil {
			return fmt.Errorf("dovecottest: %w", err)
		}
	}
	if !s.Running() {
		return nil
	}
	st, err := s.Status(user, mailbox)
	if err != nil {
		return err
	}
	if int(st.Messages) < n {
		return fmt.Errorf("dovecottest: FillMaildir wrote %d messages but Dovecot sees %d", n, st.Messages)
	}
	return nil
}

// Message builds a small RFC 5322 message with the headers mail clients
// read (From, To, Subject, Date, Message-ID). The subject is encoded as an
// RFC 2047 word when it needs to be.
func Message(from, to, subject string, date time.Time) []byte {
	return message(from, to, subject, date, randomHex(8)+"@dovecottest.invalid")
}

func message(from, to, subject string, date time.Time, msgID string) []byte {
	var b bytes.Buffer
	b.Grow(400)
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		from, to, mime.QEncoding.Encode("utf-8", subject), date.Format(time.RFC1123Z), msgID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString("Hello,\r\n\r\nthis is a test message from mailbell's dovecottest.\r\n")
	return b.Bytes()
}

// encodeMUTF7 encodes a mailbox name in IMAP's modified UTF-7 (RFC 3501
// 5.1.3), the form Dovecot's Maildir++ uses on disk.
func encodeMUTF7(name string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		u := utf16.Encode(run)
		buf := make([]byte, 0, 2*len(u))
		for _, c := range u {
			buf = append(buf, byte(c>>8), byte(c))
		}
		b.WriteByte('&')
		b.WriteString(strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(buf), "/", ","))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range name {
		switch {
		case r == '&':
			flush()
			b.WriteString("&-")
		case r >= 0x20 && r <= 0x7e:
			flush()
			b.WriteRune(r)
		default:
			run = append(run, r)
		}
	}
	flush()
	return b.String()
}
