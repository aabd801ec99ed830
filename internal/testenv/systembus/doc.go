// Package systembus starts a private, system-like D-Bus daemon for tests:
// its own socket, a permissive policy (anyone may own any name, so a test
// can stand in for logind or NetworkManager) and no service directories,
// so nothing is ever activated. Point the code under test at it with
// DBUS_SYSTEM_BUS_ADDRESS=Bus.Address.
//
// It does not import "testing", like the other harnesses; Linux (Debian's
// dbus-daemon) in practice.
package systembus
