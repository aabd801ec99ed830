package rules

import (
	"slices"
	"strings"

	"mailbell/app/l10n"
)

// Reason says which rule muted a message.
type Reason string

// Reasons, in the order the rules apply.
const (
	ReasonNone         Reason = ""              // not muted
	ReasonAccountOff   Reason = "account_off"   // the account's "notify" is off
	ReasonFolderOff    Reason = "folder_off"    // the folder's "notify" is off
	ReasonOwnAddress   Reason = "own_address"   // from the account's email or an alias
	ReasonMutedSender  Reason = "muted_sender"  // from a mute_senders entry
	ReasonMutedSubject Reason = "muted_subject" // subject holds a mute_subjects word
	ReasonNotVIP       Reason = "not_vip"       // vip_senders is set and the sender is not in it
)

// Verdict is what the rules say about one message. Notify and Muted are
// always opposite: Notify for the code that shows, Muted for the code that
// lists and prints ("muted": true).
type Verdict struct {
	Notify bool
	Muted  bool
	Reason Reason
	// Rule is the muting rule in words (its Describe), "" when not muted.
	Rule string
	// VIP: the sender is in vip_senders.
	VIP bool
	// BreaksQuiet: a VIP, and VIPs notify during quiet hours.
	BreaksQuiet bool
}

// Message is what the rules look at.
type Message struct {
	Account string // id
	Folder  string
	From    string // the sender's address (not the display name)
	Subject string
}

// Account is what the rules need of one account.
type Account struct {
	ID    string
	Email string
	AccountOptions
}

// Rule is one rule, shown in words in the settings window.
type Rule interface {
	// Describe says what the rule does, e.g. "Mute mail from spam.example.com".
	Describe() string
	reason() Reason
	// mutes reports whether the rule mutes m; addr is m.From normalised
	// ("" when it is not an address) and subject is m.Subject folded.
	mutes(m Message, addr, subject string) bool
}

// Engine is a compiled set of rules. It is immutable and safe for concurrent
// use; build a new one when the config changes.
//
// Precedence, first match wins:
//  1. the account's "notify" off (even a VIP: the person switched it off)
//  2. the folder's "notify" off
//  3. mail from the account's own addresses (email and aliases)
//  4. mute_senders
//  5. mute_subjects (even a VIP's)
//  6. vip_senders, when not empty: anyone else is muted
//
// Entries that do not parse (Validate reports them) are left out.
type Engine struct {
	accounts map[string][]Rule
	global   []Rule
	vips     []sender
	vipQuiet bool
}

// New compiles the rules for the given accounts.
func New(r Rules, accounts []Account) *Engine {
	e := &Engine{accounts: map[string][]Rule{}, vipQuiet: r.VIPBreaksQuiet}
	for _, a := range accounts {
		var list []Rule
		if !a.NotifyOn() {
			list = append(list, AccountOff{})
		}
		var off []string
		for name, o := range a.FolderOptions {
			if o.Notify != nil && !*o.Notify {
				off = append(off, name)
			}
		}
		if len(off) > 0 {
			// The language's order for the words; byte order first, so that
			// names it counts as equal ("Lists", "lists") keep one order.
			slices.Sort(off)
			l10n.SortFunc(off, func(s string) string { return s })
			list = append(list, FolderOff{Folders: off})
		}
		own := OwnAddresses{}
		for _, s := range append([]string{a.Email}, a.Aliases...) {
			if n, ok := normAddress(s); ok && !slices.Contains(own.norm, n) {
				own.norm = append(own.norm, n)
				own.Addresses = append(own.Addresses, strings.TrimSpace(s))
			}
		}
		if len(own.norm) > 0 {
			list = append(list, own)
		}
		e.accounts[a.ID] = list
	}
	if ms := parseSenders(r.MuteSenders); len(ms) > 0 {
		e.global = append(e.global, MuteSenders{list: ms})
	}
	var words []subjectWord
	for _, s := range r.MuteSubjects {
		if w, ok := parseSubjectWord(s); ok {
			words = append(words, w)
		}
	}
	if len(words) > 0 {
		e.global = append(e.global, MuteSubjects{list: words})
	}
	if vs := parseSenders(r.VIPSenders); len(vs) > 0 {
		e.vips = vs
		e.global = append(e.global, OnlyVIPs{list: vs, breaksQuiet: r.VIPBreaksQuiet})
	}
	return e
}

// Rules returns the rules that apply to the account's mail, in the order
// they apply (an account the engine does not know gets the global ones).
func (e *Engine) Rules(accountID string) []Rule {
	return append(append([]Rule(nil), e.accounts[accountID]...), e.global...)
}

// Describe returns the rules for the account in words, in order.
func (e *Engine) Describe(accountID string) []string {
	var out []string
	for _, r := range e.Rules(accountID) {
		out = append(out, r.Describe())
	}
	return out
}

// Check gives the verdict on one message. A nil Engine notifies everything.
func (e *Engine) Check(m Message) Verdict {
	if e == nil {
		return Verdict{Notify: true}
	}
	addr, _ := normAddress(m.From)
	v := Verdict{Notify: true}
	for _, s := range e.vips {
		if addr != "" && s.matches(addr) {
			v.VIP, v.BreaksQuiet = true, e.vipQuiet
			break
		}
	}
	subject := fold(m.Subject)
	for _, list := range [2][]Rule{e.accounts[m.Account], e.global} {
		for _, r := range list {
			if r.mutes(m, addr, subject) {
				return Verdict{Muted: true, Reason: r.reason(), Rule: r.Describe(), VIP: v.VIP}
			}
		}
	}
	return v
}

// AccountOff mutes the whole account.
type AccountOff struct{}

// Describe implements Rule.
func (AccountOff) Describe() string                   { return l10n.T("rules.describe.account_off") }
func (AccountOff) reason() Reason                     { return ReasonAccountOff }
func (AccountOff) mutes(Message, string, string) bool { return true }

// FolderOff mutes the named folders.
type FolderOff struct{ Folders []string }

// Describe implements Rule.
func (f FolderOff) Describe() string {
	return l10n.T("rules.describe.folders_off", l10n.Args{"Folders": joinList(f.Folders, conjAnd)})
}
func (FolderOff) reason() Reason { return ReasonFolderOff }
func (f FolderOff) mutes(m Message, _, _ string) bool {
	for _, name := range f.Folders {
		if name == m.Folder || isInbox(name) && isInbox(m.Folder) {
			return true
		}
	}
	return false
}

// OwnAddresses mutes mail from the account's own addresses.
type OwnAddresses struct {
	Addresses []string // as written in the config
	norm      []string
}

// Describe implements Rule.
func (o OwnAddresses) Describe() string {
	return l10n.T("rules.describe.own_addresses", l10n.Args{"Addresses": strings.Join(o.Addresses, ", ")})
}
func (OwnAddresses) reason() Reason { return ReasonOwnAddress }
func (o OwnAddresses) mutes(_ Message, addr, _ string) bool {
	return addr != "" && slices.Contains(o.norm, addr)
}

// MuteSenders mutes mail from the listed addresses and domains.
type MuteSenders struct{ list []sender }

// Describe implements Rule.
func (s MuteSenders) Describe() string {
	return l10n.T("rules.describe.mute_senders", l10n.Args{"Senders": describeSenders(s.list, conjOr)})
}
func (MuteSenders) reason() Reason { return ReasonMutedSender }
func (s MuteSenders) mutes(_ Message, addr, _ string) bool {
	for _, p := range s.list {
		if addr != "" && p.matches(addr) {
			return true
		}
	}
	return false
}

// MuteSubjects mutes mail whose subject holds one of the words.
type MuteSubjects struct{ list []subjectWord }

// Describe implements Rule.
func (s MuteSubjects) Describe() string {
	var q []string
	for _, w := range s.list {
		q = append(q, l10n.T("rules.quoted", l10n.Args{"Word": w.text}))
	}
	return l10n.T("rules.describe.mute_subjects", l10n.Args{"Words": joinList(q, conjOr)})
}
func (MuteSubjects) reason() Reason { return ReasonMutedSubject }
func (s MuteSubjects) mutes(_ Message, _, subject string) bool {
	for _, w := range s.list {
		if w.in(subject) {
			return true
		}
	}
	return false
}

// OnlyVIPs mutes everyone not on the VIP list.
type OnlyVIPs struct {
	list        []sender
	breaksQuiet bool
}

// Describe implements Rule.
func (o OnlyVIPs) Describe() string {
	args := l10n.Args{"Senders": describeSenders(o.list, conjOr)}
	if o.breaksQuiet {
		return l10n.T("rules.describe.only_vips_quiet", args)
	}
	return l10n.T("rules.describe.only_vips", args)
}
func (OnlyVIPs) reason() Reason { return ReasonNotVIP }
func (o OnlyVIPs) mutes(_ Message, addr, _ string) bool {
	for _, p := range o.list {
		if addr != "" && p.matches(addr) {
			return false
		}
	}
	return true
}

func parseSenders(list []string) []sender {
	var out []sender
	for _, s := range list {
		if p, ok := parseSender(s); ok {
			out = append(out, p)
		}
	}
	return out
}

func describeSenders(list []sender, conj conjunction) string {
	var parts []string
	for _, p := range list {
		parts = append(parts, p.describe())
	}
	return joinList(parts, conj)
}

// conjunction joins the last two entries of a list: "a, b or c".
type conjunction int

const (
	conjAnd conjunction = iota
	conjOr
)

// joinList: "a", "a or b", "a, b or c", in the current language (its
// separator and its words for "and" and "or").
func joinList(parts []string, conj conjunction) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	args := l10n.Args{"Head": strings.Join(parts[:len(parts)-1], l10n.T("list.separator")), "Last": parts[len(parts)-1]}
	if conj == conjOr {
		return l10n.T("list.or", args)
	}
	return l10n.T("list.and", args)
}
