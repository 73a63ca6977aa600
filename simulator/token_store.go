package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// issuedToken is what the simulator remembers about an access token. Tokens
// are opaque random strings: clients must not look inside them.
type issuedToken struct {
	tenant  string
	expires time.Time
}

type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]issuedToken
}

func newTokenStore() *tokenStore {
	return &tokenStore{tokens: map[string]issuedToken{}}
}

// issue creates a token for tenant and forgets tokens that expired, so that
// a long-running simulator does not grow.
func (s *tokenStore) issue(tenant string, now time.Time, lifetime time.Duration) string {
	token := rand.Text() + rand.Text()
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, issued := range s.tokens {
		if !now.Before(issued.expires) {
			delete(s.tokens, t)
		}
	}
	s.tokens[token] = issuedToken{tenant: tenant, expires: now.Add(lifetime)}
	return token
}

// lookup returns the token's record; known is false for a token never issued.
func (s *tokenStore) lookup(token string) (issued issuedToken, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	issued, known = s.tokens[token]
	return issued, known
}

// randomGUIDText returns a random version-4 GUID, used for error targets and
// trace ids.
func randomGUIDText() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return guidFromHex(hex.EncodeToString(b[:]))
}
