package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"

	"mailbell/app/view"
)

// Client is a connection to the core: the latest snapshot, show requests,
// every event, and commands with replies.
type Client struct {
	conn    net.Conn
	snaps   chan view.Snapshot
	shows   chan Event
	events  chan Event
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan Event
	enc     *json.Encoder
	done    chan struct{}
	err     error
}

// Dial connects to the core's socket.
func Dial(ctx context.Context, path string) (*Client, error) {
	nc, err := dial(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("mailbell is not running (%s): %w", path, err)
	}
	c := &Client{
		conn:    nc,
		snaps:   make(chan view.Snapshot, 1),
		shows:   make(chan Event, 8),
		events:  make(chan Event, 256),
		waiting: map[int]chan Event{},
		enc:     json.NewEncoder(nc),
		done:    make(chan struct{}),
	}
	go c.read()
	return c, nil
}

// Snapshots delivers the latest snapshot; older unread ones are replaced.
// It is closed when the connection ends.
func (c *Client) Snapshots() <-chan view.Snapshot { return c.snaps }

// Shows delivers the core's requests to show a view.
func (c *Client) Shows() <-chan Event { return c.shows }

// Events delivers every other event (new_mail, state, errors); dropped when not read.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the connection ends; Err says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended.
func (c *Client) Err() error {
	<-c.done
	return c.err
}

func (c *Client) read() {
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			continue
		}
		switch ev.Event {
		case EvSnapshot:
			if ev.Snapshot == nil {
				continue
			}
			select { // latest wins
			case <-c.snaps:
			default:
			}
			c.snaps <- *ev.Snapshot
		case EvShow:
			select {
			case c.shows <- ev:
			default:
			}
		case EvReply:
			c.mu.Lock()
			ch := c.waiting[ev.ID]
			delete(c.waiting, ev.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- ev
			}
		default:
			select {
			case c.events <- ev:
			default:
			}
		}
	}
	c.err = sc.Err()
	if c.err == nil {
		c.err = errors.New("mailbell closed the connection")
	}
	// Only this goroutine sends on these: closing tells readers the core is gone.
	close(c.snaps)
	close(c.shows)
	close(c.done)
}

// Send sends cmd without waiting for an answer.
func (c *Client) Send(cmd Command) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enc.Encode(cmd)
}

// Call sends cmd and waits for its reply; a failed command returns its
// error, a *CommandError.
func (c *Client) Call(ctx context.Context, cmd Command) (string, error) {
	ev, err := c.Request(ctx, cmd)
	return ev.Value, err
}

// Request sends cmd and returns its reply (Value, Settings). A failed
// command returns a *CommandError with the reply's error and Fields. When
// ctx ends first, the reply is dropped when it comes.
func (c *Client) Request(ctx context.Context, cmd Command) (Event, error) {
	ch := make(chan Event, 1)
	c.mu.Lock()
	c.nextID++
	cmd.ID = c.nextID
	c.waiting[cmd.ID] = ch
	err := c.enc.Encode(cmd)
	if err != nil {
		delete(c.waiting, cmd.ID)
	}
	c.mu.Unlock()
	if err != nil {
		return Event{}, err
	}
	select {
	case ev := <-ch:
		if ev.OK != nil && !*ev.OK {
			return ev, &CommandError{Msg: ev.Error, Fields: ev.Fields}
		}
		return ev, nil
	case <-c.done:
		return Event{}, c.err
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiting, cmd.ID)
		c.mu.Unlock()
		return Event{}, ctx.Err()
	}
}

// Close ends the connection.
func (c *Client) Close() error { return c.conn.Close() }
