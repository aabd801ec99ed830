package dovecottest

// TB is the part of testing.TB that StartT uses; *testing.T and *testing.B
// satisfy it. Declared here so this package need not import "testing".
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
}

// StartT starts a server for a test or benchmark and closes it in
// t.Cleanup. A missing dovecot binary fails the test (it never skips). When
// the test has failed, the log's tail is printed before the server goes.
func StartT(t TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("dovecottest: %v", err)
		return nil
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecot log (last 40 lines):\n%s", s.LogTail(40))
		}
		if err := s.Close(); err != nil {
			t.Errorf("dovecottest: close: %v", err)
		}
	})
	return s
}
