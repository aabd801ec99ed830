package config

import (
	"strings"
)

// WithAccount returns a copy of c with a in place of the account whose id
// is replacing (appended when replacing is "" or names no account), and
// a's index in the copy. c itself is not changed.
func (c *Config) WithAccount(a Account, replacing string) (*Config, int) {
	out := *c
	out.Accounts = append([]Account(nil), c.Accounts...)
	if replacing != "" {
		for i := range out.Accounts {
			if out.Accounts[i].ID == replacing {
				out.Accounts[i] = a
				return &out, i
			}
		}
	}
	out.Accounts = append(out.Accounts, a)
	return &out, len(out.Accounts) - 1
}

// WithoutAccount returns a copy of c without the account with the given id,
// and whether there was one. c itself is not changed.
func (c *Config) WithoutAccount(id string) (*Config, bool) {
	out := *c
	out.Accounts = make([]Account, 0, len(c.Accounts))
	found := false
	for _, a := range c.Accounts {
		if a.ID == id {
			found = true
			continue
		}
		out.Accounts = append(out.Accounts, a)
	}
	return &out, found
}

// Fields groups the problems under prefix ("accounts[2]", "preferences")
// by field, in the loader's words: "accounts[2].folders[1]" is reported
// under "folders", "preferences.poll_seconds" under "poll_seconds". A
// field with several problems gets them joined by "; ". Problems outside
// prefix go under "" with their full field name, so none is lost.
//
// This is how a settings window puts each message next to its field with
// exactly the text a hand-edited config.json would get.
func (e *Error) Fields(prefix string) map[string]string {
	out := map[string]string{}
	add := func(key, msg string) {
		if old, ok := out[key]; ok {
			msg = old + "; " + msg
		}
		out[key] = msg
	}
	for _, p := range e.Problems {
		name, ok := strings.CutPrefix(p.Field, prefix+".")
		if !ok || prefix == "" {
			if p.Field != "" {
				add("", p.Field+": "+p.Msg)
			} else {
				add("", p.Msg)
			}
			continue
		}
		if i := strings.IndexByte(name, '['); i >= 0 {
			name = name[:i]
		}
		add(name, p.Msg)
	}
	return out
}
