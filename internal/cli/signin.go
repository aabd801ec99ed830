package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"mailbell/app"
	"mailbell/app/config"
	"mailbell/app/control"
	"mailbell/app/oauth"
	"mailbell/mail"
	"mailbell/platform/goa"
	"mailbell/platform/secrets"
)

// oauthOptions wire the core's sign-in to this machine: token_command
// through the no-shell command runner, GNOME Online Accounts through
// platform/goa, and the keyring's "not found".
func oauthOptions() app.OAuthOptions {
	return app.OAuthOptions{
		TokenCommand:   passwordCommand,
		OnlineAccounts: goaAdapter{},
		SecretNotFound: func(err error) bool { return errors.Is(err, secrets.ErrNotFound) },
	}
}

// goaAdapter is platform/goa as the core's OnlineAccounts.
type goaAdapter struct{}

func (goaAdapter) List(ctx context.Context) ([]control.OnlineAccount, error) {
	list, err := goa.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]control.OnlineAccount, 0, len(list))
	for _, a := range list {
		out = append(out, control.OnlineAccount{ID: a.ID, Provider: a.ProviderName, Identity: a.Identity, Email: a.Address,
			Host: a.Host, Port: a.Port, Security: string(a.Security), Username: a.Username, Auth: string(a.Auth),
			AttentionNeeded: a.AttentionNeeded})
	}
	return out, nil
}

func (goaAdapter) Credential(ctx context.Context, id string) (mail.Credential, error) {
	s, err := goa.Credential(ctx, id)
	switch {
	case err == nil:
	case errors.Is(err, goa.ErrNoGOA):
		return mail.Credential{}, err // goa-daemon not (yet) there: back off and retry
	case goa.NeedsAttention(err):
		return mail.Credential{}, goaPermanent{err}
	default:
		return mail.Credential{}, err
	}
	kind := mail.CredentialPassword
	if s.Kind == goa.AuthOAuth2 {
		kind = mail.CredentialOAuth2
	}
	return mail.Credential{Kind: kind, Secret: s.Value}, nil
}

// goaPermanent is an Online Accounts problem the user must resolve: its
// words are goa's, and it stops the account (mail.ErrConfig).
type goaPermanent struct{ err error }

func (e goaPermanent) Error() string   { return e.err.Error() }
func (e goaPermanent) Unwrap() []error { return []error{e.err, mail.ErrConfig} }

// keyringRefresh is an account's refresh token in the keyring (the same
// entry the core uses: ID#oauth2).
type keyringRefresh struct {
	store *secrets.KeyringStore
	user  string
}

func (k keyringRefresh) Get(ctx context.Context) (string, error) {
	v, err := k.store.Get(ctx, k.user)
	if errors.Is(err, secrets.ErrNotFound) {
		return "", nil
	}
	return v, err
}

func (k keyringRefresh) Set(ctx context.Context, v string) error { return k.store.Set(ctx, k.user, v) }

// runSignIn is `mailbell signin ACCOUNT_ID [--device]`: the browser sign-in
// (or the device code) from a terminal, the refresh token saved to the
// keyring, and a running Mailbell asked to reload so the account starts.
func runSignIn(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mailbell signin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configDir := fs.String("config-dir", "", "config folder (default $MAILBELL_CONFIG_DIR, else the user config folder + /mailbell)")
	device := fs.Bool("device", false, "sign in with a code on another device (Microsoft only)")
	port := fs.Int("port", 0, "loopback port for the browser's answer (default: any free port)")
	noBrowser := fs.Bool("no-browser", false, "do not try to open a browser; only print the address")
	debug := fs.Bool("debug", false, "log what happens (never a token)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage:\n  mailbell signin ACCOUNT_ID [--device] [--port N] [--no-browser] [--config-dir DIR]\n\n"+
			"Signs the account in with its OAuth2 provider (\"auth\": \"oauth2\" in config.json) and keeps the sign-in in the keyring.\n"+
			"Over SSH, forward the printed port from the machine with the browser, or use --device (Microsoft).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	// Flags may come before or after the id.
	var id string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		if id != "" {
			fs.Usage()
			return 2
		}
		id, rest = fs.Arg(0), fs.Args()[1:]
	}
	if id == "" {
		fs.Usage()
		return 2
	}
	log := newLogger(stderr, *debug)
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mailbell signin: "+format+"\n", a...)
		return 1
	}
	dir, err := config.Dir(*configDir)
	if err != nil {
		return fail("%v", err)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		return fail("%v", err)
	}
	a, ok := cfg.Account(id)
	if !ok {
		return fail("no account %q in %s", id, config.Path(dir))
	}
	if !a.UsesOAuth2Manager() {
		return fail("account %q does not sign in with Mailbell's OAuth2 (set \"auth\": \"oauth2\"; accounts with token_command or goa_account need no sign-in)", id)
	}
	s := a.OAuth2Settings()
	p, err := s.Resolve()
	if err != nil {
		if errors.Is(err, oauth.ErrNoClientID) && s.Provider != oauth.KindCustom {
			return fail("%s", oauth.MissingClientText(s.Provider))
		}
		return fail("account %q: %v", id, err)
	}
	address := a.Email
	if address == "" && strings.Contains(a.Username, "@") {
		address = a.Username
	}
	opts := oauth.TerminalOptions{Address: address, Device: *device, Port: *port, Logger: log}
	if !*noBrowser {
		opts.OpenBrowser = openBrowser
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	store := keyringRefresh{store: secrets.Keyring(), user: id + app.OAuthSecretSuffix}
	if _, err := oauth.SignInTerminal(ctx, stdout, p, store, opts); err != nil {
		return fail("%v", err)
	}
	// A running Mailbell restarts the account (a stopped one included).
	nctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := control.Notify(nctx, control.SocketPath(dir), control.Command{Cmd: control.CmdReload}); err == nil {
		fmt.Fprintln(stdout, "Mailbell is running: it uses the sign-in now.")
	} else {
		log.Debug("no running Mailbell to tell", "err", err)
	}
	return 0
}

// openBrowser opens url with $BROWSER (a list separated by ':', each a
// program run without a shell, "%s" replaced by the URL), else xdg-open
// on a desktop. The browser is left running; it is reaped when it exits.
func openBrowser(url string) error {
	var cands [][]string
	for _, b := range strings.Split(os.Getenv("BROWSER"), ":") {
		f := strings.Fields(b)
		if len(f) == 0 {
			continue
		}
		replaced := false
		for i := range f {
			if strings.Contains(f[i], "%s") {
				f[i], replaced = strings.ReplaceAll(f[i], "%s", url), true
			}
		}
		if !replaced {
			f = append(f, url)
		}
		cands = append(cands, f)
	}
	if len(cands) == 0 && (os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "") {
		cands = append(cands, []string{"xdg-open", url})
	}
	if len(cands) == 0 {
		return errors.New("no BROWSER and no desktop")
	}
	var errs []error
	for _, argv := range cands {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go func() { _ = cmd.Wait() }()
		slog.Debug("browser started", "program", argv[0])
		return nil
	}
	return errors.Join(errs...)
}
