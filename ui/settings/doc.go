// Package settings is the settings window's controller, without Fyne: the
// account form's fields (listed once, in AccountFields), what they mean as
// a config.Account, their validation as the person types, and the calls
// to the core that load, save, remove and test (through Backend, the
// control socket's client).
//
// The core is the only writer of config.json and of the secret store: this
// package sends intents and turns the core's answers (field errors in the
// config loader's words, a connection test's result) into what the form
// shows next to each field. It never reads or writes the keyring or the
// config file itself.
//
// Every Controller method blocks on the socket: call them off the UI
// goroutine.
package settings
