package rotation

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/hookctl/hookctl/pkg/bulkrun"
)

// Journal operations (bulkrun's), in the order an entry goes through them.
const (
	OpIntent = bulkrun.OpIntent
	OpStored = bulkrun.OpStored
	OpDone   = bulkrun.OpDone
)

// Record is one JSON line of a rotation's journal. It never holds a
// secret: secrets are referenced by salted fingerprints, and a
// client-chosen (pending) secret lives in the credential store's Pending
// entry. Its JSON names are those of the journals earlier versions wrote.
type Record struct {
	Entry    string    `json:"entry"`
	Op       string    `json:"op"`
	At       time.Time `json:"at"`
	ID       string    `json:"id,omitempty"`
	Provider string    `json:"provider,omitempty"`
	Profile  string    `json:"profile,omitempty"`
	// Salt keys the fingerprints of this entry.
	Salt string `json:"salt,omitempty"`
	// OldFP fingerprints the provider's secret before the call ("" unknown).
	OldFP        string     `json:"old_fp,omitempty"`
	OldRotatedAt *time.Time `json:"old_rotated_at,omitempty"`
	// Pending: a client-chosen secret is in the store's Pending entry.
	Pending bool `json:"pending,omitempty"`
	// Sinks are the delivery targets (file:PATH, exec:CMD) of the run, for
	// messages only: a rerun delivers to the sinks on its own command line
	// and never runs what a journal file says.
	Sinks []string `json:"sinks,omitempty"`
	// NewFP fingerprints the stored new secret (op stored).
	NewFP      string     `json:"new_fp,omitempty"`
	RotatedAt  *time.Time `json:"rotated_at,omitempty"`
	ValidUntil *time.Time `json:"old_valid_until,omitempty"`
	Status     string     `json:"status,omitempty"` // op done: ok, failed, not_rotated
	Error      string     `json:"error,omitempty"`
}

// Entry is the merged state of one rotation's journal entry.
type Entry = bulkrun.Entry[Record]

// journalDir is where a profile's rotation journal files live.
func journalDir(stateDir, profile string) string {
	return bulkrun.Dir(stateDir, "journal", profile)
}

// fingerprint is a salted, truncated SHA-256: enough to tell secrets apart,
// useless for recovering one.
func fingerprint(salt, secret string) string {
	if secret == "" {
		return ""
	}
	h := sha256.Sum256([]byte(salt + "\x00" + secret))
	return hex.EncodeToString(h[:12])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sink and Delivery are bulkrun's: where a run's new secrets go.
type (
	Sink     = bulkrun.Sink
	Delivery = bulkrun.Delivery
)
