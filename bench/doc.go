// Package bench holds Mailbell's benchmarks (`make bench`): the watcher's
// delivery → new-message latency beside a bare go-imap IDLE client, and its
// startup cost on small and huge folders beside a naive client.
//
// Every benchmark runs once (-benchtime 1x) and prints its own table to
// stdout; the figures are also reported as benchmark metrics. They need a
// Dovecot (installed by `make deps`) and fail without it.
package bench
