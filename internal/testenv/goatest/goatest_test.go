//go:build linux

package goatest_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"

	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/goatest"
)

func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not installed under CI=true: run make deps (%v)", what, err)
	}
	t.Skipf("%s not installed: %v", what, err)
}

func startSession(t *testing.T, opts desktoptest.Options) *desktoptest.Session {
	t.Helper()
	s, err := desktoptest.Start(opts)
	if err != nil {
		t.Fatalf("desktoptest.Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// shape is what a client can observe of one account object: per
// interface, the properties with their D-Bus types as GetManagedObjects
// gives them, and the introspected methods and property types.
type shape map[string]ifaceShape

type ifaceShape struct {
	Values  map[string]string // property → signature of its value
	Methods []string          // "Name(in s, out i)"
	Props   []string          // "type Name" as introspected
}

func observe(t *testing.T, addr string, id string) (dbus.ObjectPath, shape) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := conn.Object(goatest.BusName, goatest.ManagerPath).
		CallWithContext(ctx, "org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs); err != nil {
		t.Fatalf("GetManagedObjects on %s: %v", addr, err)
	}
	for path, ifaces := range objs {
		if v, ok := ifaces["org.gnome.OnlineAccounts.Account"]["Id"]; !ok || v.Value() != id {
			continue
		}
		var x string
		if err := conn.Object(goatest.BusName, path).
			CallWithContext(ctx, "org.freedesktop.DBus.Introspectable.Introspect", 0).Store(&x); err != nil {
			t.Fatalf("Introspect %s: %v", path, err)
		}
		var node introspect.Node
		if err := xml.Unmarshal([]byte(x), &node); err != nil {
			t.Fatalf("introspection of %s: %v", path, err)
		}
		sh := shape{}
		for name, props := range ifaces {
			is := ifaceShape{Values: map[string]string{}}
			for p, v := range props {
				is.Values[p] = v.Signature().String()
			}
			for _, in := range node.Interfaces {
				if in.Name != name {
					continue
				}
				for _, m := range in.Methods {
					var args []string
					for _, a := range m.Args {
						args = append(args, a.Direction+" "+a.Type)
					}
					is.Methods = append(is.Methods, m.Name+"("+strings.Join(args, ", ")+")")
				}
				for _, p := range in.Properties {
					is.Props = append(is.Props, p.Type+" "+p.Name)
				}
			}
			sort.Strings(is.Methods)
			sort.Strings(is.Props)
			sh[name] = is
		}
		return path, sh
	}
	t.Fatalf("no account %s on %s (objects %v)", id, addr, objs)
	return "", nil
}

// TestStandInMatchesRealDaemon exports the same two accounts — an "IMAP
// and SMTP" one and a Google one — from the real goa-daemon and from the
// stand-in, and compares what a client sees: object paths, interfaces,
// property names and value types, introspected methods and property types.
// Only Account.Remove is left out of the stand-in on purpose.
func TestStandInMatchesRealDaemon(t *testing.T) {
	_, err := goatest.DaemonPath()
	need(t, "goa-daemon (gnome-online-accounts)", err)
	for _, bin := range []string{"dbus-daemon", "gnome-keyring-daemon", "secret-tool"} {
		_, err := exec.LookPath(bin)
		need(t, bin, err)
	}

	imapAcct := goatest.IMAPAccount{ID: "account_1700000003_0", Address: "erin@example.test",
		Host: "127.0.0.1:1", User: "erin", UseTls: true, Password: "pw"}
	googleAcct := goatest.OAuth2Account{ID: "account_1700000004_1", Provider: "google", Address: "frank@gmail.com"}

	real := startSession(t, desktoptest.Options{DBus: true, Keyring: true})
	if err := goatest.WriteAccounts(real.ConfigHome, imapAcct, googleAcct); err != nil {
		t.Fatal(err)
	}
	if err := goatest.StorePassword(real, imapAcct); err != nil {
		t.Fatal(err)
	}
	d, err := goatest.StartDaemon(real, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop() })

	fake := startSession(t, desktoptest.Options{DBus: true})
	srv, err := goatest.Start(fake.BusAddress)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	for _, a := range []goatest.Account{
		{ID: imapAcct.ID, ProviderType: "imap_smtp", ProviderName: "IMAP and SMTP", Identity: "erin",
			PresentationIdentity: imapAcct.Address, EmailAddress: imapAcct.Address, ImapHost: imapAcct.Host,
			ImapUserName: "erin", ImapUseTls: true, Auth: goatest.AuthPassword},
		{ID: googleAcct.ID, ProviderType: "google", ProviderName: "Google", Identity: googleAcct.Address,
			PresentationIdentity: googleAcct.Address, EmailAddress: googleAcct.Address, ImapHost: "imap.gmail.com",
			ImapUserName: googleAcct.Address, ImapUseSsl: true, Auth: goatest.AuthOAuth2},
	} {
		if err := srv.Add(a); err != nil {
			t.Fatal(err)
		}
	}

	for _, id := range []string{imapAcct.ID, googleAcct.ID} {
		realPath, realShape := observe(t, real.BusAddress, id)
		fakePath, fakeShape := observe(t, fake.BusAddress, id)
		if realPath != fakePath {
			t.Errorf("%s: path %s, stand-in %s", id, realPath, fakePath)
		}
		if rs, ok := realShape["org.gnome.OnlineAccounts.Account"]; ok {
			var ms []string
			for _, m := range rs.Methods {
				if m != "Remove()" {
					ms = append(ms, m)
				}
			}
			rs.Methods = ms
			realShape["org.gnome.OnlineAccounts.Account"] = rs
		}
		for iface := range realShape {
			if !reflect.DeepEqual(realShape[iface], fakeShape[iface]) {
				t.Errorf("%s %s:\n real     %s\n stand-in %s", id, iface, dump(realShape[iface]), dump(fakeShape[iface]))
			}
		}
		for iface := range fakeShape {
			if _, ok := realShape[iface]; !ok {
				t.Errorf("%s: stand-in exports %s, goa-daemon does not", id, iface)
			}
		}
	}
	if t.Failed() {
		t.Logf("goa-daemon log:\n%s", d.Log())
	}
}

func dump(is ifaceShape) string {
	keys := make([]string, 0, len(is.Values))
	for k, v := range is.Values {
		keys = append(keys, v+" "+k)
	}
	sort.Strings(keys)
	return fmt.Sprintf("values %v methods %v props %v", keys, is.Methods, is.Props)
}
