package mail

import (
	"context"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Role is what a folder is for, from its SPECIAL-USE attribute (RFC 6154)
// or, where the server has none, its name.
type Role string

// Roles.
const (
	RoleNone    Role = ""
	RoleInbox   Role = "inbox"
	RoleJunk    Role = "junk"
	RoleTrash   Role = "trash"
	RoleSent    Role = "sent"
	RoleDrafts  Role = "drafts"
	RoleArchive Role = "archive"
	RoleAll     Role = "all"     // a virtual folder of all mail (Gmail's All Mail)
	RoleFlagged Role = "flagged" // a virtual folder of flagged mail
)

// NeverNotifies reports whether new mail in a folder of this role is never
// announced, whatever the settings say: spam and deleted mail.
func (r Role) NeverNotifies() bool { return r == RoleJunk || r == RoleTrash }

// InAll reports whether "all folders" includes a folder of this role: not
// Junk, Trash, Sent or Drafts (nothing new to the person arrives there),
// nor the virtual All and Flagged folders (their mail is in another one
// already).
func (r Role) InAll() bool {
	switch r {
	case RoleJunk, RoleTrash, RoleSent, RoleDrafts, RoleAll, RoleFlagged:
		return false
	}
	return true
}

// Folder is one folder of an account.
type Folder struct {
	Name string
	Role Role
	// Selectable: it can hold mail (not \Noselect, not \NonExistent).
	Selectable bool
}

// ListFolders logs in and lists the account's folders (LIST "" "*", with
// RETURN (SPECIAL-USE) where the server has SPECIAL-USE), INBOX first,
// then by name. Roles come from the special-use attributes, else from
// well-known names (GuessRole).
func ListFolders(ctx context.Context, a Account, opts Options) ([]Folder, error) {
	opts = opts.withDefaults()
	s, err := dial(ctx, a, opts, newUnilateral(), nil)
	if err != nil {
		return nil, err
	}
	defer s.close(true)
	var lo *imap.ListOptions
	if s.client.Caps().Has(imap.CapSpecialUse) {
		lo = &imap.ListOptions{ReturnSpecialUse: true}
	}
	stop := s.guardCommand()
	list, err := s.client.List("", "*", lo).Collect()
	stop()
	if err != nil {
		return nil, s.wrapErr("LIST", err)
	}
	out := make([]Folder, 0, len(list))
	for _, d := range list {
		f := Folder{Name: d.Mailbox, Selectable: true}
		for _, attr := range d.Attrs {
			switch attr {
			case imap.MailboxAttrNoSelect, imap.MailboxAttrNonExistent:
				f.Selectable = false
			}
			if r := roleOf(attr); r != RoleNone && f.Role == RoleNone {
				f.Role = r
			}
		}
		if strings.EqualFold(f.Name, "INBOX") {
			f.Name, f.Role = "INBOX", RoleInbox
		}
		if f.Role == RoleNone {
			f.Role = GuessRole(f.Name)
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(x, y Folder) int {
		if (x.Role == RoleInbox) != (y.Role == RoleInbox) {
			if x.Role == RoleInbox {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out, nil
}

func roleOf(attr imap.MailboxAttr) Role {
	switch imap.MailboxAttr(strings.ToLower(string(attr))) {
	case "\\junk":
		return RoleJunk
	case "\\trash":
		return RoleTrash
	case "\\sent":
		return RoleSent
	case "\\drafts":
		return RoleDrafts
	case "\\archive":
		return RoleArchive
	case "\\all":
		return RoleAll
	case "\\flagged":
		return RoleFlagged
	}
	return RoleNone
}

// wellKnown are folder names (the last level, lower case) that mean a role
// on servers without SPECIAL-USE.
var wellKnown = map[string]Role{
	"junk": RoleJunk, "spam": RoleJunk, "junk e-mail": RoleJunk, "junk email": RoleJunk, "bulk mail": RoleJunk,
	"trash": RoleTrash, "deleted items": RoleTrash, "deleted messages": RoleTrash, "bin": RoleTrash,
	"sent": RoleSent, "sent items": RoleSent, "sent messages": RoleSent, "sent mail": RoleSent,
	"drafts": RoleDrafts, "draft": RoleDrafts,
	"archive": RoleArchive, "all mail": RoleAll, "starred": RoleFlagged,
}

// GuessRole names the role of a folder from its name alone ("Spam",
// "INBOX.Trash", "[Gmail]/Sent Mail"); RoleNone when the name says nothing.
func GuessRole(name string) Role {
	if strings.EqualFold(name, "INBOX") {
		return RoleInbox
	}
	last := name
	if i := strings.LastIndexAny(name, "/."); i >= 0 && i+1 < len(name) {
		last = name[i+1:]
	}
	return wellKnown[strings.ToLower(strings.TrimSpace(last))]
}
