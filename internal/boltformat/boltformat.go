// Package boltformat stamps hookctl's bbolt files (the secret db, the
// replay db) with a format name in a "meta" bucket and refuses a file of
// another format, so a later hookctl never misreads an older or newer
// layout.
package boltformat

import (
	"go.etcd.io/bbolt"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// Check runs inside an update transaction: it creates the meta bucket
// and format key when new, and refuses a file stamped with another format
// (exit 2, naming what and path). It returns the meta bucket.
func Check(tx *bbolt.Tx, meta, key []byte, format, what, path string) (*bbolt.Bucket, error) {
	b, err := tx.CreateBucketIfNotExists(meta)
	if err != nil {
		return nil, err
	}
	switch f := b.Get(key); {
	case f == nil:
		if err := b.Put(key, []byte(format)); err != nil {
			return nil, err
		}
	case string(f) != format:
		return nil, otherFormat(what, path, f)
	}
	return b, nil
}

// Read is Check for a read-only transaction: it returns the meta bucket,
// or nil when the file is not stamped yet (Check, in an update
// transaction, stamps it), and refuses a file of another format.
func Read(tx *bbolt.Tx, meta, key []byte, format, what, path string) (*bbolt.Bucket, error) {
	b := tx.Bucket(meta)
	if b == nil {
		return nil, nil
	}
	switch f := b.Get(key); {
	case f == nil:
		return nil, nil
	case string(f) != format:
		return nil, otherFormat(what, path, f)
	}
	return b, nil
}

func otherFormat(what, path string, f []byte) error {
	return webhook.Errorf(webhook.KindUsage, "%s %s has format %q, which this hookctl does not read", what, path, f)
}
