// Package peers holds the benchmarks of issue 7 (`make bench`): Mailbell
// side by side with the floor of its stack — a bare go-imap v2 IDLE client —
// and with a notifier people use today, Mailnag (Debian's `mailnag`), all
// against the same private Dovecot on loopback.
//
//   - BenchmarkLatencySmall, BenchmarkLatencyBig: delivery → notification
//     latency on an almost empty INBOX and on one of 100,000 messages with
//     2,000 unread; all clients watch at once.
//   - BenchmarkStartupBinary: process start → watching on 10 vs 100,000
//     messages, time and bytes, the Mailbell binary beside a bare client.
//   - BenchmarkIdle: CPU, memory, wakeups and wire bytes of the background
//     process (with its tray) and of headless mode over MAILBELL_BENCH_IDLE
//     (default 10m) with 3 accounts; then the window: tray click → mapped
//     window, and its cost while open.
//   - BenchmarkBurst: 10,000 messages at once → the summary notification,
//     and peak memory.
//   - BenchmarkBytesPerMessage: bytes fetched for one ordinary new message,
//     envelope only, against a naive full-message fetch.
//
// Each benchmark runs once (-benchtime 1x), prints its table to stdout and
// adds a section to BENCHMARKS.md in the output folder (MAILBELL_BENCH_OUT,
// default $TMPDIR/mailbell-bench), beside latency.svg, the plot of latency
// per client. Mailnag runs through mailnag/launcher.py, which keeps it from
// reaching outside the machine.
package peers
