// Package boltformat stamps hookctl's bbolt files (the secret db, the
// replay db) with a format name in a "meta" bucket and refuses a file of
// another format, so a later hookctl never misreads an older or newer
// layout.
package boltformat

import (
	"fmt"

	"go.etcd.io/bbolt"
)

// Check runs inside an update transaction: it creates the meta bucket
// and format key when new, and refuses a file stamped with another format
// (an *OtherFormatError, which callers report as a usage error, exit 2).
// It returns the meta bucket.
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

// OtherFormatError is a file stamped with a format this hookctl does not
// read. The package is a leaf below the API layer, so it does not build
// the typed error itself; its callers turn this into a usage error.
type OtherFormatError struct {
	What, Path, Found string
}

func (e *OtherFormatError) Error() string {
	return fmt.Sprintf("%s %s has format %q, which this hookctl does not read", e.What, e.Path, e.Found)
}

func otherFormat(what, path string, f []byte) error {
	return &OtherFormatError{What: what, Path: path, Found: string(f)}
}
