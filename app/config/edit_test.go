package config

import (
	"errors"
	"testing"
)

func TestWithAccountAndFields(t *testing.T) {
	c := New()
	c.Accounts = []Account{{ID: "a", Host: "imap.example.com", Username: "u"}, {ID: "b", Host: "imap.example.org", Username: "v"}}

	next, i := c.WithAccount(Account{ID: "b2", Host: "imap.example.org:993", Port: 70000, Username: "v", Folders: []string{"INBOX", "INBOX"}}, "b")
	if i != 1 || len(next.Accounts) != 2 || c.Accounts[1].ID != "b" {
		t.Fatalf("replace: index %d, accounts %+v, original %+v", i, next.Accounts, c.Accounts)
	}
	err := next.Validate()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Validate: %v", err)
	}
	fields := ce.Fields("accounts[1]")
	// The loader's words, keyed by field.
	want := map[string]string{
		"host":    `"imap.example.org:993" includes a port; put the port in "port"`,
		"port":    "70000 is out of range: want 1 to 65535 (or leave it out for the default)",
		"folders": `folder "INBOX" is listed twice`,
	}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("field %q: %q, want %q", k, fields[k], v)
		}
	}
	if len(fields) != len(want) {
		t.Errorf("fields %q", fields)
	}
	for _, p := range ce.Problems {
		if p.Field == "accounts[1].host" && p.Msg != want["host"] {
			t.Errorf("the loader says %q, Fields %q", p.Msg, want["host"])
		}
	}

	added, i := c.WithAccount(Account{ID: "c"}, "")
	if i != 2 || len(added.Accounts) != 3 {
		t.Fatalf("append: %d %+v", i, added.Accounts)
	}
	// A problem of another account is kept, under "".
	if f := (&Error{Problems: []Problem{{Field: "accounts[0].id", Msg: "x"}}}).Fields("accounts[1]"); f[""] != "accounts[0].id: x" {
		t.Errorf("foreign problem: %q", f)
	}
	less, ok := c.WithoutAccount("a")
	if !ok || len(less.Accounts) != 1 || less.Accounts[0].ID != "b" || len(c.Accounts) != 2 {
		t.Errorf("without: %+v", less.Accounts)
	}
	if _, ok := c.WithoutAccount("nope"); ok {
		t.Error("removed an account that is not there")
	}
}
