package pwc

import (
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/emulator"
)

var _ emulator.Backdater = (*Emulator)(nil)

// Backdate moves a subscription's CreatedDateUtc and LastModifiedDateUtc
// back by d, the dates a SubscriptionResponse carries (none dates the
// secret itself).
func (s *Emulator) Backdate(id string, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.subs[id]
	if !ok {
		return fmt.Errorf("pwc: no subscription %q", id)
	}
	rec.CreatedAt, rec.ModifiedAt = rec.CreatedAt.Add(-d), rec.ModifiedAt.Add(-d)
	return nil
}
