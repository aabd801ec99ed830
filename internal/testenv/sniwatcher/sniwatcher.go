// Package sniwatcher is a StatusNotifierWatcher for tests: it owns
// org.kde.StatusNotifierWatcher on a bus, records the tray items that
// register, and acts as a minimal tray host — it reads an item's properties
// (Status, Title, IconPixmap, ToolTip, …), reads its menu through
// com.canonical.dbusmenu GetLayout and clicks entries with Event "clicked".
//
// Debian has no watcher that runs without a desktop; this stands in for
// KDE's or the GNOME AppIndicator extension's on a private test bus. See
// ./cmd for the same as a command printing JSON.
package sniwatcher

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"sync"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// Names of the protocol.
const (
	WatcherName  = "org.kde.StatusNotifierWatcher"
	WatcherPath  = dbus.ObjectPath("/StatusNotifierWatcher")
	WatcherIface = "org.kde.StatusNotifierWatcher"
	ItemIface    = "org.kde.StatusNotifierItem"
	MenuIface    = "com.canonical.dbusmenu"
	// DefaultItemPath is where an item lives when it registers by bus name.
	DefaultItemPath = dbus.ObjectPath("/StatusNotifierItem")
)

// Item is one registered tray item.
type Item struct {
	Service string          `json:"service"` // the bus name to call (the registering connection's unique name, or the name it gave)
	Path    dbus.ObjectPath `json:"path"`
}

// String is the item as RegisteredStatusNotifierItems lists it: "service/path".
func (it Item) String() string { return it.Service + string(it.Path) }

// Watcher owns org.kde.StatusNotifierWatcher on one connection.
type Watcher struct {
	conn    *dbus.Conn
	ownConn bool
	props   *prop.Properties
	sigs    chan *dbus.Signal
	done    chan struct{}
	stopped sync.WaitGroup

	mu      sync.Mutex
	items   []Item
	changed chan struct{} // closed and replaced when items change
}

// Dial connects to the bus at address (a D-Bus address such as
// "unix:path=/run/…/bus") and starts a watcher on that connection, which
// Close closes.
func Dial(address string) (*Watcher, error) {
	conn, err := dbus.Connect(address)
	if err != nil {
		return nil, fmt.Errorf("sniwatcher: connecting to %s: %w", address, err)
	}
	w, err := New(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	w.ownConn = true
	return w, nil
}

// New starts a watcher on conn, an authenticated connection the caller
// keeps. It fails if another connection owns the watcher name. Use a
// connection of its own, not the one the tray item uses.
func New(conn *dbus.Conn) (*Watcher, error) {
	w := &Watcher{conn: conn, sigs: make(chan *dbus.Signal, 64), done: make(chan struct{}), changed: make(chan struct{})}
	obj := &watcherObject{w: w}
	if err := conn.Export(obj, WatcherPath, WatcherIface); err != nil {
		return nil, fmt.Errorf("sniwatcher: exporting the watcher: %w", err)
	}
	props, err := prop.Export(conn, WatcherPath, prop.Map{WatcherIface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		w.unexport()
		return nil, fmt.Errorf("sniwatcher: exporting properties: %w", err)
	}
	w.props = props
	node := &introspect.Node{Name: string(WatcherPath), Interfaces: []introspect.Interface{
		introspect.IntrospectData, prop.IntrospectData,
		{Name: WatcherIface, Methods: introspect.Methods(obj), Properties: props.Introspection(WatcherIface)},
	}}
	if err := conn.Export(introspect.NewIntrospectable(node), WatcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		w.unexport()
		return nil, fmt.Errorf("sniwatcher: exporting introspection: %w", err)
	}

	// Items whose connection goes away are dropped, as a real watcher does.
	if err := conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged")); err != nil {
		w.unexport()
		return nil, fmt.Errorf("sniwatcher: watching names: %w", err)
	}
	conn.Signal(w.sigs)
	w.stopped.Add(1)
	go w.watchNames()

	reply, err := conn.RequestName(WatcherName, dbus.NameFlagDoNotQueue)
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = errors.New("the name already has an owner")
	}
	if err != nil {
		w.stop()
		return nil, fmt.Errorf("sniwatcher: owning %s: %w", WatcherName, err)
	}
	_ = conn.Emit(WatcherPath, WatcherIface+".StatusNotifierHostRegistered")
	return w, nil
}

// Close gives up the watcher name and, for Dial, the connection.
func (w *Watcher) Close() error {
	_, err := w.conn.ReleaseName(WatcherName)
	w.stop()
	if w.ownConn {
		if cerr := w.conn.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func (w *Watcher) stop() {
	select {
	case <-w.done:
		return
	default:
	}
	close(w.done)
	w.conn.RemoveSignal(w.sigs)
	_ = w.conn.RemoveMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"))
	w.unexport()
	w.stopped.Wait()
}

func (w *Watcher) unexport() {
	_ = w.conn.Export(nil, WatcherPath, WatcherIface)
	_ = w.conn.Export(nil, WatcherPath, "org.freedesktop.DBus.Properties")
	_ = w.conn.Export(nil, WatcherPath, "org.freedesktop.DBus.Introspectable")
}

func (w *Watcher) watchNames() {
	defer w.stopped.Done()
	for {
		select {
		case <-w.done:
			return
		case sig, ok := <-w.sigs:
			if !ok {
				return
			}
			if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) < 3 {
				continue
			}
			name, _ := sig.Body[0].(string)
			newOwner, _ := sig.Body[2].(string)
			if newOwner == "" {
				w.drop(name)
			}
		}
	}
}

// drop forgets the items served by name.
func (w *Watcher) drop(name string) {
	w.mu.Lock()
	var keep []Item
	var gone []Item
	for _, it := range w.items {
		if it.Service == name {
			gone = append(gone, it)
		} else {
			keep = append(keep, it)
		}
	}
	if len(gone) == 0 {
		w.mu.Unlock()
		return
	}
	w.items = keep
	w.publishLocked()
	w.mu.Unlock()
	for _, it := range gone {
		_ = w.conn.Emit(WatcherPath, WatcherIface+".StatusNotifierItemUnregistered", it.String())
	}
}

// publishLocked updates the property and wakes waiters; w.mu is held.
func (w *Watcher) publishLocked() {
	names := make([]string, len(w.items))
	for i, it := range w.items {
		names[i] = it.String()
	}
	w.props.SetMust(WatcherIface, "RegisteredStatusNotifierItems", names)
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *Watcher) register(it Item) {
	w.mu.Lock()
	for _, have := range w.items {
		if have == it {
			w.mu.Unlock()
			return // re-registration (e.g. after the watcher restarted) changes nothing
		}
	}
	w.items = append(w.items, it)
	w.publishLocked()
	w.mu.Unlock()
	_ = w.conn.Emit(WatcherPath, WatcherIface+".StatusNotifierItemRegistered", it.String())
}

// Items returns the registered items, oldest first.
func (w *Watcher) Items() []Item {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Item(nil), w.items...)
}

// WaitItem waits for the first registered item (returning at once if there
// is one).
func (w *Watcher) WaitItem(ctx context.Context) (Item, error) {
	for {
		w.mu.Lock()
		if len(w.items) > 0 {
			it := w.items[0]
			w.mu.Unlock()
			return it, nil
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return Item{}, fmt.Errorf("sniwatcher: no tray item registered: %w", ctx.Err())
		case <-ch:
		}
	}
}

// watcherObject holds the exported methods, so Watcher's own methods do not
// end up on the bus.
type watcherObject struct{ w *Watcher }

// RegisterStatusNotifierItem is called by an item. service is either an
// object path on the caller's connection (what fyne.io/systray and
// libappindicator send) or a bus name serving DefaultItemPath.
func (o *watcherObject) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := Item{Service: string(sender), Path: DefaultItemPath}
	switch {
	case strings.HasPrefix(service, "/"):
		it.Path = dbus.ObjectPath(service)
	case service != "":
		it.Service = service
	}
	if !it.Path.IsValid() {
		return dbus.MakeFailedError(fmt.Errorf("invalid object path %q", service))
	}
	o.w.register(it)
	return nil
}

// RegisterStatusNotifierHost accepts hosts; this watcher is its own host.
func (o *watcherObject) RegisterStatusNotifierHost(sender dbus.Sender, service string) *dbus.Error {
	return nil
}

// Properties are an item's org.kde.StatusNotifierItem properties.
type Properties struct {
	ID            string          `json:"id"`
	Title         string          `json:"title"`
	Status        string          `json:"status"`
	Category      string          `json:"category"`
	IconName      string          `json:"icon_name,omitempty"`
	IconPixmap    []Pixmap        `json:"icon_pixmap"`
	IconThemePath string          `json:"icon_theme_path,omitempty"`
	ToolTip       ToolTip         `json:"tooltip"`
	ItemIsMenu    bool            `json:"item_is_menu"`
	Menu          dbus.ObjectPath `json:"menu"`
}

// Pixmap is one icon image: ARGB32 in network byte order, row by row.
type Pixmap struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	ARGB   []byte `json:"-"`
}

// Image converts the pixmap; nil when its data does not fit its size.
func (p Pixmap) Image() *image.NRGBA {
	if p.Width <= 0 || p.Height <= 0 || len(p.ARGB) != p.Width*p.Height*4 {
		return nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, p.Width, p.Height))
	for i := 0; i < p.Width*p.Height; i++ {
		a, r, g, b := p.ARGB[i*4], p.ARGB[i*4+1], p.ARGB[i*4+2], p.ARGB[i*4+3]
		img.Pix[i*4], img.Pix[i*4+1], img.Pix[i*4+2], img.Pix[i*4+3] = r, g, b, a
	}
	return img
}

// ToolTip is the item's tooltip.
type ToolTip struct {
	IconName string   `json:"icon_name,omitempty"`
	Icons    []Pixmap `json:"icons,omitempty"`
	Title    string   `json:"title"`
	Text     string   `json:"text,omitempty"`
}

type wirePixmap = struct {
	W, H int32
	Pix  []byte
}

func toPixmaps(in []wirePixmap) []Pixmap {
	out := make([]Pixmap, 0, len(in))
	for _, p := range in {
		out = append(out, Pixmap{Width: int(p.W), Height: int(p.H), ARGB: p.Pix})
	}
	return out
}

// Properties reads all of its StatusNotifierItem properties.
func (w *Watcher) Properties(ctx context.Context, it Item) (Properties, error) {
	var all map[string]dbus.Variant
	err := w.conn.Object(it.Service, it.Path).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.GetAll", 0, ItemIface).Store(&all)
	if err != nil {
		return Properties{}, fmt.Errorf("sniwatcher: reading %s properties: %w", it, err)
	}
	var p Properties
	str := func(name string, dst *string) {
		if v, ok := all[name]; ok {
			_ = v.Store(dst)
		}
	}
	str("Id", &p.ID)
	str("Title", &p.Title)
	str("Status", &p.Status)
	str("Category", &p.Category)
	str("IconName", &p.IconName)
	str("IconThemePath", &p.IconThemePath)
	if v, ok := all["ItemIsMenu"]; ok {
		_ = v.Store(&p.ItemIsMenu)
	}
	if v, ok := all["Menu"]; ok {
		_ = v.Store(&p.Menu)
	}
	if v, ok := all["IconPixmap"]; ok {
		var px []wirePixmap
		if err := v.Store(&px); err != nil {
			return p, fmt.Errorf("sniwatcher: IconPixmap of %s: %w", it, err)
		}
		p.IconPixmap = toPixmaps(px)
	}
	if v, ok := all["ToolTip"]; ok {
		var tt struct {
			Name  string
			Icons []wirePixmap
			Title string
			Text  string
		}
		if err := v.Store(&tt); err != nil {
			return p, fmt.Errorf("sniwatcher: ToolTip of %s: %w", it, err)
		}
		p.ToolTip = ToolTip{IconName: tt.Name, Icons: toPixmaps(tt.Icons), Title: tt.Title, Text: tt.Text}
	}
	return p, nil
}

// Activate sends the item a primary click (what a left click on the icon
// does in most hosts).
func (w *Watcher) Activate(ctx context.Context, it Item) error {
	err := w.conn.Object(it.Service, it.Path).CallWithContext(ctx, ItemIface+".Activate", 0, int32(0), int32(0)).Err
	if err != nil {
		return fmt.Errorf("sniwatcher: activating %s: %w", it, err)
	}
	return nil
}

// MenuItem is one entry of a dbusmenu layout, with the standard properties
// filled in with their defaults where the item leaves them out.
type MenuItem struct {
	ID              int32      `json:"id"`
	Label           string     `json:"label"` // raw, with mnemonic underscores
	Enabled         bool       `json:"enabled"`
	Visible         bool       `json:"visible"`
	Type            string     `json:"type,omitempty"` // "standard" or "separator"
	ChildrenDisplay string     `json:"children_display,omitempty"`
	ToggleType      string     `json:"toggle_type,omitempty"`
	ToggleState     int32      `json:"toggle_state,omitempty"`
	Children        []MenuItem `json:"children,omitempty"`
}

// Text is the label as a person sees it: "__" is one underscore, a single
// "_" marks the access key and is not shown.
func (m MenuItem) Text() string { return Unmnemonic(m.Label) }

// Unmnemonic removes dbusmenu's mnemonic markup from a label.
func Unmnemonic(label string) string {
	var b strings.Builder
	r := []rune(label)
	for i := 0; i < len(r); i++ {
		if r[i] == '_' {
			if i+1 < len(r) && r[i+1] == '_' {
				b.WriteRune('_')
				i++
			}
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}

// Find returns the first entry, depth first, whose Text is text.
func (m MenuItem) Find(text string) (MenuItem, bool) {
	for _, c := range m.Children {
		if c.Text() == text {
			return c, true
		}
		if f, ok := c.Find(text); ok {
			return f, true
		}
	}
	return MenuItem{}, false
}

// Shown returns the visible children's texts, separators as "---": the
// menu a person would see at this level.
func (m MenuItem) Shown() []string {
	var out []string
	for _, c := range m.Children {
		switch {
		case !c.Visible:
		case c.Type == "separator":
			out = append(out, "---")
		default:
			out = append(out, c.Text())
		}
	}
	return out
}

// Menu reads its whole menu. Submenus that come back empty although they
// say they have children are fetched on their own, the way a host does when
// a submenu opens (fyne.io/systray answers the first GetLayout only one
// level deep).
func (w *Watcher) Menu(ctx context.Context, it Item) (MenuItem, error) {
	path, err := w.menuPath(ctx, it)
	if err != nil {
		return MenuItem{}, err
	}
	root, err := w.layout(ctx, it.Service, path, 0)
	if err != nil {
		return MenuItem{}, err
	}
	if err := w.fillSubmenus(ctx, it.Service, path, &root, 0); err != nil {
		return MenuItem{}, err
	}
	return root, nil
}

func (w *Watcher) fillSubmenus(ctx context.Context, service string, path dbus.ObjectPath, m *MenuItem, depth int) error {
	if depth > 16 {
		return errors.New("sniwatcher: menu nested too deep")
	}
	for i := range m.Children {
		c := &m.Children[i]
		if c.ChildrenDisplay == "submenu" && len(c.Children) == 0 {
			sub, err := w.layout(ctx, service, path, c.ID)
			if err != nil {
				return err
			}
			c.Children = sub.Children
		}
		if err := w.fillSubmenus(ctx, service, path, c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (w *Watcher) menuPath(ctx context.Context, it Item) (dbus.ObjectPath, error) {
	var v dbus.Variant
	err := w.conn.Object(it.Service, it.Path).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, ItemIface, "Menu").Store(&v)
	if err != nil {
		return "", fmt.Errorf("sniwatcher: reading the Menu property of %s: %w", it, err)
	}
	path, ok := v.Value().(dbus.ObjectPath)
	if !ok || !path.IsValid() || path == "/" {
		return "", fmt.Errorf("sniwatcher: %s has no menu (Menu = %v)", it, v)
	}
	return path, nil
}

func (w *Watcher) layout(ctx context.Context, service string, path dbus.ObjectPath, parent int32) (MenuItem, error) {
	call := w.conn.Object(service, path).CallWithContext(ctx, MenuIface+".GetLayout", 0, parent, int32(-1), []string{})
	if call.Err != nil {
		return MenuItem{}, fmt.Errorf("sniwatcher: GetLayout(%d): %w", parent, call.Err)
	}
	if len(call.Body) != 2 {
		return MenuItem{}, fmt.Errorf("sniwatcher: GetLayout(%d) returned %d values, want 2", parent, len(call.Body))
	}
	return decodeLayout(call.Body[1], 0)
}

// decodeLayout turns a (ia{sv}av) layout, as godbus decodes it, into a
// MenuItem.
func decodeLayout(v any, depth int) (MenuItem, error) {
	if depth > 32 {
		return MenuItem{}, errors.New("sniwatcher: layout nested too deep")
	}
	if vv, ok := v.(dbus.Variant); ok {
		v = vv.Value()
	}
	parts, ok := v.([]any)
	if !ok || len(parts) != 3 {
		return MenuItem{}, fmt.Errorf("sniwatcher: a layout node is %T, want (ia{sv}av)", v)
	}
	id, ok1 := parts[0].(int32)
	props, ok2 := parts[1].(map[string]dbus.Variant)
	children, ok3 := parts[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return MenuItem{}, fmt.Errorf("sniwatcher: a layout node has types %T, %T, %T", parts[0], parts[1], parts[2])
	}
	m := MenuItem{ID: id, Enabled: true, Visible: true, Type: "standard"}
	for k, pv := range props {
		switch k {
		case "label":
			_ = pv.Store(&m.Label)
		case "enabled":
			_ = pv.Store(&m.Enabled)
		case "visible":
			_ = pv.Store(&m.Visible)
		case "type":
			_ = pv.Store(&m.Type)
		case "children-display":
			_ = pv.Store(&m.ChildrenDisplay)
		case "toggle-type":
			_ = pv.Store(&m.ToggleType)
		case "toggle-state":
			_ = pv.Store(&m.ToggleState)
		}
	}
	for _, c := range children {
		child, err := decodeLayout(c, depth+1)
		if err != nil {
			return MenuItem{}, err
		}
		m.Children = append(m.Children, child)
	}
	return m, nil
}

// Click sends Event(id, "clicked") to its menu.
func (w *Watcher) Click(ctx context.Context, it Item, id int32) error {
	path, err := w.menuPath(ctx, it)
	if err != nil {
		return err
	}
	err = w.conn.Object(it.Service, path).CallWithContext(ctx, MenuIface+".Event", 0,
		id, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
	if err != nil {
		return fmt.Errorf("sniwatcher: clicking menu entry %d: %w", id, err)
	}
	return nil
}

// ClickText clicks the visible, enabled entry whose Text is text.
func (w *Watcher) ClickText(ctx context.Context, it Item, text string) error {
	m, err := w.Menu(ctx, it)
	if err != nil {
		return err
	}
	e, ok := m.Find(text)
	switch {
	case !ok:
		return fmt.Errorf("sniwatcher: no menu entry %q", text)
	case !e.Visible:
		return fmt.Errorf("sniwatcher: menu entry %q is hidden", text)
	case !e.Enabled:
		return fmt.Errorf("sniwatcher: menu entry %q is disabled", text)
	}
	return w.Click(ctx, it, e.ID)
}
