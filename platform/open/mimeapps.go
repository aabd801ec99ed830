package open

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MailtoType is the MIME type whose handler is the user's mail program.
const MailtoType = "x-scheme-handler/mailto"

// Source says where a handler was found.
type Source string

const (
	// SourceDefault: a [Default Applications] entry of a mimeapps.list.
	SourceDefault Source = "default"
	// SourceAssociation: no default was set; the most preferred
	// association ([Added Associations], then the installed applications'
	// mimeinfo.cache), as desktops fall back to.
	SourceAssociation Source = "association"
)

// Handler is the resolved application for a MIME type.
type Handler struct {
	Entry  *DesktopEntry
	Source Source
}

// DefaultMailClient returns the desktop's mail program: DefaultHandler for
// x-scheme-handler/mailto.
func (d Dirs) DefaultMailClient() (*Handler, error) { return d.DefaultHandler(MailtoType) }

// DefaultHandler resolves the application for mime as the XDG MIME
// Applications spec says: the mimeapps.list files in order (see Dirs), the
// first installed desktop file listed under [Default Applications] wins; an
// entry listed but not installed (no file, Hidden, TryExec missing) passes
// to the next. Without a default it falls back to the associations (the
// [Added Associations] of those files, then mimeinfo.cache of each
// application directory), minus [Removed Associations] of the same or a
// more important file.
//
// Errors wrap ErrNoDefaultClient (nothing named at all) or
// ErrClientNotInstalled (names, none installed); a terminal program is
// returned, the caller refuses it (Launcher does, with ErrClientInTerminal).
func (d Dirs) DefaultHandler(mime string) (*Handler, error) {
	mime = strings.ToLower(mime)
	var (
		defaults, added []string
		removed         = map[string]bool{}
	)
	for _, f := range d.mimeappsFiles() {
		kf, err := readKeyFile(f)
		if err != nil {
			continue // absent files are the rule, unreadable ones are skipped like GLib does
		}
		defaults = append(defaults, lookup(kf["Default Applications"], mime)...)
		for _, id := range lookup(kf["Removed Associations"], mime) {
			removed[id] = true
		}
		for _, id := range lookup(kf["Added Associations"], mime) {
			if !removed[id] {
				added = append(added, id)
			}
		}
	}
	var reasons []string
	if h := d.firstInstalled(defaults, &reasons); h != nil {
		h.Source = SourceDefault
		return h, nil
	}
	for _, dir := range d.applicationDirs() {
		kf, err := readKeyFile(filepath.Join(dir, "mimeinfo.cache"))
		if err != nil {
			continue
		}
		for _, id := range lookup(kf["MIME Cache"], mime) {
			if !removed[id] {
				added = append(added, id)
			}
		}
	}
	if h := d.firstInstalled(added, &reasons); h != nil {
		h.Source = SourceAssociation
		return h, nil
	}
	if len(reasons) == 0 {
		return nil, fmt.Errorf("%w (nothing handles %s)", ErrNoDefaultClient, mime)
	}
	return nil, fmt.Errorf("%w: %s", ErrClientNotInstalled, strings.Join(reasons, "; "))
}

// lookup returns the IDs a group lists for mime; keys are compared without
// case, as MIME types are.
func lookup(g map[string]string, mime string) []string {
	var out []string
	for k, v := range g {
		if strings.ToLower(k) == mime {
			out = append(out, list(v)...)
		}
	}
	return out
}

// firstInstalled returns the first usable entry of ids, noting why the
// others were passed over.
func (d Dirs) firstInstalled(ids []string, reasons *[]string) *Handler {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		path, ok := d.findDesktopFile(id)
		if !ok {
			*reasons = append(*reasons, id+" not found")
			continue
		}
		e, err := ReadDesktopEntry(path, id)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
				*reasons = append(*reasons, id+" unreadable")
			} else {
				*reasons = append(*reasons, err.Error())
			}
			continue
		}
		if err := e.installed(); err != nil {
			*reasons = append(*reasons, err.Error())
			continue
		}
		return &Handler{Entry: e}
	}
	return nil
}
