package pexa

import (
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

var _ emulator.Backdater = (*Emulator)(nil)

// Backdate moves a registration's dates back by d: the shared secret's
// expiry (the one date PEXA answers with, sharedSecretExpiry) and with it
// the overlap of a previous secret, as if the secret had been issued d
// earlier.
func (e *Emulator) Backdate(id string, d time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec, ok := e.regs[id]
	if !ok {
		return fmt.Errorf("pexa: no registration %q", id)
	}
	rec.SecretExpiry = rec.SecretExpiry.Add(-d)
	rec.CreatedAt, rec.UpdatedAt = rec.CreatedAt.Add(-d), rec.UpdatedAt.Add(-d)
	if rec.PreviousValidUntil != nil {
		t := rec.PreviousValidUntil.Add(-d)
		rec.PreviousValidUntil = &t
	}
	return nil
}
