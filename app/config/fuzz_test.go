package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// Whatever the file holds, Load either returns a valid config that survives
// a save, or an *Error with at least one located problem; it never panics
// or hangs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"accounts":[{"id":"a","email":"a@example.com","host":"imap.example.com","port":993,"security":"tls","folders":["INBOX","x"],"enabled":false}],"preferences":{"poll_seconds":30}}`,
		`{"accounts":[{"id":"a","host":"h","username":"u"},{"id":"a","host":"h:1","security":"plain","port":"x","password":"p"}],"x":{"y":[1,{}]}}`,
		`{"accounts":null,"preferences":null}`,
		`{"accounts":[null,{"folders":[null,1,[],{}]}]}`,
		"{\"accounts\": [\n  {\"id\": \"a\",}\n]}",
		`[{"a":1}]`, `"x"`, `{}`, ``, `{"a":1,"a":2}`, `{"accounts":[{"id":"a"}]} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("config.json", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) || len(ce.Problems) == 0 || ce.File != "config.json" {
				t.Fatalf("error %#v", err)
			}
			for _, p := range ce.Problems {
				if p.Msg == "" || p.Line < 0 || p.Col < 0 || (p.Line == 0) != (p.Col == 0) {
					t.Fatalf("problem %#v", p)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("loaded but invalid: %v", err)
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := parse("config.json", out)
		if err != nil {
			t.Fatalf("saved form does not load: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(c.Accounts, c2.Accounts) || !reflect.DeepEqual(c.Preferences, c2.Preferences) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, c2)
		}
	})
}
