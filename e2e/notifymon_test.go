package e2e

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// notifyCall is one org.freedesktop.Notifications.Notify call seen on the bus.
type notifyCall struct {
	At         time.Time `json:"at"`
	Sender     string    `json:"sender"`
	ReplacesID uint32    `json:"replaces_id"`
	Summary    string    `json:"summary"`
	Body       string    `json:"body"`
}

// notifyMonitor records every Notify call on the session bus, as
// dbus-monitor does: the exact moment the app asked for a notification,
// and whether it replaced an earlier one, which dunst's history does not
// show.
type notifyMonitor struct {
	conn *dbus.Conn
	ch   chan *dbus.Message
	done chan struct{}

	mu    sync.Mutex
	calls []notifyCall
}

func startNotifyMonitor(address string) (*notifyMonitor, error) {
	conn, err := dbus.Connect(address)
	if err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	m := &notifyMonitor{conn: conn, ch: make(chan *dbus.Message, 256), done: make(chan struct{})}
	rule := "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"
	if err := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, []string{rule}, uint32(0)).Err; err != nil {
		conn.Close()
		return nil, fmt.Errorf("monitor: BecomeMonitor: %w", err)
	}
	// Only now: eavesdropping takes every incoming message, the reply to
	// BecomeMonitor included. Nothing notifies before the app starts.
	conn.Eavesdrop(m.ch)
	go m.run()
	return m, nil
}

func (m *notifyMonitor) run() {
	defer close(m.done)
	for msg := range m.ch {
		if msg.Type != dbus.TypeMethodCall || len(msg.Body) < 5 {
			continue
		}
		member, _ := msg.Headers[dbus.FieldMember].Value().(string)
		if member != "Notify" {
			continue
		}
		c := notifyCall{At: time.Now()}
		c.Sender, _ = msg.Headers[dbus.FieldSender].Value().(string)
		c.ReplacesID, _ = msg.Body[1].(uint32)
		c.Summary, _ = msg.Body[3].(string)
		c.Body, _ = msg.Body[4].(string)
		m.mu.Lock()
		m.calls = append(m.calls, c)
		m.mu.Unlock()
	}
}

// since returns the calls recorded at or after t.
func (m *notifyMonitor) since(t time.Time) []notifyCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []notifyCall
	for _, c := range m.calls {
		if !c.At.Before(t) {
			out = append(out, c)
		}
	}
	return out
}

func (m *notifyMonitor) close(t *testing.T, a *artifacts) {
	m.conn.Close() // closes m.ch
	select {
	case <-m.done:
	case <-time.After(3 * time.Second):
	}
	m.mu.Lock()
	data, _ := json.MarshalIndent(m.calls, "", "  ")
	m.mu.Unlock()
	a.write(t, "notify-calls.json", data)
}

func describeCalls(calls []notifyCall, since time.Time) string {
	if len(calls) == 0 {
		return " (none)"
	}
	var s string
	for _, c := range calls {
		s += fmt.Sprintf("\n  +%v replaces=%d %q / %q", c.At.Sub(since).Round(time.Millisecond), c.ReplacesID, c.Summary, c.Body)
	}
	return s
}
