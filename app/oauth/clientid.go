package oauth

import "mailbell/app/l10n"

// The build's default OAuth2 clients. Empty in the source: Mailbell
// registers none and borrows none (another application's client ID is not
// ours to use). A packager sets their own at link time:
//
//	go build -ldflags "-X mailbell/app/oauth.googleClientID=ID \
//	  -X mailbell/app/oauth.googleClientSecret=SECRET \
//	  -X mailbell/app/oauth.microsoftClientID=ID"
//
// Google's desktop clients have a secret that Google says is "not treated
// as a secret"; Microsoft's public clients have none.
var (
	googleClientID        string
	googleClientSecret    string
	microsoftClientID     string
	microsoftClientSecret string
)

// ReadmeClientSection names the README section that walks through
// registering an OAuth client; the settings window links it.
const ReadmeClientSection = "Registering an OAuth client"

// BuildHasClient reports whether this build carries a default client ID for
// kind (always false for KindCustom, which has no default).
func BuildHasClient(kind Kind) bool {
	id, _ := buildClient(kind)
	return id != ""
}

// MissingClientText is the settings window's words for a provider this
// build has no client ID for, or "" when it has one (or kind is custom,
// where the client ID is always the account's own).
func MissingClientText(kind Kind) string {
	if kind == KindCustom || BuildHasClient(kind) {
		return ""
	}
	return l10n.T("oauth.missing_client", l10n.Args{"Provider": kind.Name(), "Section": ReadmeClientSection})
}

// buildClient is the build's default client for kind.
func buildClient(kind Kind) (id, secret string) {
	switch kind {
	case KindGoogle:
		return googleClientID, googleClientSecret
	case KindMicrosoft:
		return microsoftClientID, microsoftClientSecret
	}
	return "", ""
}
