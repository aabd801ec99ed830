package config

import (
	"encoding/json"
	"fmt"
	"reflect"

	"mailbell/app/rules"
)

// The notification settings (package rules) are embedded in Account
// ("notify", "sound", "aliases", "folder_options") and Preferences ("rules",
// "quiet_hours", "sound", "popup", "batching"). This file is the glue: the
// schemas of their nested objects for the loader's walk, their validation
// turned into this package's Problems, and the rules engine built from a
// config.

// nestedFields are the schemas of the object-valued fields, by their key;
// folder_options is an object of these objects, keyed by folder name.
var nestedFields = map[string]map[string]kind{
	"rules":          fieldsOf(reflect.TypeFor[rules.Rules]()),
	"quiet_hours":    fieldsOf(reflect.TypeFor[rules.QuietHours]()),
	"sound":          fieldsOf(reflect.TypeFor[rules.Sound]()),
	"folder_options": fieldsOf(reflect.TypeFor[rules.FolderOptions]()),
}

// nested reads the value of an object-valued field: an object with the
// fields nestedFields has for key (kindObject), or an object whose members
// are such objects, keyed by any name (kindMap: folder_options, whose
// members are named folder_options["INBOX"], as rules.Validate names them).
func (w *walker) nested(path, key string, k kind) {
	known := nestedFields[key]
	if k == kindObject {
		w.fields(path, known)
		return
	}
	tok, off := w.next()
	if tok == nil {
		w.pos[path] = off
		return
	}
	if tok != json.Delim('{') {
		w.problem(off, path, "want an object, {\"INBOX\": {...}}, got %s", describe(tok))
		w.skip(tok)
		return
	}
	w.pos[path] = off
	w.object(path, func(name string, _ int64) {
		w.fields(fmt.Sprintf("%s[%q]", path, name), known)
	})
}

// validateRules checks the notification settings of every account and the
// preferences, in rules' words with this file's field names.
func (c *Config) validateRules() []Problem {
	var probs []Problem
	add := func(list []rules.Problem) {
		for _, p := range list {
			probs = append(probs, Problem{Field: p.Field, Msg: p.Msg})
		}
	}
	for i, a := range c.Accounts {
		add(a.AccountOptions.Validate(fmt.Sprintf("accounts[%d]", i), a.EffectiveFolders()))
	}
	add(c.Preferences.Preferences.Validate("preferences"))
	return probs
}

// RulesAccount is what the rules engine needs of an account.
func (a Account) RulesAccount() rules.Account {
	return rules.Account{ID: a.ID, Email: a.Email, AccountOptions: a.AccountOptions}
}

// Rules compiles the notification rules of the config: every account's own
// and the preferences' global ones (entries that do not validate are left
// out, see rules.New).
func (c *Config) Rules() *rules.Engine {
	accts := make([]rules.Account, 0, len(c.Accounts))
	for _, a := range c.Accounts {
		accts = append(accts, a.RulesAccount())
	}
	return rules.New(c.Preferences.Rules, accts)
}
