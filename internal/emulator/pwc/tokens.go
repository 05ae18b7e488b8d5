package pwc

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/emulator"
)

// Authentication: PwC's mechanism is not documented [UNKNOWN]; the
// emulator follows docs/providers/pwc.md §4.3's inference, ServiceStack's
// credentials provider issuing bearer and refresh tokens [INF].

// Tokens are HS256 JWTs like ServiceStack's JwtAuthProvider issues [SEC]:
// "typ" JWT for bearer tokens and JWTR for refresh tokens, so one can never
// stand in for the other.
func (s *Emulator) issue(typ string, lifetime time.Duration, now time.Time) string {
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": typ})
	claims, _ := json.Marshal(map[string]any{"iss": "ssjwt", "sub": sandboxUserID, "name": SandboxUsername,
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(), "jti": uuid.NewString()})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	return signing + "." + enc.EncodeToString(s.mac(signing))
}

func (s *Emulator) mac(signing string) []byte {
	s.mu.Lock()
	key := s.tokenKey
	s.mu.Unlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signing))
	return m.Sum(nil)
}

// checkToken verifies a token of type typ: "" when good, else why not.
func (s *Emulator) checkToken(tok, typ string) (code, msg string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "TokenException", "Invalid Token"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.mac(parts[0]+"."+parts[1])) {
		return "TokenException", "Invalid Token"
	}
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var h struct{ Typ string }
	var c struct{ Exp int64 }
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil || h.Typ != typ {
		return "TokenException", "Invalid Token"
	}
	if !s.now().Before(time.Unix(c.Exp, 0)) {
		return "TokenException", "Token has expired"
	}
	return "", ""
}

// RevokeTokens makes every issued token invalid, as a server-side key
// rollover or logout would: the next call with an old token gets 401.
func (s *Emulator) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenKey = emulator.RandomBytes(32)
}

// login is ServiceStack's credentials provider [INF: docs/providers/pwc.md §4.3]. A wrong
// user or password gets 401 with ServiceStack's "Invalid UserName or
// Password" [SEC]. JSON property names match case-insensitively, as in
// ServiceStack.
func (s *Emulator) login(w http.ResponseWriter, r *http.Request) {
	var req loginBody
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeStatus(w, http.StatusBadRequest, "SerializationException", "the request body is not valid JSON", nil)
		return
	}
	if r.URL.Path == "/auth" && !strings.EqualFold(req.Provider, "credentials") {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("No configuration was added for OAuth provider '%s'", req.Provider), nil)
		return
	}
	userOK := subtle.ConstantTimeCompare([]byte(req.UserName), []byte(SandboxUsername)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(req.Password), []byte(SandboxPassword)) == 1
	if !userOK || !passOK {
		writeStatus(w, http.StatusUnauthorized, "Unauthorized", "Invalid UserName or Password", nil)
		return
	}
	now := s.now()
	sid := uuid.NewString()
	s.mu.Lock()
	s.sessions[sid] = now.Add(sessionLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, loginAnswer{
		UserID: sandboxUserID, SessionID: sid, UserName: SandboxUsername, DisplayName: "Sandbox User",
		BearerToken:        s.issue("JWT", AccessTokenLifetime, now),
		RefreshToken:       s.issue("JWTR", refreshTokenLifetime, now),
		RefreshTokenExpiry: netDatePtr(now.Add(refreshTokenLifetime).UTC()),
	})
}

// accessToken trades a refresh token for a bearer token [SEC].
func (s *Emulator) accessToken(w http.ResponseWriter, r *http.Request) {
	var req refreshBody
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.RefreshToken == "" {
		writeStatus(w, http.StatusBadRequest, "ArgumentNullException", "RefreshToken is required", []responseError{{ErrorCode: "NotEmpty", FieldName: "RefreshToken", Message: "'Refresh Token' must not be empty."}})
		return
	}
	if code, msg := s.checkToken(req.RefreshToken, "JWTR"); code != "" {
		writeStatus(w, http.StatusUnauthorized, code, msg, nil)
		return
	}
	writeJSON(w, http.StatusOK, refreshAnswer{AccessToken: s.issue("JWT", AccessTokenLifetime, s.now())})
}

// authed requires an authenticated caller [DOC: every operation "Requires
// Authentication"], in any of the ways a ServiceStack host with the
// credentials, JWT and basic auth providers accepts [SEC: ServiceStack]:
// a bearer token, the ss-id cookie of a credentials login's session, or
// HTTP Basic with the user name and password. Without one ServiceStack
// answers 401 [SEC].
func (s *Emulator) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if code, msg := s.caller(r); code != "" {
			writeStatus(w, http.StatusUnauthorized, code, msg, nil)
			return
		}
		h(w, r)
	}
}

// caller checks how r authenticates: "" when it does, else ServiceStack's
// error code and message.
func (s *Emulator) caller(r *http.Request) (string, string) {
	auth := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok && tok != "" {
		return s.checkToken(tok, "JWT")
	}
	if user, pass, ok := r.BasicAuth(); ok {
		userOK := subtle.ConstantTimeCompare([]byte(user), []byte(SandboxUsername)) == 1
		passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(SandboxPassword)) == 1
		if !userOK || !passOK {
			return "Unauthorized", "Invalid UserName or Password"
		}
		return "", ""
	}
	if c, err := r.Cookie("ss-id"); err == nil && c.Value != "" {
		s.mu.Lock()
		exp, ok := s.sessions[c.Value]
		s.mu.Unlock()
		if !ok || !s.now().Before(exp) {
			return "Unauthorized", "Session expired or unknown"
		}
		return "", ""
	}
	return "Unauthorized", "Not Authenticated"
}

// session answers GET /auth: the caller's session when authenticated
// (ServiceStack's way to ask "who am I"), else 401.
func (s *Emulator) session(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, loginAnswer{UserID: sandboxUserID, UserName: SandboxUsername, DisplayName: "Sandbox User"})
}
