package oauth2test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// serialize runs one mockoidc handler at a time, under s.mu.
func (s *Server) serialize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// fixToken wraps the token endpoint (and passes the others through):
// refreshes with a revoked or expired refresh token get invalid_grant, the
// answer's expires_in becomes seconds, refresh tokens handed out are
// remembered (tokeninfo refuses them) and, with Options.Rotate, replaced
// by a new one on every refresh. Runs under s.mu.
func (s *Server) fixToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.TokenEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		s.tokenCalls.Add(1)
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		isRefresh := r.PostForm.Get("grant_type") == "refresh_token"
		old := r.PostForm.Get("refresh_token")
		if isRefresh {
			s.refreshCalls.Add(1)
			if s.revoked[old] || !s.valid(old) {
				oauthError(w, http.StatusBadRequest, "invalid_grant")
				return
			}
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var tr map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &tr) == nil {
			if ns, ok := tr["expires_in"].(float64); ok {
				tr["expires_in"] = int64(time.Duration(ns) / time.Second)
			}
			// mockoidc signs the same claims again within a second: an
			// access token from a refresh would equal a revoked one.
			if at, ok := tr["access_token"].(string); ok {
				if fresh, err := s.resign(at, 0); err == nil {
					tr["access_token"] = fresh
				}
			}
			if isRefresh && s.opts.Rotate {
				if fresh, err := s.resign(old, s.m.RefreshTTL); err == nil {
					s.revoked[old] = true
					tr["refresh_token"] = fresh
				}
			}
			if rt, ok := tr["refresh_token"].(string); ok {
				s.refresh[rt] = true
			}
			body, _ = json.Marshal(tr)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// valid reports whether tok is a token of this server that has not
// expired by its clock. Called under s.mu.
func (s *Server) valid(tok string) bool {
	t, err := s.m.Keypair.VerifyJWT(tok, s.m.Now)
	if err != nil || !t.Valid {
		return false
	}
	exp, err := t.Claims.GetExpirationTime()
	return err == nil && exp != nil && s.m.Now().Before(exp.Time)
}

// resign signs tok's claims again with a serial number that makes the
// token unique, and, when ttl > 0, a new lifetime from now (rotation of a
// refresh token). Called under s.mu.
func (s *Server) resign(tok string, ttl time.Duration) (string, error) {
	t, err := s.m.Keypair.VerifyJWT(tok, s.m.Now)
	if err != nil {
		return "", err
	}
	claims, ok := t.Claims.(jwt.MapClaims)
	if !ok {
		return "", jwt.ErrTokenInvalidClaims
	}
	s.serial++
	fresh := jwt.MapClaims{}
	for k, v := range claims {
		fresh[k] = v
	}
	if ttl > 0 {
		now := s.m.Now()
		fresh["iat"], fresh["nbf"], fresh["exp"] = now.Unix(), now.Unix(), now.Add(ttl).Unix()
	}
	fresh["n"] = s.serial
	return s.m.Keypair.SignJWT(fresh)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

// startTokeninfo serves GET /tokeninfo?access_token=TOKEN: 200 with the
// user's email for a valid access token of this server, 401 otherwise
// (expired, revoked, a refresh token, garbage). Dovecot reads a 4xx as
// "token rejected"; its username_attribute defaults to "email".
func (s *Server) startTokeninfo() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tokeninfo", func(w http.ResponseWriter, r *http.Request) {
		s.tokeninfoCalls.Add(1)
		tok := r.URL.Query().Get("access_token")
		s.mu.Lock()
		email, ok := s.userOf(tok)
		s.mu.Unlock()
		if !ok {
			s.tokeninfoFails.Add(1)
			oauthError(w, http.StatusUnauthorized, "invalid_token")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"email": email, "sub": email, "scope": Scope})
	})
	ln, err := listen()
	if err != nil {
		return err
	}
	s.info = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.info.Serve(ln) }()
	s.infoURL = "http://" + ln.Addr().String() + "/tokeninfo?access_token="
	return nil
}

// userOf is the email of the user an access token was issued to. Called
// under s.mu.
func (s *Server) userOf(tok string) (string, bool) {
	if tok == "" || s.revoked[tok] || s.refresh[tok] || !s.valid(tok) {
		return "", false
	}
	t, err := s.m.Keypair.VerifyJWT(tok, s.m.Now)
	if err != nil {
		return "", false
	}
	sess, err := s.m.SessionStore.GetSessionByToken(t)
	if err != nil {
		return "", false
	}
	u, ok := sess.User.(*mockoidc.MockUser)
	if !ok || u.Email == "" {
		return "", false
	}
	return u.Email, true
}
