package goatest

import (
	"strings"

	"github.com/godbus/dbus/v5/introspect"
)

// The interfaces as a running goa-daemon 3.46 introspects them (gdbus
// introspect --session -d org.gnome.OnlineAccounts -o …/Accounts/account_1
// -x), OAuth2Based from Goa-1.0.gir; Account's Remove is left out.

// props lists read-only properties given as "type Name".
func props(specs ...string) []introspect.Property {
	out := make([]introspect.Property, len(specs))
	for i, spec := range specs {
		typ, name, _ := strings.Cut(spec, " ")
		out[i] = introspect.Property{Name: name, Type: typ, Access: "read"}
	}
	return out
}

var objectManagerData = introspect.Interface{
	Name: ifaceObjectManager,
	Methods: []introspect.Method{{Name: "GetManagedObjects", Args: []introspect.Arg{
		{Name: "object_paths_interfaces_and_properties", Type: "a{oa{sa{sv}}}", Direction: "out"}}}},
	Signals: []introspect.Signal{
		{Name: "InterfacesAdded", Args: []introspect.Arg{{Name: "object_path", Type: "o"}, {Name: "interfaces_and_properties", Type: "a{sa{sv}}"}}},
		{Name: "InterfacesRemoved", Args: []introspect.Arg{{Name: "object_path", Type: "o"}, {Name: "interfaces", Type: "as"}}},
	},
}

var propertiesData = introspect.Interface{
	Name: ifaceProperties,
	Methods: []introspect.Method{
		{Name: "Get", Args: []introspect.Arg{{Name: "interface_name", Type: "s", Direction: "in"}, {Name: "property_name", Type: "s", Direction: "in"}, {Name: "value", Type: "v", Direction: "out"}}},
		{Name: "GetAll", Args: []introspect.Arg{{Name: "interface_name", Type: "s", Direction: "in"}, {Name: "properties", Type: "a{sv}", Direction: "out"}}},
		{Name: "Set", Args: []introspect.Arg{{Name: "interface_name", Type: "s", Direction: "in"}, {Name: "property_name", Type: "s", Direction: "in"}, {Name: "value", Type: "v", Direction: "in"}}},
	},
	Signals: []introspect.Signal{{Name: "PropertiesChanged", Args: []introspect.Arg{{Name: "interface_name", Type: "s"}, {Name: "changed_properties", Type: "a{sv}"}, {Name: "invalidated_properties", Type: "as"}}}},
}

var accountData = introspect.Interface{
	Name:    ifaceAccount,
	Methods: []introspect.Method{{Name: "EnsureCredentials", Args: []introspect.Arg{{Name: "expires_in", Type: "i", Direction: "out"}}}},
	Properties: props("s ProviderType", "s ProviderName", "s ProviderIcon", "s Id",
		"b IsLocked", "b IsTemporary", "b AttentionNeeded", "s Identity", "s PresentationIdentity",
		"b MailDisabled", "b CalendarDisabled", "b ContactsDisabled", "b ChatDisabled",
		"b DocumentsDisabled", "b MapsDisabled", "b MusicDisabled", "b PrintersDisabled",
		"b PhotosDisabled", "b FilesDisabled", "b TicketingDisabled", "b TodoDisabled", "b ReadLaterDisabled"),
}

var mailData = introspect.Interface{
	Name: ifaceMail,
	Properties: props("s EmailAddress", "s Name", "b ImapSupported", "b ImapAcceptSslErrors",
		"s ImapHost", "b ImapUseSsl", "b ImapUseTls", "s ImapUserName",
		"b SmtpSupported", "b SmtpAcceptSslErrors", "s SmtpHost", "b SmtpUseAuth",
		"b SmtpAuthLogin", "b SmtpAuthPlain", "b SmtpAuthXoauth2", "b SmtpUseSsl", "b SmtpUseTls",
		"s SmtpUserName"),
}

var oauth2Data = introspect.Interface{
	Name: ifaceOAuth2Based,
	Methods: []introspect.Method{{Name: "GetAccessToken", Args: []introspect.Arg{
		{Name: "access_token", Type: "s", Direction: "out"}, {Name: "expires_in", Type: "i", Direction: "out"}}}},
	Properties: props("s ClientId", "s ClientSecret"),
}

var passwordData = introspect.Interface{
	Name: ifacePasswordBased,
	Methods: []introspect.Method{{Name: "GetPassword", Args: []introspect.Arg{
		{Name: "id", Type: "s", Direction: "in"}, {Name: "password", Type: "s", Direction: "out"}}}},
}
