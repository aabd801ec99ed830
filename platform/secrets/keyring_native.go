//go:build windows || darwin

package secrets

import (
	"errors"

	"github.com/zalando/go-keyring"
)

// The Keychain and the Credential Manager need no bus.
func keyringAvailable() error { return nil }

func classifyPlatform(err error) error {
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return withCause(errors.New("password too long for the keyring"), err)
	}
	return withCause(errors.New("keyring error"), err)
}
