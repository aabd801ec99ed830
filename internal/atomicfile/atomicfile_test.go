package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesWith0600(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	os.WriteFile(p, []byte("old"), 0o644)
	if err := Write(p, []byte("new"), Options{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(data) != "new" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%q %v", data, fi.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

func TestFailureBeforeRenameLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	os.WriteFile(p, []byte("old"), 0o600)
	boom := errors.New("boom")
	if err := Write(p, []byte("new"), Options{BeforeRename: func(string) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	data, _ := os.ReadFile(p)
	if entries, _ := os.ReadDir(dir); string(data) != "old" || len(entries) != 1 {
		t.Fatalf("%q %v", data, entries)
	}
}
