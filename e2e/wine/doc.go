// Package wine holds the Wine tests of Mailbell's Windows build (issue 16):
// the background executable cross-built for windows/amd64 runs headless
// under Wine against the test Dovecot on loopback, with its password in
// Wine's Credential Manager and its control channel on a named pipe. See
// wine_test.go and the README's Windows section for what Wine cannot show.
package wine
