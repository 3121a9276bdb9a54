// Package httpsig signs outbound ActivityPub requests and verifies inbound
// ones with HTTP signatures, in both forms found on the Fediverse:
//
//   - draft-cavage-http-signatures-12 ("cavage"), the Signature header sent
//     by Mastodon, GoToSocial, honk and most servers;
//   - RFC 9421 HTTP Message Signatures (Signature-Input and Signature), sent
//     by Fedify as the first try of its "double knock".
//
// # Outbound
//
// [Sign] signs a request the way Mastodon does: algorithm rsa-sha256,
// headers "(request-target) host date", plus "digest" and "content-type" on
// requests with a body and "accept" on fetches that set it. This is the form
// every peer we know accepts. [SignRFC9421] produces an RFC 9421 signature
// like Fedify's first knock; it exists mainly so that tests can act as
// Fedify.
//
// # Inbound
//
// [Verifier.Verify] accepts either form. It checks, in this order:
//
//  1. that a signature is present and parses ([ErrMissing], [ErrMalformed]);
//  2. the algorithm label ([ErrUnsupportedAlg]);
//  3. that the body's Digest or Content-Digest header is present on requests
//     with a body and matches the body ([ErrDigest]);
//  4. that the signature covers what the policy below demands
//     ([ErrNotSigned]);
//  5. the time window ([ErrExpired]);
//  6. the signature itself, with the key returned by the caller's
//     [KeyGetter] ([ErrKey], [ErrBadSignature]). When this step fails, the
//     key is fetched once more with refresh set, in case the peer rotated
//     it, and the check is repeated.
//
// Every error returned by Verify is an [*Error] that wraps one of the
// sentinel errors above. Callers answer 401 Unauthorized to all of them:
// Fedify retries with draft-cavage only after a 401.
//
// The cavage policy follows Mastodon: the signed headers must include date
// or (created), and digest or (request-target); a request without a body
// must sign host and (request-target); a request with a body must sign
// digest. The RFC 9421 policy asks for @method, the target (@target-uri,
// @request-target, or @path plus @query when there is a query), the
// authority (@authority, host or @target-uri), a created parameter or a
// signed date, and content-digest on requests with a body.
//
// A request "has a body" when the body passed to Verify is not empty or the
// method is POST, PUT or PATCH.
//
// The package imports only the standard library.
package httpsig
