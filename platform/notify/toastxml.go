package notify

import (
	"encoding/xml"
	"path/filepath"
	"strconv"
	"strings"
)

// The Windows toast notifier (windows.go) describes each toast in the
// toast XML schema and gets the person's choice back as the argument string
// of the button (or of the toast body) they clicked. Both ends live here,
// build-tag free, so they are tested on every OS.

// toastArgPrefix starts every activation argument Mailbell writes.
const toastArgPrefix = "mailbell:"

// toastArgs is the activation argument for action key of toast id.
func toastArgs(id uint32, key string) string {
	return toastArgPrefix + strconv.FormatUint(uint64(id), 10) + ":" + key
}

// parseToastArgs reads what toastArgs wrote; anything else is not ours.
func parseToastArgs(s string) (ActionEvent, bool) {
	rest, ok := strings.CutPrefix(s, toastArgPrefix)
	if !ok {
		return ActionEvent{}, false
	}
	idStr, key, ok := strings.Cut(rest, ":")
	if !ok || key == "" {
		return ActionEvent{}, false
	}
	id, err := strconv.ParseUint(idStr, 10, 32)
	if err != nil || id == 0 {
		return ActionEvent{}, false
	}
	return ActionEvent{ID: uint32(id), Key: key}, true
}

// toastMailSound is Windows' own new-mail sound.
const toastMailSound = "ms-winsoundevent:Notification.Mail"

// toastXML is toast id's XML. Text is escaped (a subject is the sender's
// to choose: it may hold "<", "&" or "]]>"); clicking the toast reports
// DefaultAction, each other action is a button (at most 5, the schema's
// limit). A notification with a sound plays Windows' mail sound (the toast
// cannot play a freedesktop theme name); one without is silent, so a burst
// does not chime per message. Persistent notifications use the "reminder"
// scenario, which stays on screen until dismissed.
func toastXML(id uint32, n Notification) string {
	var b strings.Builder
	attr := func(name, value string) {
		b.WriteString(" " + name + `="`)
		xml.EscapeText(&b, []byte(value))
		b.WriteString(`"`)
	}
	b.WriteString(`<toast activationType="foreground"`)
	attr("launch", toastArgs(id, DefaultAction))
	if n.Persistent {
		attr("scenario", "reminder")
	}
	b.WriteString(`><visual><binding template="ToastGeneric">`)
	if isAbsFile(n.IconPath) {
		b.WriteString(`<image placement="appLogoOverride"`)
		attr("src", n.IconPath)
		b.WriteString(`/>`)
	}
	for _, text := range []string{n.Summary, n.Body} {
		if text == "" {
			continue
		}
		b.WriteString(`<text>`)
		xml.EscapeText(&b, []byte(text))
		b.WriteString(`</text>`)
	}
	b.WriteString(`</binding></visual>`)
	if n.Sound.IsZero() {
		b.WriteString(`<audio silent="true"/>`)
	} else {
		b.WriteString(`<audio src="` + toastMailSound + `"/>`)
	}
	buttons := 0
	for _, a := range n.Actions {
		if a.Key == DefaultAction || buttons == 5 {
			continue
		}
		if buttons == 0 {
			b.WriteString(`<actions>`)
		}
		buttons++
		b.WriteString(`<action activationType="foreground"`)
		attr("content", a.Label)
		attr("arguments", toastArgs(id, a.Key))
		b.WriteString(`/>`)
	}
	if buttons > 0 {
		b.WriteString(`</actions>`)
	}
	b.WriteString(`</toast>`)
	return b.String()
}

// isAbsFile: toasts show an image from a file, never from an icon theme
// name. A drive path counts on every OS, so tests see what Windows sees.
func isAbsFile(p string) bool {
	return filepath.IsAbs(p) || (len(p) > 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/'))
}
