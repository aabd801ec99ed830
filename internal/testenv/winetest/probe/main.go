// Command probe is the Windows half of the Wine tests: built for
// windows/amd64 and run under Wine, it uses Mailbell's own packages the way
// the background and window executables do, and reports on stdout.
//
//	probe keyring-set ACCOUNT    store stdin's first line as ACCOUNT's password (service "mailbell")
//	probe keyring-get ACCOUNT    print the SHA-256 of ACCOUNT's password (never the password)
//	probe keyring-delete ACCOUNT
//	probe call SOCKET CMD        send CMD over the control channel at SOCKET, print the reply as JSON
//	probe config-dir             print the default config folder (%APPDATA%\mailbell)
//	probe autostart-enable EXE   start EXE at login (platform/autostart: the Run key)
//	probe autostart-status       print "enabled" or "disabled"
//	probe autostart-disable
//	probe toast                  register Mailbell for toasts and show one with actions;
//	                             prints "shown ID" or "not shown: ERROR", exits 0 either way
//
// Exit status 0 on success, 1 with the error on stderr otherwise.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/platform/autostart"
	"mailbell/platform/notify"
	"mailbell/platform/secrets"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("no command")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := secrets.Keyring()
	switch {
	case args[0] == "keyring-set" && len(args) == 2:
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the password from stdin: %w", err)
		}
		return store.Set(ctx, args[1], strings.TrimRight(line, "\r\n"))
	case args[0] == "keyring-get" && len(args) == 2:
		s, err := store.Get(ctx, args[1])
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(s))
		fmt.Println(hex.EncodeToString(sum[:]))
		return nil
	case args[0] == "keyring-delete" && len(args) == 2:
		return store.Delete(ctx, args[1])
	case args[0] == "call" && len(args) == 3:
		c, err := control.Dial(ctx, args[1])
		if err != nil {
			return err
		}
		defer c.Close()
		ev, err := c.Request(ctx, control.Command{Cmd: args[2]})
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(ev)
	case args[0] == "config-dir" && len(args) == 1:
		dir, err := config.Dir("")
		if err != nil {
			return err
		}
		fmt.Println(dir)
		return nil
	case args[0] == "autostart-enable" && len(args) == 2:
		return autostart.Enable(args[1], []string{"--from-login"})
	case args[0] == "autostart-status" && len(args) == 1:
		if autostart.Enabled() {
			fmt.Println("enabled")
		} else {
			fmt.Println("disabled")
		}
		return nil
	case args[0] == "autostart-disable" && len(args) == 1:
		return autostart.Disable()
	case args[0] == "toast" && len(args) == 1:
		n, err := notify.New(notify.Options{})
		if err != nil {
			return err
		}
		defer n.Close()
		id, err := n.Notify(notify.Notification{
			Summary: "Ann", Body: "Lunch?",
			Actions: []notify.Action{{Key: notify.DefaultAction, Label: "Open"}, {Key: "mark-read", Label: "Mark as read"}},
		})
		if err != nil {
			fmt.Println("not shown:", err)
		} else {
			fmt.Println("shown", id)
		}
		exitNow(0)
		return nil
	}
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}
