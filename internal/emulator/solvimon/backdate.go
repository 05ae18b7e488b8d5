package solvimon

import (
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

var _ emulator.Backdater = (*Emulator)(nil)

// Backdate moves a webhook's secret_rolled_at back by d, the one date
// Solvimon answers with. A webhook whose secret was never rolled has no
// date to move: that is an error, not a silent no-op.
func (s *Emulator) Backdate(id string, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.hooks[id]
	if !ok {
		return fmt.Errorf("solvimon: no webhook %q", id)
	}
	if rec.SecretRolledAt == nil {
		return fmt.Errorf("solvimon: the secret of %s was never rolled (secret_rolled_at is null): no date to move", id)
	}
	t := rec.SecretRolledAt.Add(-d)
	rec.SecretRolledAt = &t
	return nil
}
