//go:build linux && windowexe

package wine

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The zip's files, as packaging/windows/README.txt describes them.
var zipFiles = []string{
	"Mailbell/LICENSE.txt",
	"Mailbell/README.txt",
	"Mailbell/mailbell-window.exe",
	"Mailbell/mailbell.exe",
	"Mailbell/mailbell.png",
}

// TestWindowsZip checks the zip make dist-windows built (make test-windows
// passes it as MAILBELL_WINDOWS_ZIP, with MAILBELL_VERSION and the go-winres
// that make deps installed as MAILBELL_GOWINRES): exactly the files above in
// one Mailbell folder, a README with Windows line ends that says how to
// install and remove, and in each .exe the icon, the manifest and a version
// resource for this version, read back from the file with go-winres extract.
func TestWindowsZip(t *testing.T) {
	dir := unpackZip(t)
	version := mustEnv(t, "MAILBELL_VERSION")
	gowinres := mustEnv(t, "MAILBELL_GOWINRES")

	readme, err := os.ReadFile(filepath.Join(dir, "Mailbell", "README.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if n, crlf := bytes.Count(readme, []byte("\n")), bytes.Count(readme, []byte("\r\n")); n == 0 || n != crlf {
		t.Errorf("README.txt: %d of %d lines end in CRLF; Notepad wants all", crlf, n)
	}
	for _, want := range []string{"Install", "Remove", `%APPDATA%\mailbell`, "Credential Manager", `CurrentVersion\Run`} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.txt does not mention %q", want)
		}
	}

	for _, name := range []string{"mailbell", "mailbell-window"} {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command(gowinres, "extract", "--dir", out, filepath.Join(dir, "Mailbell", name+".exe"))
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go-winres extract: %v\n%s", err, b)
			}
			checkResources(t, out, name, version)
		})
	}
}

// winres is the part of go-winres's winres.json checked here; the
// language keys vary, so they stay maps.
type winres struct {
	Icons    map[string]map[string]string `json:"RT_GROUP_ICON"`
	Manifest map[string]map[string]struct {
		Identity struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"identity"`
	} `json:"RT_MANIFEST"`
	Version map[string]map[string]struct {
		Fixed struct {
			FileVersion    string `json:"file_version"`
			ProductVersion string `json:"product_version"`
		} `json:"fixed"`
		Info map[string]map[string]string `json:"info"`
	} `json:"RT_VERSION"`
}

func checkResources(t *testing.T, dir, name, version string) {
	data, err := os.ReadFile(filepath.Join(dir, "winres.json"))
	if err != nil {
		t.Fatalf("no resources extracted: %v", err)
	}
	var r winres
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("winres.json: %v", err)
	}
	version4 := version + ".0"

	icons := 0
	for _, langs := range r.Icons {
		for _, file := range langs {
			ico, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil || !bytes.HasPrefix(ico, []byte{0, 0, 1, 0}) {
				t.Errorf("icon %s: not an .ico (%v)", file, err)
			}
			icons++
		}
	}
	if icons == 0 {
		t.Error("no icon resource")
	}

	m, ok := r.Manifest["#1"]
	if !ok || len(m) == 0 {
		t.Error("no manifest resource")
	}
	for _, man := range m {
		if man.Identity.Name != "io.mailbell.Mailbell."+name || man.Identity.Version != version4 {
			t.Errorf("manifest identity %q %q, want io.mailbell.Mailbell.%s %s", man.Identity.Name, man.Identity.Version, name, version4)
		}
	}

	v, ok := r.Version["#1"]
	if !ok || len(v) == 0 {
		t.Fatal("no version resource")
	}
	for _, res := range v {
		if res.Fixed.FileVersion != version4 || res.Fixed.ProductVersion != version4 {
			t.Errorf("fixed file/product version %q/%q, want %s", res.Fixed.FileVersion, res.Fixed.ProductVersion, version4)
		}
		if len(res.Info) == 0 {
			t.Error("version resource without strings")
		}
		for lang, info := range res.Info {
			want := map[string]string{
				"ProductName": "Mailbell", "ProductVersion": version, "FileVersion": version,
				"OriginalFilename": name + ".exe", "InternalName": name,
			}
			for k, w := range want {
				if info[k] != w {
					t.Errorf("version string %s (language %s) = %q, want %q", k, lang, info[k], w)
				}
			}
		}
	}
}

// unpackZip unpacks MAILBELL_WINDOWS_ZIP into a temp folder, checking that
// it holds exactly zipFiles, and returns the folder.
func unpackZip(t *testing.T) string {
	t.Helper()
	zr, err := zip.OpenReader(mustEnv(t, "MAILBELL_WINDOWS_ZIP"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	var names []string
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		names = append(names, f.Name)
		if !slices.Contains(zipFiles, f.Name) {
			continue // reported below; never written outside dir
		}
		unpackFile(t, f, filepath.Join(dir, filepath.FromSlash(f.Name)))
	}
	slices.Sort(names)
	if !slices.Equal(names, zipFiles) {
		t.Fatalf("zip holds %q, want %q", names, zipFiles)
	}
	return dir
}

func unpackFile(t *testing.T, f *zip.File, to string) {
	t.Helper()
	in, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run make test-windows", name)
	}
	return v
}
