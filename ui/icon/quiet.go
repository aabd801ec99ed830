package icon

// quietAlpha is how opaque the quiet icon is at most: the bell stays
// visible enough to find and click, yet recedes beside coloured icons.
const quietAlpha = 0.4

// fade makes the image see-through, keeping its shape: with grey, the quiet
// icon of preferences "hide_when_empty" — fyne.io/systray cannot ask the
// tray host to hide the item (StatusNotifierItem Status "Passive"), so the
// icon recedes instead.
func (c *canvas) fade() {
	for i, p := range c.pix {
		c.pix[i] = px{p.r * quietAlpha, p.g * quietAlpha, p.b * quietAlpha, p.a * quietAlpha}
	}
}
