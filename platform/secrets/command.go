package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// DefaultCommandTimeout bounds a password command. It is generous because
// commands like `pass` may ask for a GPG passphrase first.
const DefaultCommandTimeout = 60 * time.Second

// Output limits: a password is short, and a command that prints megabytes
// is not a password command.
const (
	maxCommandStdout = 64 << 10
	maxCommandStderr = 8 << 10
)

// CommandStore runs a user's password_command to get a password: the first
// line of its standard output, trailing whitespace trimmed. It is read-only:
// Set and Delete return ErrReadOnly.
//
// The command runs without a shell, so mail data or config text can never
// be interpreted as shell code; ParseCommand splits a config string into its
// words. Its stdin is empty; its stderr is captured for error messages only.
type CommandStore struct {
	Argv []string
	// Timeout for one run; DefaultCommandTimeout when zero.
	Timeout time.Duration
}

// Command returns a store that runs argv (argv[0] is looked up in PATH).
func Command(argv []string) *CommandStore {
	return &CommandStore{Argv: append([]string(nil), argv...), Timeout: DefaultCommandTimeout}
}

// CommandFromString parses a password_command config value with
// ParseCommand and returns its store.
func CommandFromString(line string) (*CommandStore, error) {
	argv, err := ParseCommand(line)
	if err != nil {
		return nil, err
	}
	return Command(argv), nil
}

// Get runs the command. The account is not passed to it: each account has
// its own command.
func (c *CommandStore) Get(ctx context.Context, account string) (string, error) {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return "", errors.New("password_command is empty")
	}
	// Only the program's name goes into messages: people have been known to
	// put a password in a command's arguments (`echo hunter2`).
	name := filepath.Base(c.Argv[0])
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	stdout := &capped{max: maxCommandStdout}
	stderr := &capped{max: maxCommandStderr}
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// A child that keeps the pipes open after the command was killed must
	// not hold Get forever.
	cmd.WaitDelay = 2 * time.Second
	ownGroup(cmd)
	err := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return "", fmt.Errorf("password command %q did not finish within %v", name, timeout)
		}
		return "", ctxErr
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			msg := fmt.Sprintf("password command %q failed: %s", name, exit.ProcessState.String())
			if line := firstLine(stderr.buf.String()); line != "" {
				msg += ": " + line
			}
			return "", errors.New(msg)
		}
		// Could not start: not found, not executable. Those messages name
		// only the program.
		cause := errors.Unwrap(err)
		if cause == nil {
			cause = err
		}
		return "", fmt.Errorf("password command %q could not run: %w", name, cause)
	}
	if stdout.over {
		return "", fmt.Errorf("password command %q printed more than %d bytes", name, maxCommandStdout)
	}
	out := stdout.buf.String()
	if i := strings.IndexByte(out, '\n'); i >= 0 {
		out = out[:i]
	}
	out = strings.TrimRightFunc(out, unicode.IsSpace)
	if out == "" {
		return "", fmt.Errorf("password command %q printed nothing", name)
	}
	return out, nil
}

// Set implements Store; a password command cannot be written to.
func (c *CommandStore) Set(context.Context, string, string) error { return ErrReadOnly }

// Delete implements Store; a password command cannot be written to.
func (c *CommandStore) Delete(context.Context, string) error { return ErrReadOnly }

// firstLine returns the first non-empty line of stderr, cleaned of control
// characters and cut to 200 runes, for an error message.
func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		line = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				return -1
			}
			return r
		}, line)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > 200 {
			line = string(r[:200]) + "…"
		}
		return line
	}
	return ""
}

// capped is a writer that keeps at most max bytes and notes overflow
// (it keeps accepting, so the child never blocks on a full pipe).
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (w *capped) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); room > 0 {
		if len(p) > room {
			w.buf.Write(p[:room])
			w.over = true
		} else {
			w.buf.Write(p)
		}
	} else if len(p) > 0 {
		w.over = true
	}
	return len(p), nil
}

// ParseCommand splits a password_command into words: ParseCommandFor with
// the setting's name "password_command".
func ParseCommand(line string) ([]string, error) {
	return ParseCommandFor("password_command", line)
}

// ParseCommandFor splits a command-line setting into words the way a POSIX
// shell would split a simple command, without running a shell: words are
// separated by blanks; 'single quotes' keep everything literally;
// "double quotes" keep everything but \" \\ \$ \` which lose their
// backslash; a backslash outside quotes keeps the next character. Nothing
// is expanded ($VAR, ~, globs stay as written). Unquoted shell operators
// (| & ; < > ` $( ) are refused with a hint to use sh -c, so a pipeline
// never silently becomes arguments. setting names the config key in error
// messages ("password_command", "open").
func ParseCommandFor(setting, line string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		rs      = []rune(line)
		errHint = setting + " runs without a shell; for pipes or variables write: sh -c '...'"
	)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '\'':
			inWord = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return nil, errors.New(setting + ": unterminated single quote")
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
		case r == '"':
			inWord = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[j+1]) {
					j++
				}
				cur.WriteRune(rs[j])
			}
			if j == len(rs) {
				return nil, errors.New(setting + ": unterminated double quote")
			}
			i = j
		case r == '\\':
			if i+1 == len(rs) {
				return nil, errors.New(setting + ": trailing backslash")
			}
			inWord = true
			i++
			cur.WriteRune(rs[i])
		case strings.ContainsRune("|&;<>`", r), r == '$' && i+1 < len(rs) && rs[i+1] == '(':
			return nil, fmt.Errorf("%s: unquoted %q: %s", setting, r, errHint)
		default:
			inWord = true
			cur.WriteRune(r)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New(setting + " is empty")
	}
	return words, nil
}
