// Package oauth signs Mailbell in to Google, Microsoft and other OAuth2
// providers and keeps the tokens fresh. It has no Fyne, keyring or config
// dependency: the core and the command line wire it up.
//
//   - Providers (provider.go, clientid.go): endpoints, scopes, IMAP host and
//     client IDs — the build's defaults (set with -ldflags -X) or the
//     account's own.
//   - Manager (manager.go): one per account, a mail.Credentials and
//     mail.TokenRejecter. The access token lives only in memory; the
//     refresh token lives in an injected RefreshStore (the keyring) and is
//     saved again every time the provider rotates it.
//   - Sign-in (signin.go, device.go, terminal.go): authorization code with
//     PKCE and a loopback redirect on 127.0.0.1 (RFC 8252), the device-code
//     flow where the provider allows it for mail (Microsoft), and a
//     terminal front-end for `mailbell signin`.
//
// Tokens never appear in this package's errors or log records: errors from
// the token endpoint are rebuilt from the OAuth2 error code and HTTP status
// (see endpointError), never from the response body.
package oauth
