package open

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"mailbell/platform/secrets"
)

// DesktopEntry is what Mailbell needs of an application's .desktop file.
type DesktopEntry struct {
	ID       string // desktop file ID, "thunderbird.desktop"
	Path     string // where the file is
	Name     string
	Icon     string
	Exec     string // as written, string escapes applied
	TryExec  string
	WorkDir  string // the Path key
	Terminal bool
	Hidden   bool
	Type     string
}

// ReadDesktopEntry reads the [Desktop Entry] group of a .desktop file.
func ReadDesktopEntry(path, id string) (*DesktopEntry, error) {
	kf, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	g := kf["Desktop Entry"]
	if g == nil {
		return nil, fmt.Errorf("%w: %s has no [Desktop Entry] group", ErrBadDesktopEntry, path)
	}
	return &DesktopEntry{
		ID:       id,
		Path:     path,
		Name:     unescapeString(g["Name"]),
		Icon:     unescapeString(g["Icon"]),
		Exec:     unescapeString(g["Exec"]),
		TryExec:  unescapeString(g["TryExec"]),
		WorkDir:  unescapeString(g["Path"]),
		Terminal: g["Terminal"] == "true",
		Hidden:   g["Hidden"] == "true",
		Type:     g["Type"],
	}, nil
}

// installed reports why the entry cannot be used as an installed
// application, or nil: Hidden=true means deleted; a TryExec program that
// is missing or not executable means not installed.
func (e *DesktopEntry) installed() error {
	if e.Hidden {
		return fmt.Errorf("%s is hidden (Hidden=true)", e.ID)
	}
	if e.Type != "" && e.Type != "Application" {
		return fmt.Errorf("%s is not an application (Type=%s)", e.ID, e.Type)
	}
	if e.TryExec != "" {
		if _, err := exec.LookPath(e.TryExec); err != nil {
			return fmt.Errorf("%s: TryExec program %q not found", e.ID, e.TryExec)
		}
	}
	return nil
}

// Argv returns the command that starts the application without a file or
// URL: Exec split per the Desktop Entry spec (double quotes, with \" \` \$
// \\ escapes inside them), with the field codes for files and URLs (%f %F
// %u %U and the deprecated %d %D %n %N %v %m) removed with the word that
// holds them ("--url=%u" goes entirely) — a mail client
// given a mailto: URL would open a compose window, Mailbell wants its main
// window — %i replaced by "--icon ICON" (nothing without Icon), %c by the
// name, %k by the file's path, %% by %. Errors wrap ErrBadDesktopEntry.
func (e *DesktopEntry) Argv() ([]string, error) {
	if strings.TrimSpace(e.Exec) == "" {
		return nil, fmt.Errorf("%w: %s has no Exec line", ErrBadDesktopEntry, e.ID)
	}
	// The spec's quoting is a subset of the POSIX shell's, and it reserves
	// the shell's operators, so the project's no-shell parser applies.
	words, err := secrets.ParseCommandFor("Exec", e.Exec)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadDesktopEntry, e.ID, err)
	}
	var argv []string
	for _, w := range words {
		if w == "%i" {
			if e.Icon != "" {
				argv = append(argv, "--icon", e.Icon)
			}
			continue
		}
		out, dropped, err := e.fieldCodes(w)
		if err != nil {
			return nil, err
		}
		if dropped {
			// "--url=%u" without a URL is an option with no value: the
			// whole word goes with its field code.
			continue
		}
		argv = append(argv, out)
	}
	if len(argv) == 0 || argv[0] == "" {
		return nil, fmt.Errorf("%w: %s: Exec names no program", ErrBadDesktopEntry, e.ID)
	}
	return argv, nil
}

// fieldCodes expands the field codes inside one word. dropped reports that
// the word held a file or URL code, so the word is left out (an explicit
// "" argument stays).
func (e *DesktopEntry) fieldCodes(w string) (out string, dropped bool, err error) {
	if !strings.ContainsRune(w, '%') {
		return w, false, nil
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] != '%' {
			b.WriteByte(w[i])
			continue
		}
		if i+1 == len(w) {
			return "", false, fmt.Errorf("%w: %s: Exec ends in a lone %%", ErrBadDesktopEntry, e.ID)
		}
		i++
		switch c := w[i]; c {
		case '%':
			b.WriteByte('%')
		case 'f', 'F', 'u', 'U', 'd', 'D', 'n', 'N', 'v', 'm':
			dropped = true
		case 'c':
			b.WriteString(e.Name)
		case 'k':
			b.WriteString(e.Path)
		case 'i':
			// %i inside a larger word has no defined meaning.
			dropped = true
		default:
			return "", false, fmt.Errorf("%w: %s: unknown field code %%%c in Exec", ErrBadDesktopEntry, e.ID, c)
		}
	}
	return b.String(), dropped, nil
}

// findDesktopFile looks a desktop file ID up in the application
// directories, most important first. An ID "vendor-app.desktop" may also
// live at "vendor/app.desktop" (the spec's subdirectory rule).
func (d Dirs) findDesktopFile(id string) (string, bool) {
	if id == "" || strings.ContainsRune(id, '/') || !strings.HasSuffix(id, ".desktop") {
		return "", false
	}
	for _, dir := range d.applicationDirs() {
		p := filepath.Join(dir, id)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
		if !strings.ContainsRune(id, '-') {
			continue
		}
		if p, ok := findInSubdirs(dir, id); ok {
			return p, true
		}
	}
	return "", false
}

// findInSubdirs walks dir (three levels deep at most) for a file whose
// path relative to dir, with "/" replaced by "-", is id.
func findInSubdirs(dir, id string) (string, bool) {
	var found string
	_ = filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || found != "" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(dir, p)
		if de.IsDir() {
			if rel != "." && strings.Count(rel, string(filepath.Separator)) >= 2 {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.ReplaceAll(rel, string(filepath.Separator), "-") == id && de.Type().IsRegular() {
			found = p
			return filepath.SkipAll
		}
		return nil
	})
	return found, found != ""
}
