package goa

// The D-Bus names of GNOME Online Accounts, as goa-daemon 3.46 exports them
// (checked against Debian's libgoa-1.0-dev Goa-1.0.gir and by introspecting
// a running goa-daemon). The test stand-in, internal/testenv/goatest, spells
// them out on its own, and the real goa-daemon test checks them too.
const (
	// BusName is the well-known name goa-daemon owns on the session bus.
	BusName = "org.gnome.OnlineAccounts"
	// ManagerPath carries org.freedesktop.DBus.ObjectManager; every account
	// is an object below it (/org/gnome/OnlineAccounts/Accounts/<Id>).
	ManagerPath = "/org/gnome/OnlineAccounts"

	IfaceObjectManager = "org.freedesktop.DBus.ObjectManager"
	IfaceAccount       = "org.gnome.OnlineAccounts.Account"
	IfaceMail          = "org.gnome.OnlineAccounts.Mail"
	// IfaceOAuth2Based: GetAccessToken() → (s access_token, i expires_in).
	IfaceOAuth2Based = "org.gnome.OnlineAccounts.OAuth2Based"
	// IfacePasswordBased: GetPassword(s id) → (s password).
	IfacePasswordBased = "org.gnome.OnlineAccounts.PasswordBased"

	// IMAPPasswordID is the id GetPassword takes for the IMAP password of an
	// "IMAP and SMTP" account (its credentials also hold "smtp-password").
	IMAPPasswordID = "imap-password"
)

// D-Bus error names goa-daemon answers with (GoaError, registered by
// libgoa), and the bus's own ones this package tells apart.
const (
	errGoaNotAuthorized = "org.gnome.OnlineAccounts.Error.NotAuthorized"

	errServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
	errNameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
	errUnknownObject  = "org.freedesktop.DBus.Error.UnknownObject"
	errNoSuchObject   = "org.freedesktop.DBus.Error.NoSuchObject" // godbus's UnknownObject
	errUnknownMethod  = "org.freedesktop.DBus.Error.UnknownMethod"
	errUnknownIface   = "org.freedesktop.DBus.Error.UnknownInterface"
	errSpawnPrefix    = "org.freedesktop.DBus.Error.Spawn."
)
