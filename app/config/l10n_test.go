package config

import (
	"encoding/json"
	"strings"
	"testing"

	"mailbell/app/l10n"
	"mailbell/internal/testenv/l10ntest"
)

// badConfigs each break many rules at once; together they reach every
// problem the settings window shows under a field (but oauth2's own
// Resolve errors: see TestProblemsPseudo).
var badConfigs = []string{
	`{"accounts":[
	  {"id":"a b","host":"imap.example.com/x","port":70000,"security":"plain","email":"nope","folders":["", "IN\u0001BOX", "x", "x"],"ca_file":" ","password_command":" ","open":" "},
	  {"id":"","host":"","security":"bogus","open":"https://"},
	  {"id":"A","host":"imap example.com","open":"a\u0001b","oauth2":{"provider":"google"},"token_command":"x","aliases":["", "nope", "a@b.c", "a@b.c"],"folder_options":{"Lists":{}," ":{}}},
	  {"id":"a","host":"imap.example.com:993","auth":"oauth2","password_command":"x","token_command":" "},
	  {"id":"b","host":"imap.example.com","auth":"oauth2","goa_account":"a/b"},
	  {"id":"c","host":"imap.example.net","auth":"oauth2"},
	  {"id":"d","host":"imap.example.net","auth":"oauth2","oauth2":{}},
	  {"id":"e","host":"imap.example.net","auth":"oauth2","oauth2":{"provider":"custom","client_id":"x","auth_url":"https://a.example/a","token_url":"https://a.example/t","scopes":["a b"]}},
	  {"id":"f","host":"imap.example.net","auth":"magic"}],
	 "preferences":{"idle_refresh_minutes":0,"poll_seconds":0,"count":"all","language":"tlh",
	  "rules":{"mute_senders":["", "not an address", "a@b.c", "a@b.c"],"mute_subjects":["", "a\u0001", "w", "W"]},
	  "quiet_hours":{"from":"","to":"25:00","days":["mon","xyz","Mon"]},
	  "sound":{"file":"rel.oga"},"popup":"loud","batching":"never"}}`,
	`{"accounts":[{"id":"x","host":"imap.example.com","username":"u","security":"plain"}],
	 "preferences":{"idle_refresh_minutes":25,"poll_seconds":60,"quiet_hours":{"from":"22:00","to":"22:00"},"sound":{"file":" "}}}`,
	`{"accounts":[{"id":"x","host":"imap.example.com"}],"preferences":{"idle_refresh_minutes":25,"poll_seconds":60,"sound":{"file":"/a\u0001"}}}`,
}

// TestProblemsPseudo: with the pseudo-locale every problem message the
// settings window shows under a field is the catalogue's (wrapped in ⟦ ⟧),
// but for a custom OAuth2 provider's own check (oauth's technical words).
func TestProblemsPseudo(t *testing.T) {
	l10ntest.Use(t, "en-XA")
	var all []Problem
	for i, src := range badConfigs {
		var c Config
		if err := json.Unmarshal([]byte(src), &c); err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		all = append(all, c.validate()...)
	}
	distinct := map[string]bool{}
	for _, p := range all {
		distinct[p.Field[strings.LastIndexAny(p.Field, ".]")+1:]+strings.SplitN(p.Msg, " ", 2)[0]] = true
		if strings.HasPrefix(p.Field, "accounts[") && strings.Contains(p.Field, "oauth2") && !strings.HasPrefix(p.Msg, l10n.PseudoOpen) && !strings.Contains(p.Field, "scopes") {
			continue // oauth.Settings.Resolve's words: the technical detail of a hand-written "oauth2"
		}
		if !strings.HasPrefix(p.Msg, l10n.PseudoOpen) || !strings.HasSuffix(p.Msg, l10n.PseudoClose) {
			t.Errorf("%s: %q did not come through the catalogue", p.Field, p.Msg)
		}
	}
	if len(all) < 60 {
		t.Errorf("only %d problems: the configs no longer reach every message: %v", len(all), all)
	}
}
