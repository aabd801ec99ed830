package imaptest

import (
	"net"
	"strings"
)

// GmailCaps is what the Gmail stand-in advertises: Gmail's extensions
// (X-GM-EXT-1) besides what the scripted server always has.
const GmailCaps = "IMAP4rev1 IDLE AUTH=PLAIN X-GM-EXT-1"

// Gmail returns a scripted server that stands in for Gmail as far as
// X-GM-MSGID goes (the real one needs the internet): it advertises
// X-GM-EXT-1 before and after login, its folders report UIDVALIDITY
// uidValidity, and a UID FETCH asking for X-GM-MSGID is answered with the
// untagged lines answer returns for its UID set (as sent, e.g. "7"), then
// "OK". When answer returns nil the server goes silent for good: a stalled
// Gmail. Everything else gets Script's default answers.
func Gmail(uidValidity uint32, answer func(uids string) []string) func(net.Conn) {
	return func(conn net.Conn) {
		s := NewScript(conn)
		s.UIDValidity, s.Exists, s.UIDNext = uidValidity, 1, 100
		if s.Send("* OK [CAPABILITY "+GmailCaps+"] Gimap stand-in ready") != nil {
			return
		}
		s.Serve(func(s *Script, tag, name, args string) (bool, error) {
			switch name {
			case "CAPABILITY":
				return true, s.Send("* CAPABILITY "+GmailCaps, tag+" OK Success")
			case "LOGIN", "AUTHENTICATE":
				if name == "AUTHENTICATE" && len(strings.Fields(args)) < 2 {
					if err := s.Send("+ "); err != nil {
						return true, err
					}
					if _, err := s.ReadLine(); err != nil {
						return true, err
					}
				}
				return true, s.Send(tag + " OK [CAPABILITY " + GmailCaps + "] authenticated (Success)")
			case "UID FETCH":
				uids, items, _ := strings.Cut(args, " ")
				if !strings.Contains(strings.ToUpper(items), "X-GM-MSGID") {
					return false, nil
				}
				lines := answer(uids)
				if lines == nil {
					s.Drain()
					return true, ErrStop
				}
				return true, s.Send(append(lines, tag+" OK Success")...)
			}
			return false, nil
		})
	}
}
