// Package version tells which Mailbell this is, from the build: the release
// version a packager stamps with -ldflags, else the module version Go
// records, plus the VCS commit and the Go toolchain. Both executables print it
// (`mailbell --version`, the window's About).
package version

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// release is set by `make` from FyneApp.toml:
//
//	-ldflags "-X mailbell/internal/version.release=0.1.0"
//
// A plain `go build` leaves it empty and the module's build info decides.
var release string

// Info is what the build recorded.
type Info struct {
	Version  string // "0.1.0", a pseudo-version, or "devel"
	Commit   string // VCS revision, shortened to 12; empty when unknown
	Modified bool   // built from a tree with uncommitted changes
	Go       string // the toolchain, e.g. "go1.26.8"
}

// Get reads the build info of the running executable.
func Get() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok, release)
}

func fromBuildInfo(bi *debug.BuildInfo, ok bool, release string) Info {
	in := Info{Version: "devel"}
	if !ok || bi == nil {
		if release != "" {
			in.Version = release
		}
		return in
	}
	in.Go = bi.GoVersion
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		in.Version = strings.TrimPrefix(v, "v")
	}
	if release != "" {
		in.Version = release
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Commit = s.Value
			if len(in.Commit) > 12 {
				in.Commit = in.Commit[:12]
			}
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String is the one line `--version` prints:
// "Mailbell 0.1.0 (commit 0123456789ab, go1.26.8)".
func (in Info) String() string {
	var extra []string
	if in.Commit != "" {
		c := "commit " + in.Commit
		if in.Modified {
			c += ", modified"
		}
		extra = append(extra, c)
	}
	if in.Go != "" {
		extra = append(extra, in.Go)
	}
	if len(extra) == 0 {
		return "Mailbell " + in.Version
	}
	return fmt.Sprintf("Mailbell %s (%s)", in.Version, strings.Join(extra, ", "))
}
