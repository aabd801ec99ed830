package secrets

import (
	"context"
	"errors"
	"time"

	"github.com/zalando/go-keyring"
)

// DefaultTimeout bounds every keyring call.
const DefaultTimeout = 5 * time.Second

// KeyringStore keeps secrets in the OS keyring through go-keyring: the
// Secret Service over D-Bus on Linux and BSD (gnome-keyring, KDE Wallet,
// KeePassXC), the Keychain on macOS, the Credential Manager on Windows.
// Items are stored under service Service and user name = account id.
type KeyringStore struct {
	// Service is the keyring service name; Keyring sets it to Service.
	Service string
	// Timeout bounds each call (and the wait for an earlier stuck call);
	// DefaultTimeout when zero.
	Timeout time.Duration
}

// Keyring returns the OS keyring store for Mailbell.
func Keyring() *KeyringStore {
	return &KeyringStore{Service: Service, Timeout: DefaultTimeout}
}

// keyringSlot lets one keyring call run at a time. go-keyring shares one
// bus connection per process, and a call stuck on a locked keyring can block
// forever: with one slot, at most one goroutine is ever stuck, and later
// callers time out waiting for the slot instead of piling up.
var keyringSlot = make(chan struct{}, 1)

// Get implements Store.
func (k *KeyringStore) Get(ctx context.Context, account string) (string, error) {
	var secret string
	err := k.do(ctx, account, func() error {
		s, err := keyring.Get(k.Service, account)
		secret = s
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Set implements Store.
func (k *KeyringStore) Set(ctx context.Context, account, secret string) error {
	return k.do(ctx, account, func() error { return keyring.Set(k.Service, account, secret) })
}

// Delete implements Store.
func (k *KeyringStore) Delete(ctx context.Context, account string) error {
	return k.do(ctx, account, func() error { return keyring.Delete(k.Service, account) })
}

// do runs fn in its own goroutine and waits for it, the timeout or ctx,
// whichever comes first. When the wait ends early fn keeps running until
// the keyring answers; its result is dropped.
func (k *KeyringStore) do(ctx context.Context, account string, fn func() error) error {
	if account == "" {
		return ErrEmptyAccount
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	select {
	case keyringSlot <- struct{}{}:
	case <-ctx.Done():
		return ctxError(ctx)
	}
	done := make(chan error, 1) // buffered: a late answer must not block
	go func() {
		defer func() { <-keyringSlot }()
		if err := keyringAvailable(); err != nil {
			done <- err
			return
		}
		done <- fn()
	}()
	select {
	case err := <-done:
		return classify(err)
	case <-ctx.Done():
		return ctxError(ctx)
	}
}

// ctxError turns a deadline (ours or the caller's) into ErrKeyringTimeout
// and passes a cancellation through.
func ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrKeyringTimeout
	}
	return ctx.Err()
}

// classify maps go-keyring's and D-Bus's errors to this package's. The raw
// error is kept as the unprinted cause (errors.As reaches it).
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	for _, known := range []error{ErrNotFound, ErrNoKeyring, ErrKeyringLocked, ErrNoCollection, ErrKeyringTimeout} {
		if errors.Is(err, known) {
			return err
		}
	}
	return classifyPlatform(err)
}
