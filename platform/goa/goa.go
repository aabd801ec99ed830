// Package goa reads the mail accounts of GNOME Online Accounts (goa-daemon,
// org.gnome.OnlineAccounts on the session bus) and fetches their sign-in
// secret at login: a fresh OAuth2 access token for Google and Microsoft
// accounts (OAuth2Based.GetAccessToken; goa-daemon refreshes with its own
// client ID, so Mailbell needs none), or the password of an "IMAP and SMTP"
// account (PasswordBased.GetPassword("imap-password")). This is how Mailnag
// reaches Gmail.
//
// Every call opens its own connection through platform/sessionbus, which
// never launches a bus, and closes it again; nothing is cached, so a token
// is always goa-daemon's current one and a removed account is noticed at
// the next login. On a desktop the call may start goa-daemon through D-Bus
// activation, as any GOA client does.
//
// Failures the user must resolve are this package's Error values (see
// NeedsAttention): ErrNoGOA, ErrAccountGone, ErrAttentionNeeded,
// ErrMailDisabled, ErrUnsupported. Anything else is transient.
//
// The package imports neither app, ui nor mail: the wiring turns a
// Secret into a mail.Credential (Kind AuthOAuth2 → CredentialOAuth2,
// AuthPassword → CredentialPassword).
package goa

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"mailbell/platform/sessionbus"
)

// CallTimeout bounds a List or Credential call whose context has no
// deadline: connecting, listing, and goa-daemon's answer (which may include
// a token refresh over the network). It is GDBus's own default timeout.
var CallTimeout = 25 * time.Second

// List returns the accounts Online Accounts holds whose mail Mailbell can
// read: Mail enabled, an IMAP server, and sign-in by OAuth2 or password.
// Accounts flagged AttentionNeeded are listed (with the flag set), so a
// settings window can show them and say why they cannot be added yet.
// Sorted by Identity, then ID. With no goa-daemon the error wraps ErrNoGOA.
func List(ctx context.Context) ([]Account, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	conn, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	objs, err := managedObjects(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []Account
	for path, p := range objs {
		if _, ok := p[IfaceAccount]; !ok || p.mailUsable() != nil {
			continue
		}
		a, err := p.account()
		if err != nil {
			slog.Debug("goa: skipping an account", "path", path, "err", err)
			continue
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Account) int {
		return cmp.Or(strings.Compare(a.Identity, b.Identity), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Credential asks goa-daemon for the secret of account goaID for one
// login: a fresh access token for an OAuth2 account (goa-daemon refreshes
// it when it is about to expire), the IMAP password for a password one.
// Call it at every login and do not cache the answer.
//
// Errors: ErrNoGOA (wrapped with the cause) when nothing answers on the
// bus, ErrAccountGone when no account has that Id any more,
// ErrAttentionNeeded when the account is flagged or goa-daemon refuses it
// as NotAuthorized, ErrMailDisabled, ErrUnsupported; anything else (the
// provider's token endpoint unreachable, a timeout) is transient. No error
// contains the secret.
func Credential(ctx context.Context, goaID string) (Secret, error) {
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	conn, err := connect(ctx)
	if err != nil {
		return Secret{}, err
	}
	defer conn.Close()
	objs, err := managedObjects(ctx, conn)
	if err != nil {
		return Secret{}, err
	}
	// Found by its Id property rather than by building the object path:
	// the path is goa-daemon's business.
	var path dbus.ObjectPath
	var p props
	for op, o := range objs {
		if _, ok := o[IfaceAccount]; ok && o.str(IfaceAccount, "Id") == goaID {
			path, p = op, o
			break
		}
	}
	if p == nil {
		return Secret{}, fmt.Errorf("online account %s: %w", goaID, ErrAccountGone)
	}
	if p.boolean(IfaceAccount, "AttentionNeeded") {
		return Secret{}, fmt.Errorf("online account %s: %w", goaID, ErrAttentionNeeded)
	}
	if err := p.mailUsable(); err != nil {
		return Secret{}, fmt.Errorf("online account %s: %w", goaID, err)
	}
	obj := conn.Object(BusName, path)
	switch p.authKind() {
	case AuthOAuth2:
		var token string
		var expiresIn int32
		err := obj.CallWithContext(ctx, IfaceOAuth2Based+".GetAccessToken", 0).Store(&token, &expiresIn)
		if err != nil {
			return Secret{}, callError(ctx, goaID, "GetAccessToken", err)
		}
		if token == "" {
			return Secret{}, fmt.Errorf("online account %s: GetAccessToken gave an empty token", goaID)
		}
		return Secret{Kind: AuthOAuth2, Value: token, ExpiresIn: time.Duration(max(expiresIn, 0)) * time.Second}, nil
	default: // AuthPassword; mailUsable ruled out the rest
		var pw string
		err := obj.CallWithContext(ctx, IfacePasswordBased+".GetPassword", 0, IMAPPasswordID).Store(&pw)
		if err != nil {
			return Secret{}, callError(ctx, goaID, "GetPassword", err)
		}
		return Secret{Kind: AuthPassword, Value: pw}, nil
	}
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, CallTimeout)
}

// connect dials the session bus. No bus at all (no address, no socket,
// nobody listening) means no Online Accounts; a bus that does not answer in
// time is transient, like any other timeout.
func connect(ctx context.Context) (*dbus.Conn, error) {
	conn, err := sessionbus.ConnectContext(ctx)
	if err != nil {
		if errors.Is(err, sessionbus.ErrNoBus) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w: %w", ErrNoGOA, err)
		}
		return nil, fmt.Errorf("reaching Online Accounts: %w", err)
	}
	return conn, nil
}

// managedObjects lists goa-daemon's objects. Flags 0 allow D-Bus activation,
// so on a desktop this starts goa-daemon when it is not running yet; on a
// bus where nothing can provide the name the bus answers ServiceUnknown.
func managedObjects(ctx context.Context, conn *dbus.Conn) (map[dbus.ObjectPath]props, error) {
	var objs map[dbus.ObjectPath]props
	err := conn.Object(BusName, ManagerPath).
		CallWithContext(ctx, IfaceObjectManager+".GetManagedObjects", 0).Store(&objs)
	if err != nil {
		var de dbus.Error
		if errors.As(err, &de) {
			switch {
			case de.Name == errServiceUnknown, de.Name == errNameHasNoOwner,
				strings.HasPrefix(de.Name, errSpawnPrefix),
				// Something else owns the name: not Online Accounts.
				de.Name == errUnknownObject, de.Name == errNoSuchObject,
				de.Name == errUnknownMethod, de.Name == errUnknownIface:
				return nil, fmt.Errorf("%w: %w", ErrNoGOA, err)
			}
		}
		return nil, fmt.Errorf("listing Online Accounts: %w", err)
	}
	return objs, nil
}

// callError classifies a failed GetAccessToken or GetPassword. goa-daemon's
// messages name the account's user, never its secret.
func callError(ctx context.Context, goaID, method string, err error) error {
	var de dbus.Error
	if errors.As(err, &de) {
		switch de.Name {
		case errGoaNotAuthorized:
			return fmt.Errorf("online account %s: %w (%s: %w)", goaID, ErrAttentionNeeded, method, err)
		case errUnknownObject, errNoSuchObject, errUnknownMethod, errUnknownIface:
			// Removed between the listing and the call (gdbus answers
			// UnknownMethod "Object does not exist at path …").
			return fmt.Errorf("online account %s: %w (%s: %w)", goaID, ErrAccountGone, method, err)
		case errServiceUnknown, errNameHasNoOwner:
			return fmt.Errorf("online account %s: %w (%s: %w)", goaID, ErrNoGOA, method, err)
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		// The caller's deadline ended the call; godbus may report it as
		// the connection it closed. Say what happened: a transient error.
		return fmt.Errorf("online account %s: %s: %w", goaID, method, cerr)
	}
	return fmt.Errorf("online account %s: %s: %w", goaID, method, err)
}
