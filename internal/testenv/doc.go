// Package testenv holds nothing itself: its subfolders are the harnesses that
// only tests, benchmarks and the reliability runs use — the in-memory IMAP
// server with its test-only parts and a scripted hostile one (imaptest), a
// private Dovecot (dovecottest), a headless desktop with Xvfb, D-Bus, dunst
// and gnome-keyring (desktoptest), a StatusNotifier watcher (sniwatcher), a
// real tray host's set-up, Xfce's panel (xfcepanel: no Go, a panel layout
// and the tray-menu screenshot script; e2e starts the panel itself), a
// GNOME Online Accounts stand-in and the real goa-daemon's harness (goatest), a
// fault-injecting proxy (faultproxy), test certificates (testcert), the
// built binary run as a child process (proctest) and subjects in many
// scripts with the fonts they need (scriptsamples). Nothing that ships imports
// them; what ships and tests share (the demo's server, its CA) lives beside
// the demo, in internal/demo/memserver and internal/localca.
package testenv
