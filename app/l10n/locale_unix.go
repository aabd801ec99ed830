//go:build !windows && !darwin

package l10n

// osLocales: on Linux and the BSDs the environment is the setting.
func osLocales() []string { return nil }
