package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// storeContract is what every writable Store does.
func storeContract(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Get(ctx, "acct-contract"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing account: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "acct-contract"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a missing account: %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "acct-contract", "first"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "acct-contract", "p\u00e4ss w\"ord\n2"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "acct-contract"); err != nil || got != "p\u00e4ss w\"ord\n2" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := s.Delete(ctx, "acct-contract"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "acct-contract"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := s.Set(ctx, "", "x"); !errors.Is(err, ErrEmptyAccount) {
		t.Fatalf("Set with an empty account: %v", err)
	}
}

func TestMemory(t *testing.T) {
	s := Memory()
	storeContract(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Get(ctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context: %v", err)
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct := fmt.Sprint("a", i)
			for j := range 100 {
				_ = s.Set(context.Background(), acct, fmt.Sprint(j))
				_, _ = s.Get(context.Background(), acct)
			}
		}()
	}
	wg.Wait()
	if got, _ := s.Get(context.Background(), "a3"); got != "99" {
		t.Errorf("a3 = %q", got)
	}
}
