package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedIconIsCurrent fails when the drawing code changed but Icon.png
// was not regenerated (or someone edited the PNG by hand).
func TestCommittedIconIsCurrent(t *testing.T) {
	want, err := Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Icon.png", filepath.Join("ui", "icon", "Icon.png")} {
		got, err := os.ReadFile(filepath.Join("..", "..", "..", p))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what gen draws: run go run ./ui/icon/gen", p)
		}
	}
}

func TestRunRefusesOutsideModuleRoot(t *testing.T) {
	if err := run(t.TempDir()); err == nil {
		t.Fatal("run wrote icons into a folder without go.mod")
	}
}
