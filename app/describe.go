package app

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"mailbell/app/l10n"
	"mailbell/mail"
)

// DescribeProbe says the result of "Test connection" in words a person
// understands, in the current language: "Connected — 1,204 messages in
// INBOX", "Password rejected", "Certificate not trusted for
// imap.example.com", "Cannot reach imap.example.com:993", "Timed out".
// host, port and folder are what was tested; err is mail.Probe's error (it
// wraps mail's sentinels). The technical detail of an error without words
// of its own (mail's, English) is kept as it is.
func DescribeProbe(info mail.FolderInfo, err error, host string, port int, folder string) string {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return l10n.N("probe.connected", info.Messages, l10n.Args{"Folder": folder})
	case errors.Is(err, mail.ErrAuth):
		return l10n.T("probe.password_rejected")
	case errors.Is(err, mail.ErrTLS):
		return l10n.T("probe.cert_untrusted", l10n.Args{"Host": host})
	case errors.Is(err, mail.ErrNoSTARTTLS):
		return l10n.T("probe.no_starttls")
	case errors.Is(err, mail.ErrInsecure):
		return l10n.T("probe.insecure")
	case errors.Is(err, mail.ErrNoPassword):
		return l10n.T("probe.no_password")
	case errors.Is(err, mail.ErrNoFolder):
		return l10n.T("probe.no_folder", l10n.Args{"Folder": folder})
	case errors.Is(err, mail.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return l10n.T("probe.timeout")
	case errors.Is(err, context.Canceled):
		return l10n.T("probe.cancelled")
	case errors.As(err, &dnsErr):
		return l10n.T("probe.no_such_server", l10n.Args{"Address": addr})
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTDOWN),
		errors.Is(err, syscall.ENETDOWN), errors.Is(err, syscall.EADDRNOTAVAIL):
		return l10n.T("probe.unreachable", l10n.Args{"Address": addr})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return l10n.T("probe.closed", l10n.Args{"Address": addr})
	case errors.Is(err, mail.ErrConfig):
		// "invalid account: imap.example.com does not speak TLS on port 143"
		return CheckSettings(strings.TrimPrefix(err.Error(), mail.ErrConfig.Error()+": "))
	}
	// mail's errors name the server and the step and never hold a secret.
	return l10n.T("probe.failed", l10n.Args{"Error": err.Error()})
}

// CheckSettings is "Check the settings: " and problem, in the current
// language.
func CheckSettings(problem string) string {
	return l10n.T("probe.check_settings", l10n.Args{"Problem": problem})
}

// Thousands writes n with the current language's digit grouping: 1204 →
// "1,204" in English, "1.204" in German (l10n.Number).
func Thousands(n int) string { return l10n.Number(n) }
