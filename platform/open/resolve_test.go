package open

import (
	"errors"
	"testing"
)

// Which desktop file is the default, per the XDG MIME Applications spec.
func TestDefaultHandlerOrder(t *testing.T) {
	app := func(name string) string {
		return "[Desktop Entry]\nType=Application\nName=" + name + "\nExec=/bin/true %u\n"
	}
	type file struct{ rel, content string }
	cases := []struct {
		name    string
		desktop string // XDG_CURRENT_DESKTOP
		files   []file
		want    string
		source  Source
		wantErr error
	}{
		{
			name: "config home beats data dirs",
			files: []file{
				{"usr-share/applications/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=b.desktop\n"},
				{"config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=a.desktop\n"},
				{"usr-share/applications/a.desktop", app("A")},
				{"usr-share/applications/b.desktop", app("B")},
			},
			want: "a.desktop", source: SourceDefault,
		},
		{
			name:    "desktop-specific list first",
			desktop: "Test:GNOME",
			files: []file{
				{"config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=a.desktop\n"},
				{"config/gnome-mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=b.desktop\n"},
				{"data/applications/a.desktop", app("A")},
				{"data/applications/b.desktop", app("B")},
			},
			want: "b.desktop", source: SourceDefault,
		},
		{
			name: "data home entry shadows data dirs, hidden means deleted",
			files: []file{
				{"config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=a.desktop;b.desktop\n"},
				{"data/applications/a.desktop", "[Desktop Entry]\nType=Application\nName=A\nExec=/bin/true\nHidden=true\n"},
				{"usr-share/applications/a.desktop", app("A")},
				{"usr-share/applications/b.desktop", app("B")},
			},
			want: "b.desktop", source: SourceDefault,
		},
		{
			name: "config dirs and mime type case",
			files: []file{
				{"etc-xdg/mimeapps.list", "[Default Applications]\nX-Scheme-Handler/Mailto=a.desktop\n"},
				{"usr-share/applications/a.desktop", app("A")},
			},
			want: "a.desktop", source: SourceDefault,
		},
		{
			name: "no default: associations, minus removed ones",
			files: []file{
				{"config/mimeapps.list", "[Removed Associations]\nx-scheme-handler/mailto=a.desktop;\n"},
				{"usr-share/applications/mimeinfo.cache", "[MIME Cache]\nx-scheme-handler/mailto=a.desktop;b.desktop;\n"},
				{"usr-share/applications/a.desktop", app("A")},
				{"usr-share/applications/b.desktop", app("B")},
			},
			want: "b.desktop", source: SourceAssociation,
		},
		{
			name:    "nothing",
			files:   []file{{"usr-share/applications/a.desktop", app("A")}},
			wantErr: ErrNoDefaultClient,
		},
		{
			name: "a default that is not an application",
			files: []file{
				{"config/mimeapps.list", "[Default Applications]\nx-scheme-handler/mailto=l.desktop\n"},
				{"data/applications/l.desktop", "[Desktop Entry]\nType=Link\nName=L\nURL=https://example.invalid/\n"},
			},
			wantErr: ErrClientNotInstalled,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newXDGSandbox(t)
			t.Setenv("XDG_CURRENT_DESKTOP", tc.desktop)
			for _, f := range tc.files {
				s.write(t, f.rel, f.content)
			}
			h, err := DirsFromEnv().DefaultMailClient()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, %v; want %v", h, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DefaultMailClient: %v", err)
			}
			if h.Entry.ID != tc.want || h.Source != tc.source {
				t.Fatalf("got %s (%s), want %s (%s)", h.Entry.ID, h.Source, tc.want, tc.source)
			}
		})
	}
}

func TestDesktopEntryArgv(t *testing.T) {
	cases := []struct {
		exec    string // after the string escapes
		want    []string
		wantErr bool
	}{
		{"thunderbird %u", []string{"thunderbird"}, false},
		{"/usr/bin/evolution %U", []string{"/usr/bin/evolution"}, false},
		{`"/opt/My Mail/mail" --profile "a \"b\" \$c \\ d" %F`, []string{"/opt/My Mail/mail", "--profile", `a "b" $c \ d`}, false},
		{"kmail -qwindowtitle %c %u", []string{"kmail", "-qwindowtitle", "Mail"}, false},
		{"mail --url=%u --keep", []string{"mail", "--keep"}, false},
		{`mail ""`, []string{"mail", ""}, false},
		{"mail %i", []string{"mail", "--icon", "mail-icon"}, false},
		{"mail --desktop-file %k", []string{"mail", "--desktop-file", "/x/mail.desktop"}, false},
		{"mail 50%%", []string{"mail", "50%"}, false},
		{"mail %z", nil, true},
		{"mail %", nil, true},
		{"mail; rm -rf ~", nil, true},
		{"%u", nil, true},
		{"", nil, true},
	}
	for _, tc := range cases {
		e := &DesktopEntry{ID: "mail.desktop", Path: "/x/mail.desktop", Name: "Mail", Icon: "mail-icon", Exec: tc.exec}
		got, err := e.Argv()
		if tc.wantErr {
			if !errors.Is(err, ErrBadDesktopEntry) {
				t.Errorf("Exec %q: got %q, %v; want ErrBadDesktopEntry", tc.exec, got, err)
			}
			continue
		}
		if err != nil || !equalArgs(got, tc.want) {
			t.Errorf("Exec %q: got %q, %v; want %q", tc.exec, got, err, tc.want)
		}
	}
	// String escapes come first: \s is a blank inside one word.
	if got := unescapeString(`a\sb \\" \t`); got != "a b \\\" \t" {
		t.Errorf("unescapeString: %q", got)
	}
}
