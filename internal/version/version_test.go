package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "mailbell", Version: "v0.0.0-20261202051234-0123456789abcdef"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		name    string
		bi      *debug.BuildInfo
		ok      bool
		release string
		want    string
	}{
		{"module version", bi, true, "", "Mailbell 0.0.0-20261202051234-0123456789abcdef (commit 0123456789ab, modified, go1.26.8)"},
		{"release stamped", bi, true, "0.1.0", "Mailbell 0.1.0 (commit 0123456789ab, modified, go1.26.8)"},
		{"devel, no vcs", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "", "Mailbell devel (go1.26.8)"},
		{"no build info", nil, false, "", "Mailbell devel"},
		{"no build info, release", nil, false, "0.2.0", "Mailbell 0.2.0"},
	} {
		if got := fromBuildInfo(tc.bi, tc.ok, tc.release).String(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestGetInTestBinary(t *testing.T) {
	in := Get()
	if in.Go == "" {
		t.Errorf("Get() = %+v: a test binary has build info with the Go version", in)
	}
}
