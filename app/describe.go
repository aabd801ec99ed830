package app

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"mailbell/mail"
)

// DescribeProbe says the result of "Test connection" in words a person
// understands: "Connected — 1,204 messages in INBOX", "Password rejected",
// "Certificate not trusted for imap.example.com", "Cannot reach
// imap.example.com:993", "Timed out". host, port and folder are what was
// tested; err is mail.Probe's error (it wraps mail's sentinels).
func DescribeProbe(info mail.FolderInfo, err error, host string, port int, folder string) string {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		noun := "messages"
		if info.Messages == 1 {
			noun = "message"
		}
		return "Connected — " + Thousands(info.Messages) + " " + noun + " in " + folder
	case errors.Is(err, mail.ErrAuth):
		return "Password rejected"
	case errors.Is(err, mail.ErrTLS):
		return "Certificate not trusted for " + host
	case errors.Is(err, mail.ErrNoSTARTTLS):
		return "Server does not offer STARTTLS"
	case errors.Is(err, mail.ErrInsecure):
		return "Without encryption Mailbell connects to this computer only: choose TLS or STARTTLS"
	case errors.Is(err, mail.ErrNoPassword):
		return "No password: type it in"
	case errors.Is(err, mail.ErrNoFolder):
		return "Folder " + folder + " cannot be opened"
	case errors.Is(err, mail.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "Timed out"
	case errors.Is(err, context.Canceled):
		return "Cancelled"
	case errors.As(err, &dnsErr):
		return "Cannot reach " + addr + ": no such server"
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTDOWN),
		errors.Is(err, syscall.ENETDOWN), errors.Is(err, syscall.EADDRNOTAVAIL):
		return "Cannot reach " + addr
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return "The server at " + addr + " closed the connection"
	case errors.Is(err, mail.ErrConfig):
		// "invalid account: imap.example.com does not speak TLS on port 143"
		return "Check the settings: " + strings.TrimPrefix(err.Error(), mail.ErrConfig.Error()+": ")
	}
	// mail's errors name the server and the step and never hold a secret.
	return "Failed: " + err.Error()
}

// Thousands writes n with comma separators: 1204 → "1,204".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
