package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"mailbell/mail/mimeword"
)

// session is one logged-in connection. Exactly one goroutine uses it.
type session struct {
	acct     Account
	opts     Options
	conn     *watchedConn
	client   *imapclient.Client
	trace    *redactor
	timedOut atomic.Bool
	bye      *byeWatcher   // why the server said BYE, if it did
	tap      *takeoverConn // under the client: lets gmail.go speak past go-imap
	oauth    bool          // logged in with an access token
	// tokenExpiry is when the access token of this login expires (zero:
	// unknown or a password); loginAt is when it was noted (renew.go).
	tokenExpiry, loginAt time.Time
	// stopCancel undoes the context.AfterFunc that closes the connection
	// when the caller's context ends.
	stopCancel func() bool
}

// unilateral receives what the server says unasked. Its callbacks run on
// the client's reader goroutine: they must never call the client or block.
type unilateral struct {
	exists   chan struct{} // EXISTS (maybe new mail)
	changed  chan struct{} // EXPUNGE or FLAGS (counts changed)
	expunged atomic.Int64
	flags    atomic.Int64 // FETCH (flag changes) since the last catch-up
	total    atomic.Int64
}

func newUnilateral() *unilateral {
	return &unilateral{exists: make(chan struct{}, 1), changed: make(chan struct{}, 1)}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (u *unilateral) handler() *imapclient.UnilateralDataHandler {
	return &imapclient.UnilateralDataHandler{
		Expunge: func(uint32) {
			u.expunged.Add(1)
			u.total.Add(-1)
			poke(u.changed)
		},
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				u.total.Store(int64(*d.NumMessages))
				poke(u.exists)
			}
		},
		Fetch: func(msg *imapclient.FetchMessageData) {
			// Must be consumed; a FLAGS change from another client lands here.
			for msg.Next() != nil {
			}
			u.flags.Add(1)
			poke(u.changed)
		},
	}
}

// dial connects, secures and logs in. It honours opts.DialTimeout and ctx;
// ctx's end later closes the connection (the only way to unblock a read).
//
// An access token the server refuses as no longer valid is reported to the
// Credentials (TokenRejecter) and the login is tried once more, with the
// next token, on a new connection; the second refusal is ErrTokenRejected.
func dial(ctx context.Context, a Account, opts Options, u *unilateral, authenticating func()) (*session, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	s, used, err := dialOnce(ctx, a, opts, u, authenticating)
	rejecter, ok := a.credentials().(TokenRejecter)
	if err == nil || !ok || used.Kind != CredentialOAuth2 || !errors.Is(err, ErrTokenRejected) || ctx.Err() != nil {
		return s, err
	}
	opts.Logger.Info("access token refused; trying once more with a fresh one", "host", a.Host, "user", a.Username)
	rctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	rejecter.TokenRejected(rctx, used.Secret)
	cancel()
	s, _, err = dialOnce(ctx, a, opts, u, authenticating)
	return s, err
}

// dialOnce is one connection and login; it also returns the credential it
// presented (zero if it got that far), for dial's retry.
func dialOnce(ctx context.Context, a Account, opts Options, u *unilateral, authenticating func()) (*session, Credential, error) {
	var used Credential
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()

	wc, conn, err := dialTCP(dctx, a)
	if err != nil {
		return nil, used, err
	}
	s := &session{acct: a, opts: opts, conn: wc}
	if opts.Trace != nil {
		s.trace = newRedactor(opts.Trace)
	}
	// Closing the connection is the only way to unblock the client: do it
	// when the dial deadline passes, and later when ctx ends.
	stopDial := context.AfterFunc(dctx, func() {
		if ctx.Err() == nil {
			s.timedOut.Store(true)
		}
		wc.Close()
	})
	fail := func(err error) (*session, Credential, error) {
		wc.Close()
		if s.timedOut.Load() || (dctx.Err() != nil && ctx.Err() == nil) {
			return nil, used, fmt.Errorf("%s: %w", a.Addr(), ErrTimeout)
		}
		return nil, used, err
	}

	copts := &imapclient.Options{
		WordDecoder:           mimeword.Decoder(),
		UnilateralDataHandler: u.handler(),
	}
	if s.trace != nil {
		copts.DebugWriter = s.trace
	}
	if a.Security == SecuritySTARTTLS {
		if conn, err = startTLS(dctx, wc, a); err != nil {
			return fail(err)
		}
	}
	s.bye = watchBye(guard(conn))
	s.tap = &takeoverConn{Conn: s.bye}
	s.client = imapclient.New(s.tap, copts)
	if err := s.client.WaitGreeting(); err != nil {
		return fail(fmt.Errorf("greeting from %s: %w", a.Addr(), cleanNetErr(err)))
	}
	if authenticating != nil {
		authenticating()
	}
	if used, err = s.login(dctx); err != nil {
		return fail(err)
	}
	s.noteTokenExpiry()
	if !stopDial() {
		return fail(fmt.Errorf("%s: %w", a.Addr(), ErrTimeout))
	}
	s.stopCancel = context.AfterFunc(ctx, s.closeSoon)
	return s, used, nil
}

// login asks the Credentials for this login's secret and presents it. It
// returns the credential it used (for dial's one retry of a refused token).
func (s *session) login(ctx context.Context) (Credential, error) {
	cred, err := s.acct.credentials().Credential(ctx)
	if err != nil {
		return Credential{}, fmt.Errorf("credentials for %s: %w", s.acct.Username, err)
	}
	if s.trace != nil {
		s.trace.setSecrets(secretForms(s.acct, cred))
		s.trace.inLogin.Store(true)
		defer s.trace.inLogin.Store(false)
	}
	switch cred.Kind {
	case CredentialPassword:
		return cred, s.loginPassword(cred.Secret)
	case CredentialOAuth2:
		s.oauth = true
		return cred, s.authenticateToken(cred.Secret)
	}
	return cred, fmt.Errorf("%w: unknown credential kind %v", ErrConfig, cred.Kind)
}

func (s *session) loginPassword(pw string) error {
	var err error
	caps := s.client.Caps()
	// AUTHENTICATE PLAIN where offered (no quoting rules to trip over), else LOGIN.
	if caps.Has(imap.Cap("AUTH=PLAIN")) || caps.Has(imap.CapLoginDisabled) {
		err = s.client.Authenticate(sasl.NewPlainClient("", s.acct.Username, pw))
	} else {
		err = s.client.Login(s.acct.Username, pw).Wait()
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
		return fmt.Errorf("%w for %s", ErrAuth, s.acct.Username)
	}
	if errors.As(err, &imapErr) {
		return fmt.Errorf("login refused by %s: %s", s.acct.Host, sanitizeServerText(imapErr.Text))
	}
	return fmt.Errorf("login at %s: %w", s.acct.Addr(), cleanNetErr(err))
}

// closeSoon ends the session from outside its goroutine: LOGOUT gets a short
// grace, then the connection is closed whatever the server does.
func (s *session) closeSoon() {
	time.AfterFunc(time.Second, func() { s.conn.Close() })
}

// close ends the session politely when the server still answers.
func (s *session) close(polite bool) {
	if s.stopCancel != nil {
		s.stopCancel()
	}
	if polite {
		stop := s.guard(time.Second)
		_ = s.client.Logout().Wait()
		stop()
	}
	s.client.Close()
	s.conn.Close()
}

// guard closes the connection if the returned stop is not called within d:
// a stalled or endlessly talking server must never hang a command.
func (s *session) guard(d time.Duration) (stop func()) { return s.guardSilence(d, d) }

// guardCommand is the guard of a command: no byte for the silence limit plus
// the probe timeout (as in IDLE) or CommandTimeout in all, whichever first.
func (s *session) guardCommand() (stop func()) {
	return s.guardSilence(min(s.opts.CommandTimeout, s.opts.SilenceLimit+s.opts.ProbeTimeout), s.opts.CommandTimeout)
}

// guardSilence closes the connection when, before stop is called, no byte
// has arrived for d, or total has passed.
func (s *session) guardSilence(d, total time.Duration) (stop func()) {
	start := time.Now()
	var mu sync.Mutex
	var t *time.Timer
	check := func() {
		quiet := min(time.Since(start), s.conn.silentFor())
		if left := total - time.Since(start); quiet < d && left > 0 {
			mu.Lock()
			t.Reset(min(d-quiet, left))
			mu.Unlock()
			return
		}
		s.timedOut.Store(true)
		s.conn.Close()
	}
	mu.Lock()
	t = time.AfterFunc(d, check)
	mu.Unlock()
	return func() {
		mu.Lock()
		t.Stop()
		mu.Unlock()
	}
}

// wrapErr turns an I/O error after a guard fired into ErrTimeout.
func (s *session) wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if bye := s.bye.lastBye(); s.oauth && tokenExpiredBye(bye) {
		return fmt.Errorf("%s: server said BYE %s: %w", what, bye, ErrTokenExpired)
	}
	if s.timedOut.Load() {
		return fmt.Errorf("%s: server did not answer: %w", what, ErrTimeout)
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		return fmt.Errorf("%s: server said %s %s", what, imapErr.Type, sanitizeServerText(imapErr.Text))
	}
	return fmt.Errorf("%s: %w", what, cleanNetErr(err))
}

// examine opens the folder read-only.
func (s *session) examine(folder string) (*imap.SelectData, error) {
	stop := s.guardCommand()
	data, err := s.client.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	stop()
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && s.oauth && refusedAfterTokenLogin(imapErr) {
			// The token was taken at AUTHENTICATE but does not open this
			// mailbox (Microsoft, a token for another user): the login did
			// not really succeed.
			return nil, fmt.Errorf("%w: %s: EXAMINE %q: %s", ErrAccessRefused, s.acct.Username, folder, sanitizeServerText(imapErr.Text))
		}
		if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
			return nil, fmt.Errorf("%w: %q: %s", ErrNoFolder, folder, sanitizeServerText(imapErr.Text))
		}
		return nil, s.wrapErr("EXAMINE "+folder, err)
	}
	return data, nil
}

var envelopeItems = &imap.FetchOptions{UID: true, Flags: true, Envelope: true, InternalDate: true}

// fetch runs a FETCH / UID FETCH for envelopes and converts the result.
func (s *session) fetch(set imap.NumSet) ([]Message, error) {
	stop := s.guardCommand()
	bufs, err := s.client.Fetch(set, envelopeItems).Collect()
	stop()
	if err != nil {
		return nil, s.wrapErr("FETCH", err)
	}
	msgs := make([]Message, 0, len(bufs))
	for _, b := range bufs {
		msgs = append(msgs, toMessage(b))
	}
	return msgs, nil
}

// unseen counts unseen messages: one number over the wire with ESEARCH,
// else the list of sequence numbers.
func (s *session) unseen() (int, error) {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	caps := s.client.Caps()
	var opts *imap.SearchOptions
	if caps.Has(imap.CapESearch) || caps.Has(imap.CapIMAP4rev2) {
		opts = &imap.SearchOptions{ReturnCount: true}
	}
	stop := s.guardCommand()
	data, err := s.client.Search(criteria, opts).Wait()
	stop()
	if err != nil {
		return 0, s.wrapErr("SEARCH UNSEEN", err)
	}
	if opts != nil {
		return int(data.Count), nil
	}
	return len(data.AllSeqNums()), nil
}

// uidsPresent returns which UIDs of set are in the selected folder.
func (s *session) uidsPresent(set imap.UIDSet) ([]uint32, error) {
	stop := s.guardCommand()
	data, err := s.client.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	stop()
	if err != nil {
		return nil, s.wrapErr("UID SEARCH", err)
	}
	uids := data.AllUIDs()
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = uint32(u)
	}
	return out, nil
}

func (s *session) noop() error {
	stop := s.guard(s.opts.ProbeTimeout)
	err := s.client.Noop().Wait()
	stop()
	return s.wrapErr("NOOP", err)
}

func toMessage(b *imapclient.FetchMessageBuffer) Message {
	m := Message{UID: uint32(b.UID), InternalDate: b.InternalDate}
	for _, f := range b.Flags {
		m.Flags = append(m.Flags, string(f))
		if strings.EqualFold(string(f), string(imap.FlagSeen)) {
			m.Seen = true
		}
	}
	if e := b.Envelope; e != nil {
		m.Subject = e.Subject
		m.Date = e.Date
		m.MessageID = e.MessageID
		m.From = toAddresses(e.From, 0)
		m.To = toAddresses(e.To, maxRecipients)
	}
	if m.Date.IsZero() {
		m.Date = m.InternalDate
	}
	return m
}

// maxRecipients bounds what a hostile To header can make us keep.
const maxRecipients = 50

func toAddresses(in []imap.Address, max int) []Address {
	if max > 0 && len(in) > max {
		in = in[:max]
	}
	out := make([]Address, 0, len(in))
	for _, a := range in {
		if a.IsGroupStart() || a.IsGroupEnd() {
			continue
		}
		out = append(out, Address{Name: a.Name, Addr: a.Addr()})
	}
	return out
}

// sanitizeServerText keeps server-supplied text in errors short and printable.
func sanitizeServerText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
