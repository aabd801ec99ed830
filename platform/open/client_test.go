package open

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// The default mailto handler of a private XDG home is started, with its
// Exec line's quoting honoured and the URL field code dropped, detached in
// its own session, in the entry's Path folder.
func TestOpenClientStartsDefaultMailProgram(t *testing.T) {
	s := newXDGSandbox(t)
	out := filepath.Join(s.root, "client")
	prog := s.recorder(t, "mailclient", out)
	workDir := filepath.Join(s.root, "work dir")
	s.write(t, "work dir/.keep", "")
	// Installed under the data dirs in a vendor subfolder: ID
	// "vendor-mail.desktop".
	s.write(t, "usr-share/applications/vendor/mail.desktop", `[Desktop Entry]
Type=Application
Name=Test Mail
Name[de]=Testpost
Icon=test-mail
TryExec=`+prog+`
Exec="`+prog+`" --name=%c %i "say \\"hi\\"" 100%% %U
Path=`+workDir+`
Terminal=false
`)
	// The user's choice: the first entry is not installed, so the second
	// applies.
	s.write(t, "config/mimeapps.list", `[Added Associations]
x-scheme-handler/mailto=other.desktop;

[Default Applications]
x-scheme-handler/mailto=gone.desktop;vendor-mail.desktop;
`)

	var l Launcher
	if err := l.Open(context.Background(), Choice{Kind: KindClient}, Message{UID: 7, Folder: "INBOX"}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	r := waitRecorded(t, out)
	want := []string{"--name=Test Mail", "--icon", "test-mail", `say "hi"`, "100%"}
	if !equalArgs(r.args, want) {
		t.Fatalf("mail program started with %q, want %q (no mailto URL, quoting per the spec)", r.args, want)
	}
	if r.pid != r.sid {
		t.Errorf("mail program runs in session %s, not its own (pid %s): not detached with setsid", r.sid, r.pid)
	}
	if r.cwd != workDir {
		t.Errorf("mail program ran in %q, want the entry's Path %q", r.cwd, workDir)
	}
}

func TestOpenClientErrors(t *testing.T) {
	ctx := context.Background()
	var l Launcher

	t.Run("none set", func(t *testing.T) {
		newXDGSandbox(t)
		err := l.Open(ctx, Choice{Kind: KindClient}, Message{})
		if !errors.Is(err, ErrNoDefaultClient) {
			t.Fatalf("got %v, want ErrNoDefaultClient", err)
		}
		if got := err.Error(); got != "no default mail program is set (nothing handles x-scheme-handler/mailto)" {
			t.Errorf("message %q", got)
		}
	})
	t.Run("terminal", func(t *testing.T) {
		s := newXDGSandbox(t)
		s.write(t, "data/applications/mutt.desktop", "[Desktop Entry]\nType=Application\nName=Mutt\nExec=/bin/true %u\nTerminal=true\n")
		s.write(t, "config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=mutt.desktop\n")
		if err := l.Open(ctx, Choice{Kind: KindClient}, Message{}); !errors.Is(err, ErrClientInTerminal) {
			t.Fatalf("got %v, want ErrClientInTerminal", err)
		}
	})
	t.Run("not installed", func(t *testing.T) {
		s := newXDGSandbox(t)
		s.write(t, "data/applications/gone.desktop", "[Desktop Entry]\nType=Application\nName=Gone\nTryExec=/nonexistent/mailer\nExec=/nonexistent/mailer %u\n")
		s.write(t, "config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=gone.desktop;missing.desktop;\n")
		err := l.Open(ctx, Choice{Kind: KindClient}, Message{})
		if !errors.Is(err, ErrClientNotInstalled) {
			t.Fatalf("got %v, want ErrClientNotInstalled", err)
		}
		if want := `the default mail program is not installed: gone.desktop: TryExec program "/nonexistent/mailer" not found; missing.desktop not found`; err.Error() != want {
			t.Errorf("message %q\nwant    %q", err.Error(), want)
		}
	})
	t.Run("program missing", func(t *testing.T) {
		s := newXDGSandbox(t)
		s.write(t, "data/applications/m.desktop", "[Desktop Entry]\nType=Application\nName=M\nExec=/nonexistent/mailer %u\n")
		s.write(t, "config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=m.desktop\n")
		err := l.Open(ctx, Choice{Kind: KindClient}, Message{})
		if !errors.Is(err, ErrStart) {
			t.Fatalf("got %v, want ErrStart", err)
		}
	})
}
