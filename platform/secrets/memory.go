package secrets

import (
	"context"
	"sync"
)

// MemoryStore keeps secrets in a map, for the demo and tests. Safe for
// concurrent use.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]string
}

// Memory returns an empty in-memory store.
func Memory() *MemoryStore { return &MemoryStore{m: map[string]string{}} }

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, account string) (string, error) {
	if err := check(ctx, account); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[account]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set implements Store.
func (s *MemoryStore) Set(ctx context.Context, account, secret string) error {
	if err := check(ctx, account); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[account] = secret
	return nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(ctx context.Context, account string) error {
	if err := check(ctx, account); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[account]; !ok {
		return ErrNotFound
	}
	delete(s.m, account)
	return nil
}

func check(ctx context.Context, account string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if account == "" {
		return ErrEmptyAccount
	}
	return nil
}
