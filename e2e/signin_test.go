package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/internal/testenv/desktoptest"
	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/oauth2test"
	"mailbell/internal/testenv/proctest"
	"mailbell/internal/testenv/sniwatcher"
)

// The e2e test binary doubles as xdg-open, the opener Fyne's OpenURL runs:
// linked as "xdg-open" on the window's PATH, it plays the person's
// browser, following the sign-in page's redirects to the loopback listener.
func init() {
	if filepath.Base(os.Args[0]) != "xdg-open" || len(os.Args) != 2 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := oauth2test.Browse(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "xdg-open stand-in:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// testGoogleClientID is linked into the binaries of this test only, so the
// settings window offers "Sign in with Google" (no request ever goes to
// Google: that account is disabled, and the sign-in below is with the
// loopback OAuth2 server).
const testGoogleClientID = "e2e-test-client.apps.googleusercontent.com"

var (
	signinBuildOnce sync.Once
	signinBin       string
	signinBuildErr  error
)

// signinBinary builds both executables with a Google client ID linked in,
// once per test process; TestMain removes them.
func signinBinary(t *testing.T) string {
	t.Helper()
	signinBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mailbell-signin-bin-")
		if err != nil {
			signinBuildErr = err
			return
		}
		signinBin, signinBuildErr = proctest.BuildInto(dir, "-X mailbell/app/oauth.googleClientID="+testGoogleClientID)
	})
	if signinBuildErr != nil {
		t.Fatal(signinBuildErr)
	}
	return signinBin
}

// End to end with the built binaries: the settings window shows "Sign in
// with Google" for a Gmail account (screenshot for the README); on the
// Work account (a custom provider: the loopback OAuth2 server) the test
// presses "Sign in with your provider" in the real window — Fyne's OpenURL
// runs xdg-open, the stand-in browser follows the redirects — and then
// Save; the refresh token is in gnome-keyring, and the background process
// logs in to Dovecot with OAuth2 and notifies new mail. No token in
// config.json or the logs. The pointer positions are the window's layout
// at 720×600 (the screenshots in the artifacts show each step).
func TestSignInEndToEnd(t *testing.T) {
	bin := signinBinary(t)
	art := newArtifacts(t)
	s, err := desktoptest.Start(desktoptest.Options{Dunst: true, Keyring: true})
	if err != nil {
		t.Fatalf("desktop session: %v", err)
	}
	t.Cleanup(func() {
		for _, name := range []string{"xvfb", "dbus", "dunst", "keyring"} {
			art.write(t, "session-"+name+".log", []byte(s.Log(name)))
		}
		if err := s.Close(); err != nil {
			t.Errorf("closing the desktop session: %v", err)
		}
	})
	o := oauth2test.StartT(t, oauth2test.Options{Rotate: true})
	email := mockoidc.DefaultUser().Email
	d := dovecottest.StartT(t, dovecottest.Options{
		Users:  map[string]string{email: randomSecret("unused-")},
		OAuth2: &dovecottest.OAuth2{TokenInfoURL: o.TokenInfoURL()},
	})
	t.Cleanup(func() { art.write(t, "dovecot.log", []byte(d.Log())) })

	cfgDir := filepath.Join(s.Home, "mailbell-config")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	oc := o.Config("")
	off := false
	cfg := config.New()
	cfg.Accounts = []config.Account{
		{ID: "gmail", Name: "Gmail", Email: "ann.example@gmail.com", Host: "imap.gmail.com", Enabled: &off,
			AuthOptions: config.AuthOptions{Auth: config.AuthOAuth2, OAuth2: &config.OAuth2{Provider: "google"}}},
		{ID: "work", Name: "Work", Email: email, Host: "127.0.0.1", Port: d.TLSPort(), Security: "tls", CAFile: d.CAFile(),
			AuthOptions: config.AuthOptions{Auth: config.AuthOAuth2, OAuth2: &config.OAuth2{Provider: "custom",
				ClientID: oc.ClientID, ClientSecret: oc.ClientSecret, AuthURL: oc.Endpoint.AuthURL, TokenURL: oc.Endpoint.TokenURL,
				Scopes: append(oc.Scopes, "openid", "email")}}},
	}
	if err := config.Save(cfgDir, cfg); err != nil {
		t.Fatal(err)
	}

	// A tray host, so the background process opens no window of its own.
	sni, err := sniwatcher.Dial(s.BusAddress)
	if err != nil {
		t.Fatalf("tray host: %v", err)
	}
	t.Cleanup(func() { _ = sni.Close() })
	app := startApp(t, art, "mailbell", bin, s.Env(), s.Home, "--config-dir", cfgDir, "--debug")
	if err := app.waitStderr(15*time.Second, "Not signed in"); err != nil {
		t.Fatalf("the Work account before its sign-in: %v", err)
	}

	// The pointer in a corner, away from where the window appears: a
	// window mapped under a pointer over a widget with its own cursor hits
	// a nil GLFW window in Fyne 2.7.1 (seen here: SetInputMode from
	// processMouseMoved).
	if x, err := dialXInput(s.Display); err != nil {
		t.Fatal(err)
	} else {
		if err := x.fake(6, 0, 1, 1); err != nil {
			t.Fatal(err)
		}
		_ = x.sync()
		x.Close()
	}

	// The settings window, on the Gmail account: "Sign in with Google".
	opener := t.TempDir()
	if err := os.Symlink(os.Args[0], filepath.Join(opener, "xdg-open")); err != nil {
		t.Fatal(err)
	}
	winEnv := append(s.Env(), "PATH="+opener+string(os.PathListSeparator)+os.Getenv("PATH"))
	win := startApp(t, art, "window", bin, winEnv, s.Home, "window", "--config-dir", cfgDir, "--view", "settings", "--message", "gmail")
	var xw xWindow
	if err := poll(30*time.Second, 50*time.Millisecond, func() error {
		var err error
		xw, err = viewableWindow(s.Env(), "Mailbell Settings")
		return err
	}); err != nil {
		_, e := win.output()
		t.Fatalf("settings window: %v\n%s", err, tail(e, 30))
	}
	shot := art.path("signin-settings.png")
	t.Logf("settings window 0x%x at %d,%d %dx%d", xw.ID, xw.X, xw.Y, xw.W, xw.H)
	var rect image.Rectangle
	if err := poll(30*time.Second, 300*time.Millisecond, func() error {
		_ = s.DunstCloseAll() // the "Not signed in" pop-up would sit over the window
		w, err := viewableWindow(s.Env(), "Mailbell Settings")
		if err != nil {
			return err
		}
		rect = image.Rect(w.X, w.Y, w.X+w.W, w.Y+w.H)
		if err := s.Screenshot(shot); err != nil {
			return err
		}
		n, _, err := shotStats(shot, rect, [3]uint8{0, 0, 0})
		if err != nil {
			return err
		}
		if n < 200 {
			return fmt.Errorf("the window has %d colours: not drawn yet", n)
		}
		return nil
	}); err != nil {
		t.Errorf("screenshot: %v", err)
	} else if err := cropPNG(shot, rect, art.path("screenshot-signin.png")); err != nil {
		t.Errorf("cropping the screenshot: %v", err)
	} else {
		t.Logf("settings window screenshot: %s", art.path("screenshot-signin.png"))
	}

	// The control socket, to follow the account's state.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s.Setenv(t)                                                  // the socket is under the session's XDG_RUNTIME_DIR
	client, err := control.Dial(ctx, control.SocketPath(cfgDir)) // to follow the account's state
	if err != nil {
		t.Fatalf("control socket: %v", err)
	}
	defer client.Close()
	// In the window: pick Work, press its "Sign in with your provider"
	// (where Gmail's "Sign in with Google" is); Fyne opens the address with
	// xdg-open, the stand-in browser follows it, the core signs in.
	x, err := dialXInput(s.Display)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	click := func(px, py int) {
		t.Helper()
		for _, ev := range []struct{ typ, detail byte }{{6, 0}, {4, 1}, {5, 1}} {
			if err := x.fake(ev.typ, ev.detail, int16(rect.Min.X+px), int16(rect.Min.Y+py)); err != nil {
				t.Fatal(err)
			}
		}
		if err := x.sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitScreenStill(s, art.path("signin-before.png")); err != nil {
		t.Fatal(err)
	}
	click(40, 100) // "Work" in the account list
	if err := waitScreenChange(s, art.path("signin-before.png"), art.path("signin-work.png")); err != nil {
		t.Fatalf("choosing Work: %v", err)
	}
	if err := waitScreenStill(s, art.path("signin-work.png")); err != nil {
		t.Fatal(err)
	}
	click(360, 336) // its sign-in button
	if err := app.waitStderr(30*time.Second, "oauth2: signed in"); err != nil {
		_ = s.Screenshot(art.path("signin-failed.png"))
		_, we := win.output()
		t.Fatalf("the window's Sign in: %v\nwindow:\n%s", err, tail(we, 30))
	}
	if err := waitScreenStill(s, art.path("signin-done.png")); err != nil {
		t.Fatal(err)
	}
	// Scroll the form to its end and press Save.
	for range 20 {
		for _, ev := range []struct{ typ, detail byte }{{6, 0}, {4, 5}, {5, 5}} {
			if err := x.fake(ev.typ, ev.detail, int16(rect.Min.X+240), int16(rect.Min.Y+300)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := x.sync(); err != nil {
		t.Fatal(err)
	}
	if err := waitScreenChange(s, art.path("signin-done.png"), art.path("signin-scrolled.png")); err != nil {
		t.Fatalf("scrolling the form: %v", err)
	}
	if err := waitScreenStill(s, art.path("signin-scrolled.png")); err != nil {
		t.Fatal(err)
	}
	click(680, 577) // Save, at the end of the form
	var rt string
	if err := poll(20*time.Second, 200*time.Millisecond, func() error {
		var err error
		rt, err = s.SecretToolLookup("mailbell", "work#oauth2")
		if err != nil || rt == "" {
			return fmt.Errorf("no refresh token in gnome-keyring yet (%v)", err)
		}
		return nil
	}); err != nil {
		_ = s.Screenshot(art.path("signin-save-failed.png"))
		t.Fatalf("after Save in the window: %v", err)
	}
	_ = s.Screenshot(art.path("signin-saved.png"))

	// The background process logs in with OAuth2 and notifies new mail.
	if err := poll(20*time.Second, 100*time.Millisecond, func() error {
		ok, _, err := d.LoginAttempts(email)
		if err != nil || ok == 0 {
			return fmt.Errorf("no Dovecot login yet (%v)", err)
		}
		return nil
	}); err != nil {
		_, e := app.output()
		t.Fatalf("%v\n%s", err, tail(e, 30))
	}
	subject := "After the sign-in " + randomSecret("")
	idle := false
	for deadline := time.After(20 * time.Second); !idle; {
		select {
		case snap := <-client.Snapshots():
			for _, a := range snap.Accounts {
				if a.ID == "work" && len(a.Folders) > 0 && a.Folders[0].State == "idle" {
					idle = true
				}
			}
		case <-deadline:
			_, e := app.output()
			t.Fatalf("the Work account is not idle 20 s after the sign-in\n%s", tail(e, 30))
		}
	}
	if err := d.Deliver(email, "INBOX", dovecottest.Message("Bob <bob@example.test>", email, subject, time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := poll(20*time.Second, 200*time.Millisecond, func() error {
		if err := s.DunstCloseAll(); err != nil { // history holds the closed ones
			return err
		}
		hist, err := s.DunstHistory()
		if err != nil {
			return err
		}
		for _, n := range hist {
			if strings.Contains(n.Summary+n.Body, subject) {
				return nil
			}
		}
		return fmt.Errorf("no notification for %q among %d", subject, len(hist))
	}); err != nil {
		_, e := app.output()
		t.Fatalf("%v\n%s", err, tail(e, 40))
	}

	// No token in config.json or the --debug log.
	data, _ := os.ReadFile(filepath.Join(cfgDir, "config.json"))
	_, stderr := app.output()
	_, werr := win.output()
	for what, text := range map[string]string{"config.json": string(data), "mailbell's --debug log": stderr, "the window's log": werr} {
		if strings.Contains(text, rt) {
			t.Errorf("the refresh token is in %s", what)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
}

// cropPNG writes the rect of the PNG at src to dst.
func cropPNG(src string, rect image.Rectangle, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return err
	}
	rect = rect.Intersect(img.Bounds())
	out := image.NewRGBA(image.Rect(0, 0, rect.Dx(), rect.Dy()))
	draw.Draw(out, out.Bounds(), img, rect.Min, draw.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, out); err != nil {
		return err
	}
	return os.WriteFile(dst, b.Bytes(), 0o644)
}

// removeSigninBinary deletes what signinBinary built. For TestMain.
func removeSigninBinary() {
	if signinBin != "" {
		os.RemoveAll(filepath.Dir(signinBin))
	}
}
