// Package goatest stands in for goa-daemon (GNOME Online Accounts) on a
// private test bus: it owns org.gnome.OnlineAccounts and exports, under
// the org.freedesktop.DBus.ObjectManager at /org/gnome/OnlineAccounts, one
// object per account at /org/gnome/OnlineAccounts/Accounts/<Id> with the
// real interfaces — org.gnome.OnlineAccounts.Account, .Mail, .OAuth2Based
// (GetAccessToken → (s, i)) and .PasswordBased (GetPassword(s) → s) — and
// their real property names and types, as goa-daemon 3.46 introspects.
//
// It exists because goa-daemon's Google and Microsoft providers refresh
// their tokens over the internet, so the OAuth2 path cannot run against the
// real daemon in a test. The names are spelled out here, not imported from
// platform/goa, so a typo there fails the test instead of being shared.
// (daemon.go runs the real goa-daemon for the "IMAP and SMTP" path.)
package goatest

import (
	"fmt"
	"sort"
	"sync"

	dbus "github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
)

// Names as goa-daemon exports them.
const (
	BusName      = "org.gnome.OnlineAccounts"
	ManagerPath  = dbus.ObjectPath("/org/gnome/OnlineAccounts")
	AccountsPath = "/org/gnome/OnlineAccounts/Accounts/"

	ifaceObjectManager = "org.freedesktop.DBus.ObjectManager"
	ifaceProperties    = "org.freedesktop.DBus.Properties"
	ifaceIntrospect    = "org.freedesktop.DBus.Introspectable"
	ifaceAccount       = "org.gnome.OnlineAccounts.Account"
	ifaceMail          = "org.gnome.OnlineAccounts.Mail"
	ifaceOAuth2Based   = "org.gnome.OnlineAccounts.OAuth2Based"
	ifacePasswordBased = "org.gnome.OnlineAccounts.PasswordBased"

	// ErrNotAuthorized is goa-daemon's answer when a provider refuses the
	// account's credentials (revoked, expired, wrong password).
	ErrNotAuthorized = "org.gnome.OnlineAccounts.Error.NotAuthorized"
	// ErrFailed is goa-daemon's generic failure (e.g. the token endpoint
	// is unreachable, or GetPassword was asked for an unknown id).
	ErrFailed = "org.freedesktop.Goa.Error.Failed"
	// ErrObjectGone is what gdbus answers for a call on an object that is
	// no longer exported.
	ErrObjectGone = "org.freedesktop.DBus.Error.UnknownMethod"
)

// Auth selects the sign-in interface an account exports.
type Auth int

const (
	// AuthNone exports neither OAuth2Based nor PasswordBased.
	AuthNone Auth = iota
	// AuthOAuth2 exports OAuth2Based (Google, Microsoft).
	AuthOAuth2
	// AuthPassword exports PasswordBased ("IMAP and SMTP").
	AuthPassword
)

// Account is one account of the stand-in. Fields named like a D-Bus
// property are exported as that property.
type Account struct {
	ID                   string
	ProviderType         string // "google", "ms_graph", "imap_smtp", …
	ProviderName         string // "Google", "IMAP and SMTP", …
	Identity             string
	PresentationIdentity string
	MailDisabled         bool
	AttentionNeeded      bool

	// NoMail leaves the Mail interface out (a provider without mail).
	NoMail              bool
	EmailAddress        string
	ImapHost            string
	ImapUserName        string
	ImapUseSsl          bool
	ImapUseTls          bool
	ImapAcceptSslErrors bool

	Auth Auth
	// Token and ExpiresIn are GetAccessToken's answer (AuthOAuth2).
	Token     string
	ExpiresIn int32
	// Passwords are GetPassword's answers by id ("imap-password",
	// "smtp-password") (AuthPassword).
	Passwords map[string]string
}

// Server is the running stand-in.
type Server struct {
	conn *dbus.Conn

	mu       sync.Mutex
	accounts map[string]*object
}

// object is one exported account.
type object struct {
	srv  *Server
	path dbus.ObjectPath

	// Guarded by srv.mu.
	acct      Account
	nextError *dbus.Error
	hold      chan struct{} // non-nil: the next secret call waits for it
	calls     map[string]int
}

// Start connects to the bus at busAddress, exports the ObjectManager and
// takes org.gnome.OnlineAccounts. Close releases everything.
func Start(busAddress string) (*Server, error) {
	conn, err := dbus.Connect(busAddress)
	if err != nil {
		return nil, fmt.Errorf("goatest: connecting to %s: %w", busAddress, err)
	}
	s := &Server{conn: conn, accounts: map[string]*object{}}
	if err := conn.Export(managerHandler{s}, ManagerPath, ifaceObjectManager); err != nil {
		conn.Close()
		return nil, fmt.Errorf("goatest: %w", err)
	}
	if err := conn.Export(introspectHandler(func() string { return s.managerXML() }), ManagerPath, ifaceIntrospect); err != nil {
		conn.Close()
		return nil, fmt.Errorf("goatest: %w", err)
	}
	reply, err := conn.RequestName(BusName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("goatest: could not own %s (reply %v): %v", BusName, reply, err)
	}
	return s, nil
}

// Close drops the name and the connection: clients then see no
// Online Accounts on the bus.
func (s *Server) Close() error {
	return s.conn.Close()
}

// Add exports a and announces it with InterfacesAdded.
func (s *Server) Add(a Account) error {
	if a.ID == "" || !dbus.ObjectPath(AccountsPath+a.ID).IsValid() {
		return fmt.Errorf("goatest: unusable account id %q", a.ID)
	}
	s.mu.Lock()
	if _, dup := s.accounts[a.ID]; dup {
		s.mu.Unlock()
		return fmt.Errorf("goatest: account %s exists", a.ID)
	}
	o := &object{srv: s, path: dbus.ObjectPath(AccountsPath + a.ID), acct: a, calls: map[string]int{}}
	s.accounts[a.ID] = o
	ifaces := o.propsLocked()
	s.mu.Unlock()

	exports := []struct {
		v     any
		iface string
	}{
		{propsHandler{o}, ifaceProperties},
		{accountHandler{o}, ifaceAccount},
		{introspectHandler(func() string { return o.xml() }), ifaceIntrospect},
	}
	switch a.Auth {
	case AuthOAuth2:
		exports = append(exports, struct {
			v     any
			iface string
		}{oauth2Handler{o}, ifaceOAuth2Based})
	case AuthPassword:
		exports = append(exports, struct {
			v     any
			iface string
		}{passwordHandler{o}, ifacePasswordBased})
	}
	for _, e := range exports {
		if err := s.conn.Export(e.v, o.path, e.iface); err != nil {
			return fmt.Errorf("goatest: %w", err)
		}
	}
	return s.conn.Emit(ManagerPath, ifaceObjectManager+".InterfacesAdded", o.path, ifaces)
}

// Remove unexports the account and announces it with InterfacesRemoved,
// as goa-daemon does when the user removes it in Settings.
func (s *Server) Remove(id string) error {
	s.mu.Lock()
	o, ok := s.accounts[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("goatest: no account %s", id)
	}
	delete(s.accounts, id)
	names := make([]string, 0, 4)
	for n := range o.propsLocked() {
		names = append(names, n)
	}
	s.mu.Unlock()
	sort.Strings(names)
	for _, iface := range append(names, ifaceProperties, ifaceIntrospect) {
		if err := s.conn.Export(nil, o.path, iface); err != nil {
			return fmt.Errorf("goatest: %w", err)
		}
	}
	return s.conn.Emit(ManagerPath, ifaceObjectManager+".InterfacesRemoved", o.path, names)
}

// SetAttentionNeeded changes the account's AttentionNeeded and emits
// PropertiesChanged, as goa-daemon does after a failed EnsureCredentials.
func (s *Server) SetAttentionNeeded(id string, v bool) error {
	s.mu.Lock()
	o, ok := s.accounts[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("goatest: no account %s", id)
	}
	o.acct.AttentionNeeded = v
	s.mu.Unlock()
	return s.conn.Emit(o.path, ifaceProperties+".PropertiesChanged", ifaceAccount,
		map[string]dbus.Variant{"AttentionNeeded": dbus.MakeVariant(v)}, []string{})
}

// SetToken changes what GetAccessToken answers next (a refreshed token).
func (s *Server) SetToken(id, token string, expiresIn int32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.accounts[id]
	if !ok {
		return fmt.Errorf("goatest: no account %s", id)
	}
	o.acct.Token, o.acct.ExpiresIn = token, expiresIn
	return nil
}

// FailNextCall makes the account's next GetAccessToken or GetPassword
// answer with the D-Bus error name (ErrNotAuthorized, ErrFailed,
// ErrObjectGone, …) and message instead.
func (s *Server) FailNextCall(id, name, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.accounts[id]
	if !ok {
		return fmt.Errorf("goatest: no account %s", id)
	}
	o.nextError = dbus.NewError(name, []any{message})
	return nil
}

// HoldNextCall makes the account's next GetAccessToken or GetPassword wait
// until release is called, as goa-daemon does behind a locked keyring or a
// hung token endpoint. Release before Close.
func (s *Server) HoldNextCall(id string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.accounts[id]
	if !ok {
		return nil, fmt.Errorf("goatest: no account %s", id)
	}
	ch := make(chan struct{})
	o.hold = ch
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }, nil
}

// Calls returns how often the account's method (e.g. "GetAccessToken",
// "GetPassword", "EnsureCredentials") was called, failed calls included.
func (s *Server) Calls(id, method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.accounts[id]; ok {
		return o.calls[method]
	}
	return 0
}

// propsLocked returns the object's interfaces and properties as
// GetManagedObjects gives them. Caller holds srv.mu.
func (o *object) propsLocked() map[string]map[string]dbus.Variant {
	a := o.acct
	v := dbus.MakeVariant
	out := map[string]map[string]dbus.Variant{
		ifaceAccount: {
			"ProviderType":         v(a.ProviderType),
			"ProviderName":         v(a.ProviderName),
			"ProviderIcon":         v(". GThemedIcon mail-unread-symbolic"),
			"Id":                   v(a.ID),
			"IsLocked":             v(false),
			"IsTemporary":          v(false),
			"AttentionNeeded":      v(a.AttentionNeeded),
			"Identity":             v(a.Identity),
			"PresentationIdentity": v(a.PresentationIdentity),
			"MailDisabled":         v(a.MailDisabled),
			"CalendarDisabled":     v(false),
			"ContactsDisabled":     v(false),
			"ChatDisabled":         v(false),
			"DocumentsDisabled":    v(false),
			"MapsDisabled":         v(false),
			"MusicDisabled":        v(false),
			"PrintersDisabled":     v(false),
			"PhotosDisabled":       v(false),
			"FilesDisabled":        v(false),
			"TicketingDisabled":    v(false),
			"TodoDisabled":         v(false),
			"ReadLaterDisabled":    v(false),
		},
	}
	if !a.NoMail {
		out[ifaceMail] = map[string]dbus.Variant{
			"EmailAddress":        v(a.EmailAddress),
			"Name":                v(""),
			"ImapSupported":       v(a.ImapHost != ""),
			"ImapAcceptSslErrors": v(a.ImapAcceptSslErrors),
			"ImapHost":            v(a.ImapHost),
			"ImapUseSsl":          v(a.ImapUseSsl),
			"ImapUseTls":          v(a.ImapUseTls),
			"ImapUserName":        v(a.ImapUserName),
			"SmtpSupported":       v(false),
			"SmtpAcceptSslErrors": v(false),
			"SmtpHost":            v(""),
			"SmtpUseAuth":         v(false),
			"SmtpAuthLogin":       v(false),
			"SmtpAuthPlain":       v(false),
			"SmtpAuthXoauth2":     v(false),
			"SmtpUseSsl":          v(false),
			"SmtpUseTls":          v(false),
			"SmtpUserName":        v(""),
		}
	}
	switch a.Auth {
	case AuthOAuth2:
		out[ifaceOAuth2Based] = map[string]dbus.Variant{"ClientId": v("stand-in-client"), "ClientSecret": v("")}
	case AuthPassword:
		out[ifacePasswordBased] = map[string]dbus.Variant{}
	}
	return out
}

// call counts a method call and returns the account, or the error
// FailNextCall queued, or gdbus's error for an object removed meanwhile.
func (o *object) call(method string) (a Account, err *dbus.Error) {
	o.srv.mu.Lock()
	hold := o.hold
	if method != "EnsureCredentials" {
		o.hold = nil
	} else {
		hold = nil
	}
	o.srv.mu.Unlock()
	if hold != nil {
		<-hold
	}
	o.srv.mu.Lock()
	defer o.srv.mu.Unlock()
	o.calls[method]++
	if o.srv.accounts[o.acct.ID] != o {
		return Account{}, dbus.NewError(ErrObjectGone, []any{"Object does not exist at path " + string(o.path)})
	}
	if e := o.nextError; e != nil {
		o.nextError = nil
		return Account{}, e
	}
	return o.acct, nil
}

type managerHandler struct{ s *Server }

// GetManagedObjects implements org.freedesktop.DBus.ObjectManager.
func (h managerHandler) GetManagedObjects() (map[dbus.ObjectPath]map[string]map[string]dbus.Variant, *dbus.Error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	out := map[dbus.ObjectPath]map[string]map[string]dbus.Variant{}
	for _, o := range h.s.accounts {
		out[o.path] = o.propsLocked()
	}
	return out, nil
}

type propsHandler struct{ o *object }

// Get implements org.freedesktop.DBus.Properties.
func (h propsHandler) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	all, err := h.GetAll(iface)
	if err != nil {
		return dbus.Variant{}, err
	}
	v, ok := all[name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.InvalidArgs", []any{"No such property " + name})
	}
	return v, nil
}

// GetAll implements org.freedesktop.DBus.Properties.
func (h propsHandler) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	h.o.srv.mu.Lock()
	defer h.o.srv.mu.Unlock()
	m, ok := h.o.propsLocked()[iface]
	if !ok {
		return nil, dbus.NewError("org.freedesktop.DBus.Error.InvalidArgs", []any{"No such interface " + iface})
	}
	return m, nil
}

// Set implements org.freedesktop.DBus.Properties; the stand-in's
// properties are read-only to clients.
func (h propsHandler) Set(iface, name string, _ dbus.Variant) *dbus.Error {
	return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly", []any{iface + "." + name + " is read-only in the stand-in"})
}

type accountHandler struct{ o *object }

// EnsureCredentials implements org.gnome.OnlineAccounts.Account: it fails
// with NotAuthorized (and sets AttentionNeeded) while the account needs
// attention, as goa-daemon does.
func (h accountHandler) EnsureCredentials() (int32, *dbus.Error) {
	a, err := h.o.call("EnsureCredentials")
	if err != nil {
		return 0, err
	}
	if a.AttentionNeeded {
		return 0, dbus.NewError(ErrNotAuthorized, []any{"Credentials not found or expired"})
	}
	return a.ExpiresIn, nil
}

type oauth2Handler struct{ o *object }

// GetAccessToken implements org.gnome.OnlineAccounts.OAuth2Based.
func (h oauth2Handler) GetAccessToken() (string, int32, *dbus.Error) {
	a, err := h.o.call("GetAccessToken")
	if err != nil {
		return "", 0, err
	}
	return a.Token, a.ExpiresIn, nil
}

type passwordHandler struct{ o *object }

// GetPassword implements org.gnome.OnlineAccounts.PasswordBased, with
// goa-daemon's error for an id the credentials do not hold.
func (h passwordHandler) GetPassword(id string) (string, *dbus.Error) {
	a, err := h.o.call("GetPassword")
	if err != nil {
		return "", err
	}
	pw, ok := a.Passwords[id]
	if !ok {
		return "", dbus.NewError(ErrFailed, []any{fmt.Sprintf("Did not find %s with identity “%s” in credentials", id, a.Identity)})
	}
	return pw, nil
}

type introspectHandler func() string

// Introspect implements org.freedesktop.DBus.Introspectable.
func (h introspectHandler) Introspect() (string, *dbus.Error) { return h(), nil }

func (s *Server) managerXML() string {
	return nodeXML(introspect.Node{Interfaces: []introspect.Interface{introspect.IntrospectData, objectManagerData}})
}

func (o *object) xml() string {
	o.srv.mu.Lock()
	auth := o.acct.Auth
	noMail := o.acct.NoMail
	o.srv.mu.Unlock()
	ifaces := []introspect.Interface{introspect.IntrospectData, propertiesData, accountData}
	if !noMail {
		ifaces = append(ifaces, mailData)
	}
	switch auth {
	case AuthOAuth2:
		ifaces = append(ifaces, oauth2Data)
	case AuthPassword:
		ifaces = append(ifaces, passwordData)
	}
	return nodeXML(introspect.Node{Interfaces: ifaces})
}

func nodeXML(n introspect.Node) string {
	return string(introspect.NewIntrospectable(&n))
}
