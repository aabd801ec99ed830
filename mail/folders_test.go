package mail_test

import (
	"context"
	"testing"
	"time"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
)

func roles(fs []mail.Folder) map[string]mail.Role {
	m := map[string]mail.Role{}
	for _, f := range fs {
		m[f.Name] = f.Role
	}
	return m
}

func TestDovecotListFoldersSpecialUse(t *testing.T) {
	t.Parallel()
	s := startDovecot(t, dovecottest.Options{ExtraConfig: dovecottest.SpecialUseFolders})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fs, err := mail.ListFolders(ctx, dovecotAccount(s, mail.SecurityTLS), dovecotOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Name != "INBOX" || fs[0].Role != mail.RoleInbox {
		t.Fatalf("folders %+v: want INBOX first", fs)
	}
	want := map[string]mail.Role{"INBOX": mail.RoleInbox, "Unerwünscht": mail.RoleJunk, "Papierkorb": mail.RoleTrash,
		"Gesendet": mail.RoleSent, "Entwurf": mail.RoleDrafts, "Lists": mail.RoleNone}
	got := roles(fs)
	for name, role := range want {
		if r, ok := got[name]; !ok || r != role {
			t.Errorf("%s: role %q (listed %v), want %q; all %+v", name, r, ok, role, fs)
		}
	}
	for _, f := range fs {
		if !f.Selectable {
			t.Errorf("%s not selectable", f.Name)
		}
	}
}

func TestListFoldersByName(t *testing.T) {
	srv := startServer(t, imaptest.Config{Mode: imaptest.Plain})
	for _, f := range []string{"Spam", "Trash", "Sent Items", "Drafts", "Work"} {
		if err := srv.CreateMailbox(user, f); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fs, err := mail.ListFolders(ctx, accountFor(srv, mail.SecurityPlain), fast())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]mail.Role{"INBOX": mail.RoleInbox, "Spam": mail.RoleJunk, "Trash": mail.RoleTrash,
		"Sent Items": mail.RoleSent, "Drafts": mail.RoleDrafts, "Work": mail.RoleNone}
	got := roles(fs)
	if len(got) != len(want) || fs[0].Name != "INBOX" {
		t.Fatalf("folders %+v", fs)
	}
	for name, role := range want {
		if got[name] != role {
			t.Errorf("%s: role %q, want %q", name, got[name], role)
		}
	}
}

func TestRoles(t *testing.T) {
	for name, want := range map[string]mail.Role{"[Gmail]/Spam": mail.RoleJunk, "INBOX.Trash": mail.RoleTrash,
		"[Gmail]/All Mail": mail.RoleAll, "Deleted Items": mail.RoleTrash, "Projects/Junkyard": mail.RoleNone, "inbox": mail.RoleInbox} {
		if got := mail.GuessRole(name); got != want {
			t.Errorf("GuessRole(%q) = %q, want %q", name, got, want)
		}
	}
	for _, r := range []mail.Role{mail.RoleJunk, mail.RoleTrash} {
		if !r.NeverNotifies() || r.InAll() {
			t.Errorf("%s: never notifies %v, in all %v", r, r.NeverNotifies(), r.InAll())
		}
	}
	for _, r := range []mail.Role{mail.RoleInbox, mail.RoleNone, mail.RoleArchive} {
		if r.NeverNotifies() || !r.InAll() {
			t.Errorf("%s: never notifies %v, in all %v", r, r.NeverNotifies(), r.InAll())
		}
	}
	if mail.RoleSent.InAll() || mail.RoleDrafts.InAll() || mail.RoleAll.InAll() {
		t.Error("Sent, Drafts or All Mail in all folders")
	}
}
