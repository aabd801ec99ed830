package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailbell/mail"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

func item(acct, folder string, uv, uid uint32, arrived time.Time) Recent {
	return Recent{Account: acct, Folder: folder, UIDValidity: uv, UID: uid,
		From: "Ann Lee", FromAddr: "ann@example.com", Subject: fmt.Sprintf("msg %d", uid),
		Date: arrived.Add(-time.Minute), Arrived: arrived}
}

func ids(rs []Recent) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s:%s:%d:%d", r.Account, r.Folder, r.UIDValidity, r.UID)
	}
	return out
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestOpenMissingIsEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := open(t, dir)
	if p := s.Position(Key{"x", "INBOX"}); p != (mail.Position{}) {
		t.Errorf("Position of unknown key = %+v, want zero", p)
	}
	if r := s.Recent(); len(r) != 0 {
		t.Errorf("Recent = %v, want empty", r)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("created folder mode %v, want 0700", fi.Mode().Perm())
	}
	if names := listFiles(t, dir); len(names) != 0 {
		t.Errorf("Open wrote files %v before any change", names)
	}
}

func TestCommitPersists(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	// These two keys would collide if the file joined account and folder with '/'.
	k1 := Key{"acct", "a/b"}
	k2 := Key{"acct/a", "b"}
	p1 := mail.Position{UIDValidity: 7, LastUID: 42}
	p2 := mail.Position{UIDValidity: 9, LastUID: 3}
	if err := s.Commit(k1, p1, []Recent{item("", "", 7, 42, t0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(k2, p2, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.Position(k1); got != p1 {
		t.Errorf("Position(k1) = %+v, want %+v", got, p1)
	}
	r := s.Recent()
	if len(r) != 1 || r[0].Account != "acct" || r[0].Folder != "a/b" {
		t.Fatalf("Recent = %+v, want one item with the key's account and folder filled in", r)
	}

	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	if names := listFiles(t, dir); len(names) != 1 {
		t.Errorf("files after commits: %v, want only %s", names, FileName)
	}

	// The format is a contract with the next version of Mailbell: check it raw.
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Version   int `json:"version"`
		Positions []struct {
			Account, Folder string
			UIDValidity     uint32 `json:"uidvalidity"`
			LastUID         uint32 `json:"last_uid"`
		} `json:"positions"`
		Recent []map[string]any `json:"recent"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("state file does not parse: %v\n%s", err, data)
	}
	if raw.Version != 1 || len(raw.Positions) != 2 || len(raw.Recent) != 1 {
		t.Fatalf("unexpected file:\n%s", data)
	}
	for _, f := range []string{"account", "folder", "uid", "uidvalidity", "from", "from_addr", "subject", "date", "seen", "arrived"} {
		if _, ok := raw.Recent[0][f]; !ok {
			t.Errorf("recent item lacks field %q:\n%s", f, data)
		}
	}

	s2 := open(t, dir)
	if got := s2.Position(k1); got != p1 {
		t.Errorf("after reopen Position(k1) = %+v, want %+v", got, p1)
	}
	if got := s2.Position(k2); got != p2 {
		t.Errorf("after reopen Position(k2) = %+v, want %+v", got, p2)
	}
	if got := s2.Positions(); len(got) != 2 {
		t.Errorf("Positions = %v, want 2 entries", got)
	}
	r2 := s2.Recent()
	if len(r2) != 1 || !r2[0].Arrived.Equal(r[0].Arrived) || !r2[0].Date.Equal(r[0].Date) ||
		r2[0].Subject != r[0].Subject || r2[0].FromAddr != r[0].FromAddr || r2[0].UID != 42 || r2[0].UIDValidity != 7 {
		t.Errorf("after reopen Recent = %+v, want %+v", r2, r)
	}
}

func TestRecentOrderDedupCap(t *testing.T) {
	s := open(t, t.TempDir())
	k := Key{"a", "INBOX"}
	// Arrivals out of order, across accounts and commits.
	if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: 3}, []Recent{
		item("a", "INBOX", 1, 1, t0.Add(1*time.Second)),
		item("a", "INBOX", 1, 3, t0.Add(3*time.Second)),
		item("a", "INBOX", 1, 2, t0.Add(2*time.Second)),
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(Key{"b", "Lists/go"}, mail.Position{UIDValidity: 5, LastUID: 9}, []Recent{
		item("b", "Lists/go", 5, 9, t0.Add(2500*time.Millisecond)),
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"a:INBOX:1:3", "b:Lists/go:5:9", "a:INBOX:1:2", "a:INBOX:1:1"}
	if got := ids(s.Recent()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order = %v, want %v", got, want)
	}

	// Same arrival instant: by Date, then by UID.
	same := t0.Add(10 * time.Second)
	a, b, c := item("a", "INBOX", 1, 10, same), item("a", "INBOX", 1, 11, same), item("a", "INBOX", 1, 12, same)
	c.Date = a.Date.Add(-time.Hour) // oldest Date despite the highest UID
	if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: 12}, []Recent{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if got := ids(s.Recent()[:3]); strings.Join(got, " ") != "a:INBOX:1:11 a:INBOX:1:10 a:INBOX:1:12" {
		t.Errorf("ties: order = %v", got)
	}

	// A message added again replaces its old entry: no duplicate.
	dup := item("a", "INBOX", 1, 2, t0.Add(2*time.Second))
	dup.Subject = "updated"
	// The same UID under another UIDVALIDITY is another message.
	other := item("a", "INBOX", 2, 2, t0.Add(2*time.Second))
	if err := s.Commit(k, mail.Position{UIDValidity: 2, LastUID: 2}, []Recent{dup, other}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range s.Recent() {
		if r.Account == "a" && r.UIDValidity == 1 && r.UID == 2 {
			n++
			if r.Subject != "updated" {
				t.Errorf("duplicate kept the old entry: %+v", r)
			}
		}
	}
	if n != 1 {
		t.Errorf("message a:INBOX:1:2 listed %d times, want 1", n)
	}
	if len(s.Recent()) != 8 {
		t.Errorf("len(Recent) = %d, want 8: %v", len(s.Recent()), ids(s.Recent()))
	}

	// Cap: the newest MaxRecent survive, across accounts.
	var many []Recent
	for i := range 70 {
		acct := []string{"a", "b"}[i%2]
		many = append(many, item(acct, "INBOX", 3, uint32(100+i), t0.Add(time.Hour+time.Duration(i)*time.Second)))
	}
	if err := s.Commit(k, mail.Position{UIDValidity: 3, LastUID: 169}, many); err != nil {
		t.Fatal(err)
	}
	r := s.Recent()
	if len(r) != MaxRecent {
		t.Fatalf("len(Recent) = %d, want %d", len(r), MaxRecent)
	}
	for i, x := range r {
		if want := uint32(169 - i); x.UID != want {
			t.Fatalf("Recent[%d].UID = %d, want %d", i, x.UID, want)
		}
	}
	// The returned slice is a copy.
	r[0].Subject = "mutated"
	if s.Recent()[0].Subject == "mutated" {
		t.Error("Recent returns the store's own slice")
	}
}

func TestSetSeen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	k := Key{"a", "INBOX"}
	if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: 2},
		[]Recent{item("a", "INBOX", 1, 1, t0), item("a", "INBOX", 1, 2, t0.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	writes := 0
	s.beforeRename = func(string) error { writes++; return nil }
	if err := s.SetSeen(k, 1, 1, true); err != nil {
		t.Fatal(err)
	}
	if writes != 1 {
		t.Errorf("SetSeen wrote %d times, want 1", writes)
	}
	// Unknown message, wrong UIDVALIDITY, or no change: nothing to write.
	for _, c := range []struct{ uv, uid uint32 }{{1, 99}, {2, 1}, {1, 1}} {
		if err := s.SetSeen(k, c.uv, c.uid, true); err != nil {
			t.Fatal(err)
		}
	}
	if writes != 1 {
		t.Errorf("no-op SetSeen calls wrote: %d writes, want 1", writes)
	}
	s2 := open(t, dir)
	for _, r := range s2.Recent() {
		if want := r.UID == 1; r.Seen != want {
			t.Errorf("after reopen UID %d Seen = %v, want %v", r.UID, r.Seen, want)
		}
	}
	if err := s2.SetSeen(k, 1, 1, false); err != nil {
		t.Fatal(err)
	}
	if open(t, dir).Recent()[1].Seen {
		t.Error("SetSeen(false) did not persist")
	}
}

func TestRemoveAccountAndForget(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ka, ka2, kb := Key{"a", "INBOX"}, Key{"a", "Sent"}, Key{"b", "INBOX"}
	for i, k := range []Key{ka, ka2, kb} {
		if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: uint32(i + 1)},
			[]Recent{item(k.Account, k.Folder, 1, uint32(i+1), t0.Add(time.Duration(i)*time.Second))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveAccount("a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(kb); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*Store{s, open(t, dir)} {
		for _, k := range []Key{ka, ka2, kb} {
			if p := st.Position(k); p.Known() {
				t.Errorf("Position(%v) = %+v after removal, want zero", k, p)
			}
		}
		if got := ids(st.Recent()); len(got) != 1 || got[0] != "b:INBOX:1:3" {
			t.Errorf("Recent = %v, want only b's message (Forget keeps history)", got)
		}
	}
}

func TestCorruptFileSetAside(t *testing.T) {
	valid, err := encode(map[Key]mail.Position{{"a", "INBOX"}: {UIDValidity: 1, LastUID: 5}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":      {},
		"truncated":  valid[:len(valid)/2],
		"garbage":    []byte("\x00\x01not json"),
		"trailing":   append(append([]byte{}, valid...), []byte("}{")...),
		"no version": []byte(`{"positions":[]}`),
		"version 2":  []byte(`{"version":2,"positions":[],"recent":[]}`),
		"wrong type": []byte(`{"version":1,"positions":{"a/INBOX":{"uidvalidity":1,"last_uid":5}}}`),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			s, err := OpenWithLogger(dir, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if p := s.Position(Key{"a", "INBOX"}); p.Known() || len(s.Recent()) != 0 {
				t.Errorf("state not empty after a corrupt file: %+v %v", p, s.Recent())
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), path) ||
				!strings.Contains(logs.String(), "moved aside") {
				t.Errorf("warning missing or unclear: %q", logs.String())
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt %s still in place (err %v)", FileName, err)
			}
			aside, _ := filepath.Glob(filepath.Join(dir, corruptPrefix+"*"))
			if len(aside) != 1 {
				t.Fatalf("set-aside files: %v, want 1", aside)
			}
			if got, _ := os.ReadFile(aside[0]); !bytes.Equal(got, content) {
				t.Errorf("set-aside file content changed")
			}
			// And the store works from there.
			if err := s.Commit(Key{"a", "INBOX"}, mail.Position{UIDValidity: 1, LastUID: 9}, nil); err != nil {
				t.Fatal(err)
			}
			if p := open(t, dir).Position(Key{"a", "INBOX"}); p.LastUID != 9 {
				t.Errorf("after recovery Position = %+v", p)
			}
		})
	}
}

func TestLeftoverTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Commit(Key{"a", "INBOX"}, mail.Position{UIDValidity: 1, LastUID: 5}, nil); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{tmpPrefix + "123", tmpPrefix + "abc"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(`{"version":1,"posit`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, dir)
	if p := s2.Position(Key{"a", "INBOX"}); p.LastUID != 5 {
		t.Errorf("Position = %+v, want LastUID 5", p)
	}
	got := strings.Join(listFiles(t, dir), " ")
	if got != "config.json "+FileName {
		t.Errorf("files after Open: %s, want config.json and %s only", got, FileName)
	}
}

func TestWriteFailureKeepsOldState(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	k := Key{"a", "INBOX"}
	good := mail.Position{UIDValidity: 1, LastUID: 5}
	if err := s.Commit(k, good, []Recent{item("a", "INBOX", 1, 5, t0)}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}

	boom := errors.New("disk full (injected)")
	s.beforeRename = func(string) error { return boom }
	err = s.Commit(k, mail.Position{UIDValidity: 1, LastUID: 6}, []Recent{item("a", "INBOX", 1, 6, t0.Add(time.Second))})
	if !errors.Is(err, boom) {
		t.Fatalf("Commit error = %v, want the injected one", err)
	}
	if err := s.SetSeen(k, 1, 5, true); !errors.Is(err, boom) {
		t.Fatalf("SetSeen error = %v, want the injected one", err)
	}
	if err := s.RemoveAccount("a"); !errors.Is(err, boom) {
		t.Fatalf("RemoveAccount error = %v, want the injected one", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !bytes.Equal(before, after) {
		t.Errorf("state file changed by failed writes")
	}
	if names := listFiles(t, dir); len(names) != 1 {
		t.Errorf("files after failed writes: %v, want only %s", names, FileName)
	}
	if p := s.Position(k); p != good {
		t.Errorf("in-memory Position = %+v after failed writes, want %+v", p, good)
	}
	if r := s.Recent(); len(r) != 1 || r[0].UID != 5 || r[0].Seen {
		t.Errorf("in-memory Recent changed by failed writes: %+v", r)
	}

	// A real failure: the folder is gone, the temp file cannot be created.
	s.beforeRename = nil
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: 7}, nil); err == nil {
		t.Error("Commit into a removed folder succeeded")
	}
	if p := s.Position(k); p != good {
		t.Errorf("in-memory Position = %+v after a failed write, want %+v", p, good)
	}
}

func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	const writers, commits = 3, 4 // each a Commit and a SetSeen: 24 fsynced writes
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := Key{fmt.Sprintf("acct%d", w), "INBOX"}
			for i := 1; i <= commits; i++ {
				arrived := t0.Add(time.Duration(i*writers+w) * time.Millisecond)
				if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: uint32(i)},
					[]Recent{item(k.Account, k.Folder, 1, uint32(i), arrived)}); err != nil {
					t.Error(err)
					return
				}
				if err := s.SetSeen(k, 1, uint32(i), true); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = s.Recent()
				_ = s.Positions()
				_ = s.Position(Key{"acct0", "INBOX"})
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	s2 := open(t, dir)
	for w := range writers {
		k := Key{fmt.Sprintf("acct%d", w), "INBOX"}
		if p := s2.Position(k); p.LastUID != commits {
			t.Errorf("Position(%v) = %+v, want LastUID %d", k, p, commits)
		}
	}
	r := s2.Recent()
	if len(r) != writers*commits {
		t.Fatalf("len(Recent) = %d, want %d", len(r), writers*commits)
	}
	for i := 1; i < len(r); i++ {
		if r[i].Arrived.After(r[i-1].Arrived) {
			t.Fatalf("Recent not newest first at %d", i)
		}
	}
	for _, x := range r {
		if !x.Seen {
			t.Errorf("%s:%d lost its Seen flag to a concurrent write", x.Account, x.UID)
		}
	}
}

func BenchmarkCommit(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	k := Key{"acct1", "INBOX"}
	// Fill the recent list first: the steady state writes a full list.
	var fill []Recent
	for i := range MaxRecent {
		fill = append(fill, item("acct1", "INBOX", 1, uint32(i+1), t0.Add(time.Duration(i)*time.Second)))
	}
	if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: MaxRecent}, fill); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		uid := uint32(MaxRecent + 1 + i)
		if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: uid},
			[]Recent{item("acct1", "INBOX", 1, uid, t0.Add(time.Duration(uid)*time.Second))}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode is Commit's CPU part alone (a full recent list to JSON),
// to compare with BenchmarkCommit, where the two fsyncs dominate.
func BenchmarkEncode(b *testing.B) {
	positions := map[Key]mail.Position{}
	var recent []Recent
	for i := range MaxRecent {
		positions[Key{fmt.Sprintf("acct%d", i%5), fmt.Sprintf("F%d", i%7)}] = mail.Position{UIDValidity: 1, LastUID: uint32(i)}
		recent = append(recent, item("acct1", "INBOX", 1, uint32(i+1), t0.Add(time.Duration(i)*time.Second)))
	}
	for b.Loop() {
		if _, err := encode(positions, mergeRecent(recent[:1], recent)); err != nil {
			b.Fatal(err)
		}
	}
}

// CommitAnnounce announces after the new state is fsynced and before it
// replaces the old file: during the announcement the file still holds the
// old position.
func TestCommitAnnounceOrder(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := Key{Account: "a", Folder: "INBOX"}
	if err := s.Commit(k, mail.Position{UIDValidity: 1, LastUID: 1}, nil); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err = s.CommitAnnounce(k, mail.Position{UIDValidity: 1, LastUID: 2}, nil, func() {
		calls++
		data, err := os.ReadFile(filepath.Join(dir, FileName))
		if err != nil || !strings.Contains(string(data), `"last_uid": 1`) {
			t.Errorf("during the announcement the file says %s (%v)", data, err)
		}
	})
	if err != nil || calls != 1 {
		t.Fatalf("err %v, %d calls", err, calls)
	}
	again, _ := Open(dir)
	if p := again.Position(k); p.LastUID != 2 {
		t.Fatalf("after: %+v", p)
	}
}
