package credentials

import (
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// SecretEntry is one stored webhook signing secret.
type SecretEntry struct {
	Value      string     `json:"value"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	StoredAt   time.Time  `json:"stored_at"`
}

// WebhookSecrets is everything stored for one registration, kept as a single
// keyring entry so a rotation's change is one atomic write.
type WebhookSecrets struct {
	Current  *SecretEntry `json:"current,omitempty"`
	Previous *SecretEntry `json:"previous,omitempty"`
	// Pending is a client-chosen secret sent to the provider but not yet
	// confirmed (PwC): kept until confirmed so a crash loses nothing.
	Pending *SecretEntry `json:"pending,omitempty"`
}

func secretName(id string) string { return "webhook/" + id }

// WebhookSecrets reads a registration's secrets; absent means empty, not error.
func (s *Store) WebhookSecrets(profile, id string) (WebhookSecrets, error) {
	if s.sdb != nil {
		return s.dbWebhookSecrets(profile, id)
	}
	var ws WebhookSecrets
	raw, err := s.Get(profile, secretName(id))
	if err != nil {
		if isNotFound(err) {
			return ws, nil
		}
		return ws, err
	}
	if err := json.Unmarshal([]byte(raw), &ws); err != nil {
		return ws, fmt.Errorf("stored secrets for %s are corrupt: %w", id, err)
	}
	return ws, nil
}

// UpdateWebhookSecrets does an atomic read-modify-write of a registration's
// secrets: with the secret db, one transaction, durable when it returns.
func (s *Store) UpdateWebhookSecrets(profile, id string, fn func(*WebhookSecrets) error) error {
	if s.sdb != nil {
		return s.dbUpdateWebhookSecrets(profile, id, fn)
	}
	return s.Update(profile, secretName(id), func(old string, found bool) (string, error) {
		var ws WebhookSecrets
		if found {
			if err := json.Unmarshal([]byte(old), &ws); err != nil {
				return "", fmt.Errorf("stored secrets for %s are corrupt: %w", id, err)
			}
		}
		if err := fn(&ws); err != nil {
			return "", err
		}
		b, err := json.Marshal(ws)
		return string(b), err
	})
}

// StoreCurrent records secret as current. When the current one differs it
// becomes previous, valid for overlap (0: dropped).
func (s *Store) StoreCurrent(profile, id, secret string, overlap time.Duration, now time.Time) error {
	if secret == "" {
		return nil
	}
	return s.UpdateWebhookSecrets(profile, id, func(ws *WebhookSecrets) error {
		if ws.Current != nil && ws.Current.Value == secret {
			return nil
		}
		if ws.Current != nil && overlap > 0 {
			until := now.Add(overlap).UTC()
			ws.Previous = &SecretEntry{Value: ws.Current.Value, ValidUntil: &until, StoredAt: ws.Current.StoredAt}
		} else if ws.Current != nil {
			ws.Previous = nil
		}
		ws.Current = &SecretEntry{Value: secret, StoredAt: now.UTC()}
		if ws.Pending != nil && ws.Pending.Value == secret {
			ws.Pending = nil
		}
		return nil
	})
}

// DeleteWebhookSecrets forgets a registration's secrets (in the secret db
// and any entry of the old layout).
func (s *Store) DeleteWebhookSecrets(profile, id string) error {
	if s.sdb != nil {
		err := s.withDB(profile, func(db *bbolt.DB, _ cipher.AEAD) error {
			return s.sdb.commit(db, func(tx *bbolt.Tx) error {
				b, err := profileBucket(tx, profile, false)
				if err != nil || b == nil {
					return err
				}
				return b.Delete([]byte(id))
			})
		})
		if err != nil {
			return err
		}
	}
	return s.Delete(profile, secretName(id))
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, ErrNotFound) }
