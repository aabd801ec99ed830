package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/internal/testenv/imaptest"
)

func folderServer(t *testing.T) *imaptest.Server {
	t.Helper()
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"work": "pw-work"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, f := range []string{"Lists", "Junk", "Trash", "Sent", "Drafts"} {
		if err := srv.CreateMailbox("work", f); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

func watched(h *harness) []string {
	var out []string
	for _, a := range h.core.Snapshot().Accounts {
		for _, f := range a.Folders {
			out = append(out, f.Name)
		}
	}
	slices.Sort(out)
	return out
}

// "folders": ["*"] watches every folder but Junk, Trash, Sent and Drafts,
// as the server lists them; mail in one of them is announced.
func TestAllFolders(t *testing.T) {
	srv := folderServer(t)
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"work","host":"127.0.0.1","port":%d,"security":"plain","username":"work","folders":["*"]}]}`, srv.Port()))
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("INBOX and Lists idle", func() bool { return fmt.Sprint(watched(h)) == "[INBOX Lists]" && h.allIdle(2)() })
	deliver(t, srv, "work", "Lists", "list post")
	deliver(t, srv, "work", "Junk", "spam")
	deliver(t, srv, "work", "INBOX", "marker")
	h.waitFor("list post and marker", func() bool { return len(h.events(control.EvNewMail)) == 2 })
	for _, e := range h.events(control.EvNewMail) {
		if e.Folder == "Junk" {
			t.Fatalf("Junk watched: %+v", e)
		}
	}
}

// Junk chosen by name still never notifies: its mail is listed, muted.
func TestJunkNeverNotifies(t *testing.T) {
	srv := folderServer(t)
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"work","host":"127.0.0.1","port":%d,"security":"plain","username":"work","folders":["INBOX","Junk"]}]}`, srv.Port()))
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	h.waitFor("idle", h.allIdle(2))
	deliver(t, srv, "work", "Junk", "spam")
	h.waitFor("spam listed", func() bool { return len(h.events(control.EvNewMail)) == 1 })
	deliver(t, srv, "work", "INBOX", "ham")
	h.waitFor("ham notified", func() bool { return len(h.notifications()) >= 1 })
	for _, n := range h.notifications() {
		if n.Body == "spam" || n.Summary == "spam" {
			t.Fatalf("Junk notified: %+v", n)
		}
	}
	if ns := h.notifications(); len(ns) != 1 || ns[0].Body != "ham" {
		t.Fatalf("notifications %+v, want only ham", ns)
	}
}

// list_folders lists the server's folders with their roles, for the
// settings window's picker; the password can be the stored one.
func TestListFoldersCommand(t *testing.T) {
	srv := folderServer(t)
	dir := t.TempDir()
	writeConfig(t, dir, fmt.Sprintf(`{"accounts":[{"id":"work","host":"127.0.0.1","port":%d,"security":"plain","username":"work","enabled":false}]}`, srv.Port()))
	h := newHarness(t, dir, newStore(map[string]string{"work": "pw-work"}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev, err := h.core.Request(ctx, control.Command{Cmd: control.CmdListFolders, Account: "work"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]control.Folder{}
	for _, f := range ev.Folders {
		got[f.Name] = f
	}
	if len(ev.Folders) != 6 || ev.Folders[0].Name != "INBOX" || !got["Lists"].InAll || got["Junk"].InAll || !got["Junk"].NeverNotifies ||
		got["Sent"].InAll || got["Trash"].Role != "trash" {
		t.Fatalf("folders %+v", ev.Folders)
	}
	// An account being edited, with the password typed.
	a := config.Account{ID: "new", Host: "127.0.0.1", Port: srv.Port(), Security: "plain", Username: "work"}
	ev, err = h.core.Request(ctx, control.Command{Cmd: control.CmdListFolders, Settings: &a, Secret: "pw-work"})
	if err != nil || len(ev.Folders) != 6 {
		t.Fatalf("edited account: %+v, %v", ev.Folders, err)
	}
	if _, err := h.core.Request(ctx, control.Command{Cmd: control.CmdListFolders, Settings: &a, Secret: "wrong"}); err == nil {
		t.Fatal("a wrong password listed folders")
	}
}
