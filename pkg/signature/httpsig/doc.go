// Package httpsig implements HTTP Message Signatures (RFC 9421) and the
// Content-Digest field (RFC 9530), the request-signing scheme OffBlocks uses
// both for API calls and for webhook deliveries.
//
// It is written against the standard library's crypto packages only, with
// structured-field parsing and serialisation delegated to
// github.com/dunglas/httpsfv: the signature base has to be byte-for-byte
// identical on both sides, and strict structured-field serialisation is the
// part most easily got subtly wrong by hand.
//
// The package has two layers. The low layer builds signature bases
// (SignatureBase, Signature.Base) and signs or verifies raw bytes (SignBase,
// VerifyBase) so a caller can report each step separately, as hookctl's
// verify command does. The high layer (SignRequest, VerifyRequest) covers the
// two everyday uses: signing an outgoing *http.Request and verifying an
// incoming one, with clock tolerance and precise, typed errors.
//
// OffBlocks' own library targets draft-ietf-httpbis-message-signatures-19
// and draft-ietf-httpbis-digest-headers-13; the wire format of both is the
// same as in the published RFCs for everything implemented here.
package httpsig
