// Package notify shows desktop notifications. On Linux and the BSDs it
// speaks org.freedesktop.Notifications over the D-Bus session bus itself
// (with actions, replacement and close events); on macOS and Windows a
// smaller fallback runs the platform's own command-line notifier.
package notify

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"mailbell/platform/sound"
)

// Urgency of a notification. The zero value is Normal.
type Urgency uint8

// Urgencies, in the order the people reading them care.
const (
	UrgencyNormal Urgency = iota
	UrgencyLow
	UrgencyCritical
)

// specByte is the urgency hint's value in the freedesktop spec.
func (u Urgency) specByte() byte {
	switch u {
	case UrgencyLow:
		return 0
	case UrgencyCritical:
		return 2
	}
	return 1
}

// DefaultAction is the key of the action servers invoke when the
// notification itself is clicked (freedesktop spec).
const DefaultAction = "default"

// CategoryEmailArrived is the spec's category for new mail.
const CategoryEmailArrived = "email.arrived"

// Action is a button (or menu entry) on a notification.
type Action struct {
	Key   string // what ActionEvent.Key reports; DefaultAction for a click on the body
	Label string // shown to the person
}

// Notification is what to show. Text is plain: the notifier escapes it for
// servers that interpret markup.
type Notification struct {
	Summary string
	Body    string
	// ReplacesID, when not 0, replaces that notification (same id) instead
	// of stacking a new one.
	ReplacesID uint32
	// Actions are only sent where the server supports them
	// (Notifier.SupportsActions).
	Actions []Action
	// IconPath is an absolute path to an image file, or an icon theme name.
	IconPath string
	// Category is a freedesktop category hint such as CategoryEmailArrived.
	Category string
	Urgency  Urgency
	// Timeout: 0 lets the server decide, a negative value asks it never to
	// expire the notification.
	Timeout time.Duration
	// Persistent: the pop-up stays until dismissed. expire_timeout 0 (the
	// spec's "never", whatever Timeout says), and the resident hint where
	// the server advertises "persistence".
	Persistent bool
	// Sound to play with this notification; the zero value is silence.
	Sound Sound
}

// Sound is what a notification sounds like.
//
// Where the server advertises the "sound" capability, it plays it: the
// sound-file hint for File, else sound-name for Name; a notification without
// a sound gets suppress-sound, so the server does not play its own for each
// message of a burst. Where the server lacks the capability, the notifier's
// Options.Player plays it after the notification was shown.
type Sound struct {
	// Name is a freedesktop sound theme name such as "message-new-email".
	Name string
	// File is an absolute path to a sound file; it wins over Name.
	File string
}

// IsZero reports whether s is silence.
func (s Sound) IsZero() bool { return s.Name == "" && s.File == "" }

// Player plays a sound where the notification server cannot;
// platform/sound.Player is one.
type Player interface {
	// Play starts playing file or, when it is "", the theme sound name,
	// and returns without waiting for the sound to end.
	Play(name, file string) error
}

// ActionEvent reports that the person chose action Key on notification ID.
type ActionEvent struct {
	ID  uint32
	Key string
}

// CloseReason says why a notification went away (freedesktop spec values).
type CloseReason uint32

// Close reasons.
const (
	ReasonExpired   CloseReason = 1
	ReasonDismissed CloseReason = 2 // by the person
	ReasonClosed    CloseReason = 3 // by CloseNotification
	ReasonUndefined CloseReason = 4
)

// ClosedEvent reports that notification ID went away.
type ClosedEvent struct {
	ID     uint32
	Reason CloseReason
}

// Notifier shows notifications and reports what the person did with them.
type Notifier interface {
	// Notify shows n and returns its id (the same as n.ReplacesID when it
	// replaced one).
	Notify(n Notification) (id uint32, err error)
	// CloseNotification withdraws a notification (say, after its message
	// was read elsewhere).
	CloseNotification(id uint32) error
	// SupportsActions reports whether Actions are shown and can be chosen.
	SupportsActions() bool
	// Actions delivers the person's choices. It is closed by Close.
	// Read it promptly: events that find it full (64) are dropped.
	Actions() <-chan ActionEvent
	// Closed delivers close events, with the same rules as Actions.
	Closed() <-chan ClosedEvent
	// Close releases the notifier's resources (not the notifications shown).
	Close() error
}

// ErrNoNotificationServer: no session bus, or nothing on it shows
// notifications. Log it once and carry on without notifications.
var ErrNoNotificationServer = errors.New("no desktop notification server")

// DefaultDesktopEntry is Mailbell's application ID, the name of its
// installed desktop file (io.mailbell.Mailbell.desktop).
const DefaultDesktopEntry = "io.mailbell.Mailbell"

// Options tune a notifier. The zero value is fine.
type Options struct {
	// AppName is shown by the server as the sender; default "Mailbell".
	AppName string
	// DesktopEntry is the desktop file name without ".desktop" (the
	// desktop-entry hint some servers use to find the app's icon and
	// settings; GNOME lists the app under Settings → Notifications when
	// that file has X-GNOME-UsesNotifications=true); default
	// DefaultDesktopEntry.
	DesktopEntry string
	// Logger for the rare events worth a line; default slog.Default().
	Logger *slog.Logger
	// Player plays Notification.Sound where the server has no "sound"
	// capability; default a platform/sound.Player (canberra-gtk-play,
	// pw-play or paplay; nothing and one log line without them).
	Player Player
}

func (o Options) withDefaults() Options {
	if o.AppName == "" {
		o.AppName = "Mailbell"
	}
	if o.DesktopEntry == "" {
		o.DesktopEntry = DefaultDesktopEntry
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Player == nil {
		o.Player = sound.New(sound.Options{Logger: o.Logger})
	}
	return o
}

// reasonError prints "ErrX: reason" while keeping both ErrX and the raw
// cause reachable through errors.Is / errors.As.
type reasonError struct {
	kind   error
	reason string
	cause  error
}

func (e *reasonError) Error() string { return e.kind.Error() + ": " + e.reason }
func (e *reasonError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

func noServer(reason string, cause error) error {
	return &reasonError{kind: ErrNoNotificationServer, reason: reason, cause: cause}
}

// escapeMarkup makes plain text safe for servers that parse the body as a
// small subset of HTML (see markupCaps in dbus.go).
func escapeMarkup(s string) string {
	return markupEscaper.Replace(s)
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// eventQueueSize is the buffer of the Actions and Closed channels.
const eventQueueSize = 64

// events fans events out to the Actions and Closed channels without ever
// blocking the producer.
type events struct {
	log     *slog.Logger
	actions chan ActionEvent
	closed  chan ClosedEvent
	once    sync.Once
}

func newEvents(log *slog.Logger) *events {
	return &events{
		log:     log,
		actions: make(chan ActionEvent, eventQueueSize),
		closed:  make(chan ClosedEvent, eventQueueSize),
	}
}

func (e *events) action(ev ActionEvent) {
	select {
	case e.actions <- ev:
	default:
		e.log.Warn("notification action dropped: nobody reads Actions()", "id", ev.ID, "action", ev.Key)
	}
}

func (e *events) closedEv(ev ClosedEvent) {
	select {
	case e.closed <- ev:
	default:
		e.log.Debug("notification close event dropped", "id", ev.ID)
	}
}

// close must only be called once no more events can be sent.
func (e *events) close() {
	e.once.Do(func() {
		close(e.actions)
		close(e.closed)
	})
}
