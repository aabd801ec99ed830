// Package reliability proves Mailbell's invariants (../shared/DESIGN.md)
// under stress: a fault soak between the core and a real Dovecot, kill -9
// restarts of the headless binary, UIDVALIDITY changes, awkward servers,
// hostile input and the secrecy of passwords. See RELIABILITY.md.
//
// Most of it is tests; the soak itself lives in a normal file so that
// cmd/soak can run it for as long as asked.
package reliability
