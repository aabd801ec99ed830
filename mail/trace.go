package mail

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
)

// redactor is the io.Writer given to go-imap as its debug writer. It turns
// the raw exchange into lines for Options.Trace and hides credentials: while
// a login is in flight everything is replaced, and the secret itself (raw
// and in the base64 forms a login sends) is masked wherever it shows up.
type redactor struct {
	out     func(string)
	secrets atomic.Pointer[[]string]
	inLogin atomic.Bool
	mu      sync.Mutex
	buf     bytes.Buffer
	maxLine int
}

func newRedactor(out func(string)) *redactor {
	return &redactor{out: out, maxLine: 4096}
}

// setSecrets names the strings to mask from now on.
func (r *redactor) setSecrets(forms []string) { r.secrets.Store(&forms) }

func (r *redactor) Write(p []byte) (int, error) {
	if r == nil || r.out == nil {
		return len(p), nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inLogin.Load() {
		r.buf.Reset()
		r.out("[credentials redacted]")
		return len(p), nil
	}
	r.buf.Write(p)
	for {
		i := bytes.IndexByte(r.buf.Bytes(), '\n')
		if i < 0 {
			if r.buf.Len() > r.maxLine {
				r.emit(r.buf.String())
				r.buf.Reset()
			}
			return len(p), nil
		}
		line := string(r.buf.Next(i + 1))
		r.emit(line)
	}
}

func (r *redactor) emit(line string) {
	line = strings.TrimRight(line, "\r\n")
	if forms := r.secrets.Load(); forms != nil {
		for _, s := range *forms {
			if s != "" {
				line = strings.ReplaceAll(line, s, "[redacted]")
			}
		}
	}
	if len(line) > r.maxLine {
		line = line[:r.maxLine] + "…"
	}
	r.out(line)
}
