package localca

import (
	"crypto/x509"
	"errors"
	"testing"
)

// leafOf makes a Set for hosts and returns it with its parsed leaf; every
// failure ends the test instead of leaving a nil behind.
func leafOf(t *testing.T, caName string, hosts ...string) (*Set, *x509.Certificate) {
	t.Helper()
	s, err := New(caName, hosts...)
	if err != nil {
		t.Fatalf("New(%q): %v", caName, err)
	}
	c, err := s.TLSCertificate()
	if err != nil {
		t.Fatalf("TLSCertificate: %v", err)
	}
	if len(c.Certificate) == 0 {
		t.Fatal("TLSCertificate has no certificate")
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatalf("parsing the leaf: %v", err)
	}
	return s, leaf
}

func TestVerifies(t *testing.T) {
	s, leaf := leafOf(t, "test CA")
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: s.Pool()}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	other, leaf := leafOf(t, "other", "other.example")
	var hostErr x509.HostnameError
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: other.Pool()}); !errors.As(err, &hostErr) {
		t.Fatalf("want a hostname error, got %v", err)
	}
}
