package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"mailbell/mail"
)

type probeCase struct {
	name string
	info mail.FolderInfo
	err  error
	want string
}

// probeCases are DescribeProbe's cases with their English words.
func probeCases() []probeCase {
	refused := fmt.Errorf("cannot reach imap.example.com:993: %w", &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED})
	return []probeCase{
		{"ok", mail.FolderInfo{Messages: 1204}, nil, "Connected — 1,204 messages in INBOX"},
		{"one", mail.FolderInfo{Messages: 1}, nil, "Connected — 1 message in INBOX"},
		{"empty", mail.FolderInfo{}, nil, "Connected — 0 messages in INBOX"},
		{"auth", mail.FolderInfo{}, fmt.Errorf("%w for ann", mail.ErrAuth), "Password rejected"},
		{"tls", mail.FolderInfo{}, fmt.Errorf("%w for imap.example.com: unknown issuer", mail.ErrTLS), "Certificate not trusted for imap.example.com"},
		{"refused", mail.FolderInfo{}, refused, "Cannot reach imap.example.com:993"},
		{"dns", mail.FolderInfo{}, fmt.Errorf("cannot reach x: %w", &net.DNSError{Err: "no such host", Name: "imap.example.com", IsNotFound: true}), "Cannot reach imap.example.com:993: no such server"},
		{"timeout", mail.FolderInfo{}, fmt.Errorf("cannot reach imap.example.com:993: %w", mail.ErrTimeout), "Timed out"},
		{"deadline", mail.FolderInfo{}, context.DeadlineExceeded, "Timed out"},
		{"starttls", mail.FolderInfo{}, fmt.Errorf("%w (imap.example.com)", mail.ErrNoSTARTTLS), "Server does not offer STARTTLS"},
		{"folder", mail.FolderInfo{}, fmt.Errorf("%w: %q: no such mailbox", mail.ErrNoFolder, "INBOX"), "Folder INBOX cannot be opened"},
		{"config", mail.FolderInfo{}, fmt.Errorf("%w: imap.example.com does not speak TLS on port 143", mail.ErrConfig), "Check the settings: imap.example.com does not speak TLS on port 143"},
		{"other", mail.FolderInfo{}, errors.New("EXAMINE INBOX: server said NO busy"), "Failed: EXAMINE INBOX: server said NO busy"},
		{"insecure", mail.FolderInfo{}, fmt.Errorf("%w: imap.example.com", mail.ErrInsecure), "Without encryption Mailbell connects to this computer only: choose TLS or STARTTLS"},
		{"no password", mail.FolderInfo{}, mail.ErrNoPassword, "No password: type it in"},
		{"cancelled", mail.FolderInfo{}, context.Canceled, "Cancelled"},
		{"closed", mail.FolderInfo{}, fmt.Errorf("reading greeting: %w", io.ErrUnexpectedEOF), "The server at imap.example.com:993 closed the connection"},
	}
}

func TestDescribeProbe(t *testing.T) {
	for _, tt := range probeCases() {
		if got := DescribeProbe(tt.info, tt.err, "imap.example.com", 993, "INBOX"); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1204: "1,204", 100000: "100,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
