package mail

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAllGuarded(s string) error {
	// One byte at a time too: a literal or a string may span reads.
	for _, r := range []io.Reader{strings.NewReader(s), iotest.OneByteReader(strings.NewReader(s))} {
		if _, err := io.ReadAll(&nestingGuard{r: r}); err != nil {
			return err
		}
	}
	return nil
}

func TestNestingGuard(t *testing.T) {
	deep := strings.Repeat("(", maxNesting+1) + strings.Repeat(")", maxNesting+1)
	ok := strings.Repeat("(", maxNesting) + strings.Repeat(")", maxNesting)
	for _, tc := range []struct {
		name, in string
		tooDeep  bool
	}{
		{"ordinary fetch", "* 1 FETCH (UID 1 FLAGS (\\Seen) ENVELOPE (\"date\" \"subj\" ((\"A\" NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL NIL))\r\n", false},
		{"at the limit", "* 1 FETCH " + ok + "\r\n", false},
		{"over the limit", "* 1 FETCH " + deep + "\r\n", true},
		{"parentheses in a quoted string", "* 1 FETCH (ENVELOPE (\"" + strings.Repeat("(", 500) + "\\\"(\"))\r\n", false},
		{"parentheses in a literal", "* 1 FETCH (BODY[] {600}\r\n" + strings.Repeat("(", 600) + ")\r\n", false},
		{"depth resets per line", strings.Repeat("* "+strings.Repeat("(", 40)+"\r\n", 10), false},
		{"deep after a literal", "* 1 FETCH (BODY[] {3}\r\n(((" + deep + ")\r\n", true},
	} {
		err := readAllGuarded(tc.in)
		if tc.tooDeep != errors.Is(err, errTooDeep) {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}
