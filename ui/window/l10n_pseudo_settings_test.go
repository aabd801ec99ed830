package window

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/l10n"
	"mailbell/app/oauth"
	"mailbell/app/rules"
	"mailbell/internal/testenv/imaptest"
	"mailbell/mail"
	"mailbell/platform/secrets"
	"mailbell/ui/settings"
)

// pseudoConfig is the settings window's config for the scans: three
// accounts on the test server (one disabled), global rules and quiet hours.
func pseudoConfig(host string, port int) *config.Config {
	cfg := config.New()
	off := false
	for _, a := range []config.Account{
		{ID: "zoe", Name: "Zoë", Email: "zoe@example.com"},
		{ID: "emil", Name: "Émilie", Email: "emilie@example.com"},
		{ID: "adam", Name: "adam", Email: "adam@example.com", Enabled: &off},
	} {
		a.Host, a.Port, a.Security, a.Username = host, port, string(mail.SecurityPlain), "u"
		a.Aliases = []string{"em@example.com"}
		cfg.Accounts = append(cfg.Accounts, a)
	}
	cfg.Preferences.Rules = rules.Rules{MuteSenders: []string{"spam@example.com"}, VIPSenders: []string{"boss@example.com"}, VIPBreaksQuiet: true}
	cfg.Preferences.QuietHours = &rules.QuietHours{From: "22:00", To: "07:00"}
	return cfg
}

// settingsForeign are the words the core's packages put in the settings
// window: the rules in words (app/rules), the sign-in's (app/oauth), the
// config's own complaints about the Notifications tab's values.
func (sc *pseudoScan) settingsForeign(s *settingsWindow) {
	if s.cfg != nil {
		for _, p := range []rules.Preferences{s.cfg.Preferences.Preferences, s.rules.values().Preferences()} {
			sc.addForeign(rules.New(p.Rules, nil).Describe("")...)
			if sched, err := p.QuietHours.Schedule(nil); err == nil && sched != nil {
				sc.addForeign(sched.Describe())
			}
		}
		for _, a := range s.cfg.Accounts {
			sc.addForeign(rules.New(rules.Rules{}, []rules.Account{a.RulesAccount()}).Describe(a.ID)...)
		}
	}
	a := s.form.values().Account(s.form.notifyBase())
	sc.addForeign(rules.New(rules.Rules{}, []rules.Account{a.RulesAccount()}).Describe(a.ID)...)
	for _, p := range s.rules.values().Preferences().Validate("") {
		sc.addForeign(p.Msg, settings.UpperFirst(p.Msg))
	}
	for _, k := range []oauth.Kind{oauth.KindGoogle, oauth.KindMicrosoft, oauth.KindCustom} {
		sc.addForeign(oauth.MissingClientText(k), k.Name())
	}
	// The config loader's own words about the edited account (app/config).
	if s.cfg != nil {
		next, index := s.cfg.WithAccount(a, s.form.originalID())
		var ce *config.Error
		if err := next.Validate(); errors.As(err, &ce) {
			for _, p := range ce.Problems {
				sc.addForeign(p.Msg, settings.UpperFirst(p.Msg))
			}
			for field := range ce.Fields(fmt.Sprintf("accounts[%d]", index)) {
				sc.addData(field) // config.json's names stay as they are
			}
		} else if err != nil {
			sc.addForeign(err.Error())
		}
	}
	sc.addData(oauth.ReadmeClientSection) // the README's section title: the README is English
}

// The settings window in the pseudo-locale: every tab, the account list,
// an account in the editor, Test connection's result and its cancel, the
// problems of a badly filled new account, the sign-in section, the folder
// picker, the remove question, Online Accounts, the Notifications tab
// with its problems, the Preferences tab with its own and a save.
func TestPseudoLocaleSettingsWindow(t *testing.T) {
	srv, err := imaptest.Start(imaptest.Config{Mode: imaptest.Plain, Users: map[string]string{"u": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, f := range []string{"Lists", "Junk", "Trash"} {
		if err := srv.CreateMailbox("u", f); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := config.Save(dir, pseudoConfig(srv.Host(), srv.Port())); err != nil {
		t.Fatal(err)
	}
	mem := secrets.Memory()
	if err := mem.Set(context.Background(), "emil", "p"); err != nil {
		t.Fatal(err)
	}
	goa := fakeGOA{list: []control.OnlineAccount{
		{ID: "goa1", Provider: "Google", Identity: "ann@gmail.com", Email: "ann@gmail.com", Host: "imap.gmail.com", Port: 993, Security: "tls", Auth: "oauth2"},
		{ID: "goa2", Provider: "Microsoft", Identity: "bob@outlook.com", Email: "bob@outlook.com", Host: "outlook.office365.com", Port: 993, Security: "tls", Auth: "oauth2", AttentionNeeded: true},
	}}

	sc := newPseudoScan(t)
	sc.addData("Zoë", "Émilie", "adam", "zoe@example.com", "emilie@example.com", "em@example.com", "adam@example.com",
		"spam@example.com", "boss@example.com", srv.Host(), "INBOX", "Lists", "Junk", "Trash", "u",
		"ann@gmail.com", "bob@outlook.com", "Google", "Microsoft", "TLS", "STARTTLS",
		"imap.example.com", "x y", "imap://example.com", "bad")
	h := newHarness(t, Deps{})
	h.withCore(app.Options{ConfigDir: dir, Secrets: mem, OAuthOptions: app.OAuthOptions{OnlineAccounts: goa}})
	s := h.openSettings("emil")
	sc.settingsForeign(s)
	sc.window("settings", s.w)
	f := s.form

	// Test connection: the core's result (its words), then a cancel (ours).
	test.Tap(f.conn.btn)
	sc.window("settings testing", s.w)
	sc.addForeign(h.testResult(f))
	sc.window("settings tested", s.w)
	test.Tap(f.conn.btn)
	test.Tap(f.conn.btn)
	if f.conn.result.Text == "" {
		t.Fatal("no words after a cancelled test")
	}
	sc.window("settings test cancelled", s.w)

	// The folder picker, listed by the server.
	p := f.pickFolders()
	h.loop.until(t, "the folders listed", func() bool { return p.all != nil })
	sc.window("folder picker", s.w)
	p.dlg.Hide()

	// Remove asks first.
	s.onRemove()
	sc.window("remove question", s.w)
	for _, o := range s.w.Canvas().Overlays().List() {
		o.Hide()
		s.w.Canvas().Overlays().Remove(o)
	}

	// Online Accounts: the button shows once the core listed them.
	var goaBtn *widget.Button
	h.loop.until(t, "the Online Accounts button", func() bool {
		goaBtn = findButton(s.w.Content(), l10n.T("settings.goa.button"))
		return goaBtn != nil
	})
	test.Tap(goaBtn)
	sc.window("online accounts", s.w)
	for _, o := range s.w.Canvas().Overlays().List() {
		o.Hide()
		s.w.Canvas().Overlays().Remove(o)
	}
	s.pickOnlineAccount(nil) // every one added already
	sc.window("online accounts, none left", s.w)
	for _, o := range s.w.Canvas().Overlays().List() {
		o.Hide()
		s.w.Canvas().Overlays().Remove(o)
	}
	sc.object("no account chosen", s.noForm) // in the form's place when none is

	// A new account, filled in badly: the missing fields first, then
	// every field's problem.
	s.onAdd()
	typeInto(s, f.name, "bad")
	sc.window("new account, untouched", s.w)
	typeInto(s, f.email, "bad")
	typeInto(s, f.host, "imap://example.com")
	typeInto(s, f.port, "99999")
	f.touchAll()
	f.validate()
	sc.window("new account, problems", s.w)
	typeInto(s, f.host, "x y")
	f.security.SetSelected(f.security.Options[2]) // no encryption to a remote server
	sc.window("new account, more problems", s.w)
	typeInto(s, f.host, "imap.example.com")
	sc.window("new account, plain", s.w)

	// Sign-in: each OAuth2 choice.
	for _, m := range []string{methodGoogle(), methodMicrosoft(), methodOther()} {
		f.signin.method.SetSelected(m)
		sc.settingsForeign(s)
		sc.window("sign-in "+m, s.w)
	}
	f.signin.method.SetSelected(methodPassword())

	// The Notifications tab: its words, then its problems.
	s.tabs.SelectIndex(2)
	sc.window("notifications tab", s.w)
	r := s.rules
	r.from.SetText("25:99")
	r.muteSenders.SetText("spam@example.com\n@")
	for _, d := range r.days {
		d.SetChecked(false)
	}
	sc.settingsForeign(s)
	sc.window("notifications tab, problems", s.w)
	r.from.SetText("22:00")
	r.muteSenders.SetText("")
	r.vips.SetText("")
	r.days[0].SetChecked(true)
	r.sound.SetChecked(false)
	r.popup.SetSelected(popupPersistentLabel())
	r.batching.SetSelected(batchEachLabel())
	sc.settingsForeign(s)
	sc.window("notifications tab, no rules", s.w)

	// Preferences: a bad IDLE refresh, then a save.
	s.tabs.SelectIndex(1)
	pr := s.prefs
	pr.idle.SetText("0")
	sc.window("preferences, problem", s.w)
	pr.idle.SetText("20")
	test.Tap(pr.saveBtn)
	h.loop.until(t, "the preferences saved", func() bool { return !s.saving })
	sc.window("preferences, saved", s.w)
	sc.saw("settings.test.testing", "settings.test.cancelled", "settings.folders.all", "settings.folders.use",
		"settings.remove.title", "settings.goa.title", "settings.goa.all_added", "settings.account.missing.email",
		"settings.invalid.port", "settings.invalid.host_url", "settings.invalid.host_spaces", "settings.invalid.plain_remote",
		"settings.invalid.email", "settings.security.none", "signin.with_your_provider", "signin.method.other",
		"settings.rules.no_days", "settings.rules.fix_first", "settings.rules.every_message", "settings.prefs.language_note",
		"language.system", "settings.saved", "settings.day.sun", "settings.accounts.none_chosen")
	sc.done()
}
