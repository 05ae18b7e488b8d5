package emulator

import "time"

// Backdater is implemented by emulators that can make a registration older
// than it is: internal/sandbox's PUT /_sandbox/backdate moves the registration's
// dates (created, last changed, the secret's last rotation and its expiry)
// back by d, so a test of `rotate-secret --older-than 30d` need not wait a
// month. Which dates move is each emulator's own reading of its provider's
// answers; nothing else changes (secrets, tokens, the delivery log).
type Backdater interface {
	// Backdate moves id's dates back by d; an unknown id, or one with no
	// date the provider reports, is an error.
	Backdate(id string, d time.Duration) error
}
