package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
)

// commandNotifier runs one short-lived process per notification: the
// fallback on macOS (osascript) and Windows (PowerShell toast). It has no
// actions and no close events; its ids are its own counter.
type commandNotifier struct {
	opts    Options
	build   func(appName string, n Notification) *exec.Cmd
	ev      *events
	next    atomic.Uint32
	wg      sync.WaitGroup
	closing atomic.Bool
}

// commandTimeout bounds each notifier process.
const commandTimeout = 10 * time.Second

func newCommandNotifier(opts Options, build func(string, Notification) *exec.Cmd) *commandNotifier {
	opts = opts.withDefaults()
	return &commandNotifier{opts: opts, build: build, ev: newEvents(opts.Logger)}
}

func (c *commandNotifier) Notify(n Notification) (uint32, error) {
	if c.closing.Load() {
		return 0, errors.New("notify: notifier closed")
	}
	id := n.ReplacesID
	if id == 0 {
		id = c.next.Add(1)
	}
	cmd := c.build(c.opts.AppName, n)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, errors.Join(ErrNoNotificationServer, err)
	}
	// Wait in the background: showing a notification must not hold up the
	// caller, and a stuck notifier process is killed after a while.
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var err error
		select {
		case err = <-done:
		case <-time.After(commandTimeout):
			_ = cmd.Process.Kill()
			err = <-done
		}
		if err != nil {
			line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
			c.opts.Logger.Warn("desktop notification failed", "program", cmd.Path, "err", err, "stderr", line)
		}
	}()
	return id, nil
}

func (c *commandNotifier) CloseNotification(uint32) error { return nil }
func (c *commandNotifier) SupportsActions() bool          { return false }
func (c *commandNotifier) Actions() <-chan ActionEvent    { return c.ev.actions }
func (c *commandNotifier) Closed() <-chan ClosedEvent     { return c.ev.closed }

func (c *commandNotifier) Close() error {
	c.closing.Store(true)
	c.wg.Wait()
	c.ev.close()
	return nil
}

// argPrefix is put before every data argument of osascript and stripped by
// the script, so a summary that starts with "-" is never taken for an
// option.
const argPrefix = "."

// osascriptScript shows argv (title, subtitle, body) as a notification.
// The data arrive as arguments, never as script text, so nothing in them
// needs escaping and nothing can be run.
var osascriptScript = []string{
	"on strip(s)",
	"if length of s is 1 then return \"\"",
	"return text 2 thru -1 of s",
	"end strip",
	"on run argv",
	"display notification strip(item 3 of argv) with title strip(item 1 of argv) subtitle strip(item 2 of argv)",
	"end run",
}

// osascriptArgs returns osascript's arguments for n.
func osascriptArgs(appName string, n Notification) []string {
	var args []string
	for _, line := range osascriptScript {
		args = append(args, "-e", line)
	}
	return append(args, argPrefix+appName, argPrefix+n.Summary, argPrefix+n.Body)
}

// powershellScript shows a toast whose texts come from the environment, so
// they are never parsed as PowerShell; XML-escaped by SecurityElement.
const powershellScript = `$ErrorActionPreference = 'Stop'
[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null
[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] | Out-Null
$title = [Security.SecurityElement]::Escape($env:MAILBELL_NOTIFY_SUMMARY)
$body = [Security.SecurityElement]::Escape($env:MAILBELL_NOTIFY_BODY)
$xml = New-Object Windows.Data.Xml.Dom.XmlDocument
$xml.LoadXml("<toast><visual><binding template=""ToastGeneric""><text>$title</text><text>$body</text></binding></visual></toast>")
$app = '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe'
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($app).Show([Windows.UI.Notifications.ToastNotification]::new($xml))
`

// powershellArgs returns PowerShell's arguments and the extra environment
// for n. -EncodedCommand (base64 of UTF-16LE) sidesteps Windows command
// line quoting altogether.
func powershellArgs(n Notification) (args, env []string) {
	u := utf16.Encode([]rune(powershellScript))
	b := make([]byte, 0, 2*len(u))
	for _, r := range u {
		b = append(b, byte(r), byte(r>>8))
	}
	args = []string{"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
		"-EncodedCommand", base64.StdEncoding.EncodeToString(b)}
	env = []string{"MAILBELL_NOTIFY_SUMMARY=" + n.Summary, "MAILBELL_NOTIFY_BODY=" + n.Body}
	return args, env
}

// commandFor builds the process for one notification.
func commandFor(name string, args, env []string) *exec.Cmd {
	cmd := exec.CommandContext(context.Background(), name, args...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	return cmd
}
