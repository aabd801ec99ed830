package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteLaysOutEverySize(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir, "io.example.Test"); err != nil {
		t.Fatal(err)
	}
	for _, n := range Sizes {
		p := filepath.Join(dir, fmt.Sprintf("%dx%d", n, n), "apps", "io.example.Test.png")
		f, err := os.Open(p)
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if b := img.Bounds(); b.Dx() != n || b.Dy() != n {
			t.Errorf("%s is %dx%d, want %dx%d", p, b.Dx(), b.Dy(), n, n)
		}
		// Not blank: the bell covers a good part of every size.
		opaque := 0
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				if _, _, _, a := img.At(x, y).RGBA(); a > 0x8000 {
					opaque++
				}
			}
		}
		if opaque < n*n/5 {
			t.Errorf("%s: only %d of %d pixels drawn", p, opaque, n*n)
		}
	}
}
