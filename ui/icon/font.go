package icon

// A 3×5 bitmap font for the badge: digits and "+". At tray sizes no vector
// font stays legible without hinting, while whole-pixel glyphs scaled by an
// integer do; it also keeps the tray free of font packages.
var glyphs = map[rune][5]string{
	'0': {"###", "#.#", "#.#", "#.#", "###"},
	'1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"###", "..#", "###", "#..", "###"},
	'3': {"###", "..#", ".##", "..#", "###"},
	'4': {"#.#", "#.#", "###", "..#", "..#"},
	'5': {"###", "#..", "###", "..#", "###"},
	'6': {"###", "#..", "###", "#.#", "###"},
	'7': {"###", "..#", ".#.", ".#.", ".#."},
	'8': {"###", "#.#", "###", "#.#", "###"},
	'9': {"###", "#.#", "###", "..#", "###"},
	'+': {"...", ".#.", "###", ".#.", "..."},
}

const (
	glyphW = 3
	glyphH = 5
)

// textWidth is the width in pixels of s drawn at scale k, one scaled pixel
// between glyphs. Unknown runes take no room.
func textWidth(s string, k int) int {
	w, n := 0, 0
	for _, r := range s {
		if _, ok := glyphs[r]; ok {
			w += glyphW * k
			n++
		}
	}
	if n > 1 {
		w += (n - 1) * k
	}
	return w
}

// text draws s with its top-left corner at (x, y), each font pixel a k×k
// block of col.
func (c *canvas) text(s string, x, y, k int, col px) {
	for _, r := range s {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		for row, line := range g {
			for i, ch := range line {
				if ch == '#' {
					c.rect(x+i*k, y+row*k, x+(i+1)*k, y+(row+1)*k, col)
				}
			}
		}
		x += (glyphW + 1) * k
	}
}
