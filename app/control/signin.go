package control

// Sign-in over the socket. The core runs the OAuth2 browser flow (it owns
// the secrets, so no token ever crosses the socket):
//
//	→ {"cmd":"sign_in","id":4,"settings":{…the account…},"original_id":"acct1"}
//	← {"event":"reply","id":4,"ok":true,"value":"https://accounts.google.com/…","sign_in":"s1"}
//	   (the window opens value in the browser and shows it to copy)
//	← {"event":"signed_in","sign_in":"s1","ok":true,"value":"Signed in as ann@gmail.com"}
//	   or {"event":"signed_in","sign_in":"s1","ok":false,"error":"sign-in timed out: …"}
//	→ {"cmd":"save_account","settings":{…},"sign_in":"s1"}
//	   (the core stores that sign-in's refresh token for the account)
//
// A test_account with "sign_in" logs in with that sign-in's access token.
// A sign-in nobody saves is forgotten after SignInKeep.
const (
	CmdSignIn = "sign_in"
	// CmdSignInWait waits (up to 45 s) for the sign-in named by SignIn:
	// Value "Signed in as …" or an error once it ended, an empty Value
	// while it still runs (ask again). For clients that do not follow
	// signed_in events.
	CmdSignInWait = "sign_in_wait"
	// CmdOnlineAccounts lists GNOME Online Accounts' mail accounts
	// (reply: OnlineAccounts; an error when Online Accounts is not there).
	CmdOnlineAccounts = "online_accounts"
	// EvSignedIn ends a sign-in: OK and Value "Signed in as …", or Error.
	EvSignedIn = "signed_in"
)

// OnlineAccount is one GNOME Online Accounts mail account, as the settings
// window offers it for a one-click add. It holds no secret.
type OnlineAccount struct {
	ID       string `json:"id"`       // config.json's "goa_account"
	Provider string `json:"provider"` // "Google", "Microsoft", "IMAP and SMTP"
	Identity string `json:"identity"` // as the desktop shows it
	Email    string `json:"email,omitempty"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"` // config.json's "security"
	Username string `json:"username"`
	// Auth is "oauth2" or "password" (the secret stays in Online Accounts).
	Auth string `json:"auth"`
	// AttentionNeeded: Online Accounts wants the user to sign in there first.
	AttentionNeeded bool `json:"attention_needed,omitempty"`
}
