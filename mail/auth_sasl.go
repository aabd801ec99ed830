package mail

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
)

// The SASL mechanisms for OAuth2 access tokens. go-sasl has no XOAUTH2, and
// its OAUTHBEARER client returns an error from Next on a refused token
// without answering the server's challenge, which leaves the AUTHENTICATE
// command waiting for a response until a timeout. These clients answer the
// error challenge (RFC 7628 §3.2.2: a dummy 0x01 for OAUTHBEARER; an empty
// response for XOAUTH2), keep the server's JSON error for classification,
// and let the server end the command with its tagged NO.
//
// go-imap sends an empty response as "=", which Dovecot answers with
// "BAD Invalid base64 data in continued response" (go-imap issue 760): the
// command still ends and the connection stays usable, and the JSON error
// kept here says why the token was refused.

const (
	mechOAuthBearer = "OAUTHBEARER"
	mechXOAuth2     = "XOAUTH2"
)

// oauthError is the JSON a server sends as the challenge after refusing a
// token: {"status":"invalid_token","schemes":"bearer","scope":"…"} (RFC
// 7628 §3.2.2; Google uses HTTP codes such as "401" as the status).
type oauthError struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope"`
}

// tokenStatus is what a refusal means for the caller.
type tokenStatus int

const (
	tokenStatusInvalid  tokenStatus = iota + 1 // refresh, retry once, then sign in again
	tokenStatusNoAccess                        // the token is fine, the account may not use IMAP
)

// classify reads the status: insufficient_scope / 403 is a refusal of
// access; invalid_token / 401 and anything unknown are a token that no
// longer works (a refresh costs little, and a second refusal stops).
func (e *oauthError) classify() tokenStatus {
	switch strings.ToLower(strings.TrimSpace(e.Status)) {
	case "insufficient_scope", "403":
		return tokenStatusNoAccess
	}
	return tokenStatusInvalid
}

// describe is the server's error for messages: short and printable.
func (e *oauthError) describe() string {
	s := "status " + e.Status
	if e.Scope != "" {
		s += ", scope " + e.Scope
	}
	return sanitizeServerText(s)
}

// oauthClient is a sasl.Client for an access token that remembers the
// server's error challenge.
type oauthClient struct {
	mech    string
	initial []byte
	failed  *oauthError
	garbled bool // the server challenged with something that is not its JSON error
}

var _ sasl.Client = (*oauthClient)(nil)

// newXOAuth2 builds Google's and Microsoft's XOAUTH2 initial response:
// "user=USER\x01auth=Bearer TOKEN\x01\x01".
func newXOAuth2(user, token string) *oauthClient {
	return &oauthClient{mech: mechXOAuth2, initial: []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")}
}

// newOAuthBearer builds RFC 7628's initial response:
// "n,a=USER,\x01host=HOST\x01port=PORT\x01auth=Bearer TOKEN\x01\x01".
// A ',' or '=' in the user name is escaped as GS2 requires.
func newOAuthBearer(user, token, host string, port int) *oauthClient {
	authzid := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(user)
	s := "n,a=" + authzid + ",\x01host=" + host + "\x01port=" + strconv.Itoa(port) +
		"\x01auth=Bearer " + token + "\x01\x01"
	return &oauthClient{mech: mechOAuthBearer, initial: []byte(s)}
}

func (c *oauthClient) Start() (string, []byte, error) { return c.mech, c.initial, nil }

// Next answers a challenge. The only challenge either mechanism expects is
// the error after a refusal; it is answered so that the server ends the
// command, never with an error (that would leave the command hanging).
func (c *oauthClient) Next(challenge []byte) ([]byte, error) {
	var e oauthError
	if err := json.Unmarshal(challenge, &e); err == nil && e.Status != "" {
		if c.failed == nil {
			c.failed = &e
		}
	} else {
		c.garbled = true
	}
	if c.mech == mechOAuthBearer {
		return []byte{0x01}, nil
	}
	return []byte{}, nil
}
