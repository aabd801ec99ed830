// Package testenv holds nothing itself: its subfolders are the harnesses that
// only tests, benchmarks and the reliability runs use — a private Dovecot,
// a headless desktop (Xvfb, D-Bus, dunst, gnome-keyring), a StatusNotifier
// watcher, a fault-injecting proxy and test certificates. Nothing that ships
// imports them.
package testenv
