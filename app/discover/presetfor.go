package discover

// PresetFor is what the bundled presets say about email's domain, without
// any network: the settings window's prefill as the person leaves the
// email field. ok is false for an address that is not one or a domain the
// presets do not know (then Lookup asks the network).
func PresetFor(email string) (r Result, ok bool) {
	a, err := parseAddress(email)
	if err != nil {
		return Result{}, false
	}
	p, ok := presetForDomain(a.domain)
	if !ok {
		return Result{}, false
	}
	return p.result(a), true
}
