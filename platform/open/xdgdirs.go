package open

import (
	"os"
	"path/filepath"
	"strings"
)

// Dirs are the XDG base directories and desktop names that decide the
// default mail program, read from the environment by DirsFromEnv.
type Dirs struct {
	ConfigHome string   // $XDG_CONFIG_HOME, default ~/.config
	ConfigDirs []string // $XDG_CONFIG_DIRS, default /etc/xdg
	DataHome   string   // $XDG_DATA_HOME, default ~/.local/share
	DataDirs   []string // $XDG_DATA_DIRS, default /usr/local/share:/usr/share
	// Desktops are $XDG_CURRENT_DESKTOP's names, lower-cased, most
	// specific first ("ubuntu:GNOME" → ubuntu, gnome).
	Desktops []string
}

// DirsFromEnv reads Dirs from the environment with the XDG Base Directory
// defaults. Relative paths are ignored, as the spec requires.
func DirsFromEnv() Dirs {
	home, _ := os.UserHomeDir()
	d := Dirs{
		ConfigHome: absOr(os.Getenv("XDG_CONFIG_HOME"), joinIf(home, ".config")),
		ConfigDirs: absList(os.Getenv("XDG_CONFIG_DIRS"), []string{"/etc/xdg"}),
		DataHome:   absOr(os.Getenv("XDG_DATA_HOME"), joinIf(home, ".local/share")),
		DataDirs:   absList(os.Getenv("XDG_DATA_DIRS"), []string{"/usr/local/share", "/usr/share"}),
	}
	for _, name := range strings.Split(os.Getenv("XDG_CURRENT_DESKTOP"), ":") {
		if name = strings.ToLower(strings.TrimSpace(name)); name != "" && !strings.ContainsRune(name, '/') {
			d.Desktops = append(d.Desktops, name)
		}
	}
	return d
}

func joinIf(home, rel string) string {
	if home == "" {
		return ""
	}
	return filepath.Join(home, rel)
}

func absOr(v, def string) string {
	if filepath.IsAbs(v) {
		return v
	}
	return def
}

func absList(v string, def []string) []string {
	var out []string
	for _, p := range strings.Split(v, ":") {
		if filepath.IsAbs(p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return def
	}
	return out
}

// mimeappsFiles lists the mimeapps.list files in the order of the XDG MIME
// Applications spec: per directory (config home, config dirs, data home's
// applications, data dirs' applications) the desktop-specific
// "$desktop-mimeapps.list" files first, then "mimeapps.list".
func (d Dirs) mimeappsFiles() []string {
	var dirs []string
	if d.ConfigHome != "" {
		dirs = append(dirs, d.ConfigHome)
	}
	dirs = append(dirs, d.ConfigDirs...)
	dirs = append(dirs, d.applicationDirs()...)
	var files []string
	for _, dir := range dirs {
		for _, desk := range d.Desktops {
			files = append(files, filepath.Join(dir, desk+"-mimeapps.list"))
		}
		files = append(files, filepath.Join(dir, "mimeapps.list"))
	}
	return files
}

// applicationDirs are where desktop files live, most important first.
func (d Dirs) applicationDirs() []string {
	var out []string
	if d.DataHome != "" {
		out = append(out, filepath.Join(d.DataHome, "applications"))
	}
	for _, dd := range d.DataDirs {
		out = append(out, filepath.Join(dd, "applications"))
	}
	return out
}
