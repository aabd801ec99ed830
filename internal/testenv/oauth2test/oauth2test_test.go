package oauth2test_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"mailbell/internal/testenv/oauth2test"
)

func tokeninfo(t *testing.T, s *oauth2test.Server, tok string) (int, string) {
	t.Helper()
	resp, err := http.Get(s.TokenInfoURL() + tok)
	if err != nil {
		t.Fatalf("tokeninfo: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Email string `json:"email"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Email
}

func TestOAuth2ServerFlow(t *testing.T) {
	t.Parallel()
	s := oauth2test.StartT(t, oauth2test.Options{AccessTTL: 5 * time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := s.Mint(ctx, "alice@example.test")
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("mint gave no access or refresh token")
	}
	// expires_in in seconds: the token lives about AccessTTL, not 68 years.
	if left := time.Until(tok.Expiry); left < 4*time.Minute || left > 6*time.Minute {
		t.Fatalf("access token expires in %s, want about 5 min", left)
	}
	if code, email := tokeninfo(t, s, tok.AccessToken); code != 200 || email != "alice@example.test" {
		t.Fatalf("tokeninfo: %d %q", code, email)
	}
	if code, _ := tokeninfo(t, s, tok.RefreshToken); code != 401 {
		t.Fatalf("tokeninfo took a refresh token: %d", code)
	}
	if code, _ := tokeninfo(t, s, "garbage"); code != 401 {
		t.Fatalf("tokeninfo took garbage: %d", code)
	}

	// A refresh right away gives a different, valid access token.
	fresh, err := s.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == tok.AccessToken {
		t.Fatal("refresh returned the same access token")
	}
	s.Revoke(tok.AccessToken)
	if code, _ := tokeninfo(t, s, tok.AccessToken); code != 401 {
		t.Fatalf("revoked token: %d", code)
	}
	if code, _ := tokeninfo(t, s, fresh.AccessToken); code != 200 {
		t.Fatalf("fresh token after revoking the old: %d", code)
	}

	// Expiry: every access token dies, the refresh token still works.
	s.FastForward(6 * time.Minute)
	if code, _ := tokeninfo(t, s, fresh.AccessToken); code != 401 {
		t.Fatalf("expired token: %d", code)
	}
	again, err := s.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh after expiry: %v", err)
	}
	if code, _ := tokeninfo(t, s, again.AccessToken); code != 200 {
		t.Fatalf("token refreshed after expiry: %d", code)
	}

	// A revoked refresh token is invalid_grant (sign in again).
	s.Revoke(tok.RefreshToken)
	_, err = s.Refresh(ctx, tok.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("refresh with a revoked token: %v", err)
	}
	if c := s.Counts(); c.Refresh != 3 || c.TokeninfoRefused < 4 {
		t.Fatalf("counts %+v", c)
	}
}

func TestOAuth2ServerExpiredRefreshIsInvalidGrant(t *testing.T) {
	t.Parallel()
	s := oauth2test.StartT(t, oauth2test.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := s.Mint(ctx, "bob@example.test")
	if err != nil {
		t.Fatal(err)
	}
	s.FastForward(2 * time.Hour)
	_, err = s.Refresh(ctx, tok.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("refresh with an expired token: %v", err)
	}
}

func TestOAuth2ServerRotates(t *testing.T) {
	t.Parallel()
	s := oauth2test.StartT(t, oauth2test.Options{Rotate: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := s.Mint(ctx, "carol@example.test")
	if err != nil {
		t.Fatal(err)
	}
	r1, err := s.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if r1.RefreshToken == "" || r1.RefreshToken == tok.RefreshToken {
		t.Fatal("no new refresh token on refresh")
	}
	if _, err := s.Refresh(ctx, tok.RefreshToken); err == nil {
		t.Fatal("the rotated-out refresh token still works")
	}
	if _, err := s.Refresh(ctx, r1.RefreshToken); err != nil {
		t.Fatalf("the rotated-in refresh token: %v", err)
	}
}

func TestOAuth2ServerWrongVerifier(t *testing.T) {
	t.Parallel()
	s := oauth2test.StartT(t, oauth2test.Options{})
	// A code that was never issued, and a made-up verifier: invalid_grant.
	_, err := s.Config("http://127.0.0.1:1/").Exchange(context.Background(), "nope", oauth2.VerifierOption(oauth2.GenerateVerifier()))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("exchange of a bad code: %v", err)
	}
}
