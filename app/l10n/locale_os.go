//go:build windows || darwin

package l10n

import "github.com/jeandeaual/go-locale"

// osLocales asks Windows (GetUserPreferredUILanguages) or macOS for the
// user's languages when no LANG-style variable is set.
func osLocales() []string {
	l, err := locale.GetLocales()
	if err != nil {
		return nil
	}
	return l
}
