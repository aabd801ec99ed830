package desktoptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

const (
	dunstDest  = "org.freedesktop.Notifications"
	dunstPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	dunstIface = "org.dunstproject.cmd0" // dunst's control interface, the one dunstctl uses
)

// Notification is one entry of dunst's history.
type Notification struct {
	ID            uint32
	AppName       string
	Summary       string
	Body          string // as sent, markup included
	Message       string // as dunst formatted it for display (Pango markup)
	IconPath      string
	DefaultAction string // the key of the default action, if any
	Category      string
	URLs          string // the links dunst found in the body, one a line ("[label] url")
}

func (s *Session) dunstCall(method string, args ...any) (*dbus.Call, error) {
	if s.dunstDir == "" {
		return nil, errors.New("desktoptest: the session runs no dunst (Options.Dunst)")
	}
	conn, err := s.busConn()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	call := conn.Object(dunstDest, dunstPath).CallWithContext(ctx, dunstIface+"."+method, 0, args...)
	if call.Err != nil {
		return nil, fmt.Errorf("desktoptest: dunst %s: %w", method, call.Err)
	}
	return call, nil
}

// DunstHistory returns dunst's history, newest first: what `dunstctl
// history` prints. Only closed or expired notifications are in it; call
// DunstCloseAll first to move the displayed ones there.
func (s *Session) DunstHistory() ([]Notification, error) {
	call, err := s.dunstCall("NotificationListHistory")
	if err != nil {
		return nil, err
	}
	var raw []map[string]dbus.Variant
	if err := call.Store(&raw); err != nil {
		return nil, fmt.Errorf("desktoptest: dunst history: %w", err)
	}
	str := func(m map[string]dbus.Variant, k string) string {
		v, _ := m[k].Value().(string)
		return v
	}
	out := make([]Notification, 0, len(raw))
	for _, m := range raw {
		n := Notification{
			AppName:       str(m, "appname"),
			Summary:       str(m, "summary"),
			Body:          str(m, "body"),
			Message:       str(m, "message"),
			IconPath:      str(m, "icon_path"),
			DefaultAction: str(m, "default_action_name"),
			Category:      str(m, "category"),
			URLs:          str(m, "urls"),
		}
		if id, ok := m["id"].Value().(int32); ok {
			n.ID = uint32(id)
		}
		out = append(out, n)
	}
	return out, nil
}

// DunstCloseAll closes every displayed notification (`dunstctl close-all`);
// they move to the history.
func (s *Session) DunstCloseAll() error {
	_, err := s.dunstCall("NotificationCloseAll")
	return err
}

// DunstCounts returns how many notifications dunst holds back, shows, and
// keeps in its history (`dunstctl count`).
func (s *Session) DunstCounts() (waiting, displayed, history int, err error) {
	conn, err := s.busConn()
	if err != nil {
		return 0, 0, 0, err
	}
	obj := conn.Object(dunstDest, dunstPath)
	get := func(name string) (int, error) {
		v, err := obj.GetProperty(dunstIface + "." + name)
		if err != nil {
			return 0, fmt.Errorf("desktoptest: dunst %s: %w", name, err)
		}
		switch n := v.Value().(type) {
		case uint32:
			return int(n), nil
		case int32:
			return int(n), nil
		}
		return 0, fmt.Errorf("desktoptest: dunst %s: unexpected %s", name, v.Signature())
	}
	if waiting, err = get("waitingLength"); err != nil {
		return
	}
	if displayed, err = get("displayedLength"); err != nil {
		return
	}
	history, err = get("historyLength")
	return
}

// DunstDefaultAction does what a left click does on the displayed
// notification at position pos (0 = newest): `dunstctl action pos`. Dunst
// invokes the "default" action, or the only action if there is one; with
// several actions and no default it opens the context menu, where the
// dmenu stand-in picks nothing.
func (s *Session) DunstDefaultAction(pos uint32) error {
	_, err := s.dunstCall("NotificationAction", pos)
	return err
}

// DunstAction invokes the action key of notification id through dunst's
// context menu (`dunstctl context`), whose dmenu is a script that picks the
// line "[id,key]". Dunst then emits ActionInvoked(id, key) to the client
// that sent the notification, exactly as after a person's choice. The
// notification must be displayed, not yet closed.
func (s *Session) DunstAction(id uint32, key string) error {
	if s.dunstDir == "" {
		return errors.New("desktoptest: the session runs no dunst (Options.Dunst)")
	}
	s.dunstMu.Lock()
	defer s.dunstMu.Unlock()
	want := fmt.Sprintf("[%d,%s]", id, key)
	picked := filepath.Join(s.dunstDir, "picked")
	_ = os.Remove(picked)
	if err := os.WriteFile(filepath.Join(s.dunstDir, "choice"), []byte(want), 0o644); err != nil {
		return fmt.Errorf("desktoptest: %w", err)
	}
	if _, err := s.dunstCall("ContextMenuCall"); err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(picked)
		if err == nil {
			if !bytes.Contains(b, []byte(want)) {
				menu, _ := os.ReadFile(filepath.Join(s.dunstDir, "menu"))
				return fmt.Errorf("desktoptest: dunst's context menu has no %s; it offered:\n%s", want, menu)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("desktoptest: dunst did not run its context menu within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Screenshot writes a PNG of the whole X screen to path (`import -window
// root`).
func (s *Session) Screenshot(path string) error {
	if s.Display == "" {
		return errNoX
	}
	return s.run(nil, nil, "import", "-window", "root", path)
}

// ErrSecretNotFound is returned by SecretToolLookup when no item matches.
var ErrSecretNotFound = errors.New("desktoptest: no such secret")

// SecretToolStore stores secret under the attributes service and username,
// the ones go-keyring uses, with secret-tool.
func (s *Session) SecretToolStore(service, user, secret string) error {
	return s.run(strings.NewReader(secret), nil, "secret-tool", "store",
		"--label=desktoptest "+service+"/"+user, "service", service, "username", user)
}

// SecretToolLookup reads the secret stored under service and username.
func (s *Session) SecretToolLookup(service, user string) (string, error) {
	var out bytes.Buffer
	err := s.run(nil, &out, "secret-tool", "lookup", "service", service, "username", user)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && out.Len() == 0 {
		return "", ErrSecretNotFound
	}
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// SecretToolClear removes the items stored under service and username.
func (s *Session) SecretToolClear(service, user string) error {
	return s.run(nil, nil, "secret-tool", "clear", "service", service, "username", user)
}

// Command returns an exec.Cmd for name with the session's environment,
// started in the session's HOME. The caller runs and reaps it.
func (s *Session) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = s.Env()
	cmd.Dir = s.Home
	return cmd
}

// run runs a short-lived tool in the session with a timeout. stdout goes to
// out when given; stderr ends up in the error.
func (s *Session) run(stdin *strings.Reader, out *bytes.Buffer, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = s.Env()
	cmd.Dir = s.Home
	if stdin != nil {
		cmd.Stdin = stdin
	}
	if out != nil {
		cmd.Stdout = out
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("desktoptest: %s: %w: %s", name, err, strings.TrimSpace(errb.String()))
	}
	return nil
}
