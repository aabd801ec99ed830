package oauth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"mailbell/app/l10n"
	"mailbell/mail"
)

// TestErrorsSpeakTheLanguage: the sign-in errors a person reads are the
// catalogue's, in the language in use when they are read, and still match
// their sentinels.
func TestErrorsSpeakTheLanguage(t *testing.T) {
	t.Cleanup(func() { l10n.Use(language.English) })
	errs := []error{ErrSignInExpired, ErrNotSignedIn, ErrClientRefused, ErrTokenEndpoint, ErrNoRefreshToken,
		ErrAccessDenied, ErrStateMismatch, ErrSignInTimeout, ErrCodeRefused, ErrDeviceNotAllowed}
	english := map[error]string{}
	for _, err := range errs {
		english[err] = err.Error()
	}
	if english[ErrAccessDenied] != "sign-in was refused in the browser" {
		t.Errorf("English: %q", english[ErrAccessDenied])
	}
	l10n.Use(l10n.Pseudo)
	for _, err := range errs {
		if got := err.Error(); !strings.HasPrefix(got, l10n.PseudoOpen) || got == english[err] {
			t.Errorf("%q under the pseudo-locale: %q", english[err], got)
		}
	}
	if !errors.Is(ErrSignInExpired, mail.ErrTokenRejected) || !errors.Is(ErrClientRefused, mail.ErrConfig) {
		t.Error("the worded errors lost their sentinels")
	}
	for i, a := range errs {
		for _, b := range errs[i+1:] {
			if errors.Is(a, b) {
				t.Errorf("%q is %q", english[a], english[b])
			}
		}
	}
}
