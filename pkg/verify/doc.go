// Package verify is hookctl's delivery verification pipeline around the
// signature schemes of package signature: choosing the scheme for a
// delivery, the replay store behind --seen-db, the batch verifier behind
// `hookctl verify --batch` (its own JSON decoder and encoder, and the
// garbage collector's target for the run), and the receiver behind
// `hookctl verify listen`.
//
// The replay store keys on what a signature covers (signature.Signed),
// never on header text a sender can rewrite, and is one bbolt file that
// several processes may share: each check-and-record is one transaction
// under the file's lock.
//
// The receiver treats memory and time as shared budgets: signature headers
// are checked before a body is read, bodies in flight are bounded by a byte
// budget, verification never waits for forwarding, and forwarding runs
// concurrently with a bound and a per-delivery timeout.
//
// Nothing here knows cobra: cmd turns flags into these types and prints
// what they report.
package verify
