// Package testcert is the tests' side of internal/localca (the throw-away
// CA the demo's server uses at run time): the same Set, and Must, which
// fails the test instead of returning an error.
package testcert

import (
	"testing"

	"mailbell/internal/localca"
)

// Set is a CA and a server certificate, PEM encoded.
type Set = localca.Set

// New makes a CA named caName and a certificate for hosts; see localca.New.
func New(caName string, hosts ...string) (*Set, error) { return localca.New(caName, hosts...) }

// Must is New for a test: a failure ends it with tb.Fatalf.
func Must(tb testing.TB, caName string, hosts ...string) *Set {
	tb.Helper()
	s, err := localca.New(caName, hosts...)
	if err != nil {
		tb.Fatalf("making test certificates: %v", err)
	}
	return s
}
