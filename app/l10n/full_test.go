package l10n

// catalog is the embedded catalogue with every language parsed, for the
// tests that compare languages.
var catalog = mustLoad(locales, "locales", nil, append(index.Tags(), Pseudo)...)
