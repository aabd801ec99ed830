// Package secrets keeps account passwords: in the OS keyring (Keyring), in
// memory (Memory, for the demo and tests), or from a user's password command
// (Command). Passwords never appear in errors or logs from this package.
package secrets

import (
	"context"
	"errors"
)

// Store reads and writes one secret per account id.
type Store interface {
	// Get returns the account's secret, or an error wrapping ErrNotFound.
	Get(ctx context.Context, account string) (string, error)
	// Set stores (or replaces) the account's secret.
	Set(ctx context.Context, account, secret string) error
	// Delete removes the account's secret; ErrNotFound if there was none.
	Delete(ctx context.Context, account string) error
}

// Errors. Their messages are written for the person reading them in the
// settings window or the log.
var (
	ErrNotFound = errors.New("no password stored for this account")
	// ErrNoKeyring: no Secret Service on the bus, or no bus at all.
	ErrNoKeyring = errors.New("no keyring service: start gnome-keyring, KDE Wallet or KeePassXC's Secret Service, or set password_command")
	// ErrKeyringTimeout: the keyring did not answer in time. A locked keyring
	// waiting on an unlock prompt nobody sees looks like this.
	ErrKeyringTimeout = errors.New("keyring did not answer (locked?)")
	// ErrKeyringLocked: the keyring is locked and was not unlocked.
	ErrKeyringLocked = errors.New("keyring is locked: unlock it (for example by logging in again) and retry")
	// ErrNoCollection: the Secret Service has no default collection to
	// store into (KeePassXC with no database exposed, for instance).
	ErrNoCollection = errors.New("keyring has no default collection: create or unlock one (in KeePassXC, enable Secret Service integration for a database)")
	// ErrReadOnly: the store cannot write (a password command).
	ErrReadOnly = errors.New("this account's password comes from password_command: change it where that command reads it")
	// ErrEmptyAccount: an empty account id.
	ErrEmptyAccount = errors.New("secrets: empty account id")
)

// Service is the keyring service name Mailbell's items are stored under;
// the item's user name is the account id.
const Service = "mailbell"

// kindError carries a clean, user-facing message (kind) and keeps the raw
// cause reachable for errors.As and debugging, without printing it.
type kindError struct {
	kind  error
	cause error
}

func (e *kindError) Error() string   { return e.kind.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.cause} }

func withCause(kind, cause error) error {
	if cause == nil {
		return kind
	}
	return &kindError{kind: kind, cause: cause}
}
