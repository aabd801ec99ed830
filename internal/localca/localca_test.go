package testcert

import (
	"crypto/x509"
	"errors"
	"testing"
)

func TestVerifies(t *testing.T) {
	s, err := New("test CA")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: s.Pool()}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	other, _ := New("other", "other.example")
	c, _ = other.TLSCertificate()
	leaf, _ = x509.ParseCertificate(c.Certificate[0])
	var hostErr x509.HostnameError
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: other.Pool()}); !errors.As(err, &hostErr) {
		t.Fatalf("want a hostname error, got %v", err)
	}
}
