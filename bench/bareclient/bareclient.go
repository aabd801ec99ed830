// Package bareclient is the yardstick of the benchmarks: the minimal
// correct IMAP IDLE client written directly on go-imap v2, with no watchdog,
// no state and no reconnects — the floor of Mailbell's stack.
package bareclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Client is the minimal correct IDLE client on go-imap v2: EXAMINE, IDLE; on EXISTS end IDLE,
// UID FETCH last+1:* (UID ENVELOPE, or BODY.PEEK[] for the naive variant),
// note the time, IDLE again. No watchdog, no counts, no reconnects.
type Client struct {
	c       *imapclient.Client
	exists  chan struct{}
	last    imap.UID
	onNew   func(subject string, at time.Time)
	fullMsg bool // fetch the whole message, as a naive client does
}

// Dial connects with dial (which must use the options it is given, for the
// unilateral-data handler), logs in and opens folder read-only.
func Dial(dial func(*imapclient.Options) (*imapclient.Client, error), user, pass, folder string, fullMsg bool,
	onNew func(subject string, at time.Time)) (*Client, error) {
	b := &Client{exists: make(chan struct{}, 1), onNew: onNew, fullMsg: fullMsg}
	c, err := dial(&imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		// Runs on the reader goroutine: only a non-blocking send.
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				select {
				case b.exists <- struct{}{}:
				default:
				}
			}
		},
	}})
	if err != nil {
		return nil, fmt.Errorf("bare client: dial: %w", err)
	}
	b.c = c
	if err := c.Login(user, pass).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("bare client: login: %w", err)
	}
	data, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("bare client: examine: %w", err)
	}
	b.last = imap.UID(data.UIDNext) - 1
	return b, nil
}

// Run idles until ctx ends; idling is closed once the first IDLE is accepted.
func (b *Client) Run(ctx context.Context, idling chan<- struct{}) error {
	defer b.c.Close()
	first := true
	for {
		cmd, err := b.c.Idle()
		if err != nil {
			return fmt.Errorf("bare client: IDLE: %w", err)
		}
		if first {
			close(idling)
			first = false
		}
		select {
		case <-b.exists:
		case <-ctx.Done():
			_ = cmd.Close()
			_ = cmd.Wait()
			_ = b.c.Logout().Wait()
			return nil
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("bare client: DONE: %w", err)
		}
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("bare client: IDLE: %w", err)
		}
		opts := &imap.FetchOptions{UID: true, Envelope: true}
		if b.fullMsg {
			opts = &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}
		}
		msgs, err := b.c.Fetch(imap.UIDSet{{Start: b.last + 1, Stop: 0}}, opts).Collect()
		if err != nil {
			return fmt.Errorf("bare client: UID FETCH: %w", err)
		}
		now := time.Now()
		for _, m := range msgs {
			if m.UID <= b.last { // "n:*" returns the last message even below n
				continue
			}
			switch {
			case m.Envelope != nil:
				b.onNew(m.Envelope.Subject, now)
			case len(m.BodySection) > 0:
				b.onNew(subjectOf(m.BodySection[0].Bytes), now)
			}
		}
		for _, m := range msgs {
			b.last = max(b.last, m.UID)
		}
	}
}

// subjectOf is the raw Subject header of a message (ASCII subjects only,
// which is what the benchmarks send).
func subjectOf(msg []byte) string {
	for _, line := range strings.Split(string(msg), "\r\n") {
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Subject") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
