package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// bareClient is the minimal correct IDLE client written directly on go-imap
// v2, the yardstick for the watcher: EXAMINE INBOX, IDLE; on EXISTS end IDLE,
// UID FETCH last+1:* ENVELOPE, note the time, IDLE again. No watchdog, no
// counts, no reconnects.
type bareClient struct {
	c      *imapclient.Client
	exists chan struct{}
	last   imap.UID
	onNew  func(subject string, at time.Time)
}

// dialBare connects with dial (which must use the options it is given, for
// the unilateral-data handler), logs in and opens INBOX read-only.
func dialBare(dial func(*imapclient.Options) (*imapclient.Client, error), user, pass string,
	onNew func(subject string, at time.Time)) (*bareClient, error) {
	b := &bareClient{exists: make(chan struct{}, 1), onNew: onNew}
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
	data, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("bare client: examine: %w", err)
	}
	b.last = imap.UID(data.UIDNext) - 1
	return b, nil
}

// run idles until ctx ends; idling is closed when the first IDLE is accepted.
func (b *bareClient) run(ctx context.Context, idling chan<- struct{}) error {
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
		msgs, err := b.c.Fetch(imap.UIDSet{{Start: b.last + 1, Stop: 0}},
			&imap.FetchOptions{UID: true, Envelope: true}).Collect()
		if err != nil {
			return fmt.Errorf("bare client: UID FETCH: %w", err)
		}
		now := time.Now()
		for _, m := range msgs {
			if m.UID <= b.last { // "n:*" returns the last message even below n
				continue
			}
			if m.Envelope != nil {
				b.onNew(m.Envelope.Subject, now)
			}
		}
		for _, m := range msgs {
			b.last = max(b.last, m.UID)
		}
	}
}
