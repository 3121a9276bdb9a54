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
//  3. that the body's Digest (draft-cavage) or Content-Digest (RFC 9421)
//     header is present on requests with a body and matches the body
//     ([ErrDigest]);
//  4. that the signature covers what the policy below demands
//     ([ErrNotSigned]);
//  5. that every covered header is present and the signing string or
//     signature base can be built ([ErrMissing], [ErrMalformed]);
//  6. the time window ([ErrExpired]), see [Verifier];
//  7. the signature itself, with the key returned by the caller's
//     [KeyGetter] ([ErrKey], [ErrBadSignature]). When this step fails, the
//     key is fetched once more with refresh set, in case the peer rotated
//     it, and the check is repeated. The first six steps never call the
//     KeyGetter.
//
// Every error returned by Verify is an [*Error] that wraps one of the
// sentinel errors above. Callers answer 401 Unauthorized to all of them:
// Fedify retries with draft-cavage only after a 401.
//
// The cavage policy follows Mastodon: the signed headers must include date
// or (created), and digest or (request-target); a request without a body
// must sign host; a request with a body must sign digest. The RFC 9421
// policy asks for @method, the target (@target-uri, @request-target, or
// @path plus @query when there is a query), the authority (@authority, host
// or @target-uri), a created parameter or a signed date, and content-digest
// on requests with a body.
//
// # Algorithms
//
// draft-cavage labels rsa-sha256, rsa-sha512, ed25519 and ecdsa-sha256 are
// accepted, and RFC 9421 algs rsa-v1_5-sha256, rsa-pss-sha512,
// ecdsa-p256-sha256, ecdsa-p384-sha384 and ed25519. When the label does not
// name an algorithm (cavage hs2019 or no algorithm parameter, RFC 9421
// without alg), the key type decides: an RSA key is tried with PKCS#1 v1.5
// and SHA-256, which Mastodon and GoToSocial send under hs2019, then with
// RSASSA-PSS and SHA-512, which draft-cavage-12 defines hs2019 to be; an
// Ed25519 key means ed25519; an ECDSA key means ECDSA with its curve's
// hash. ECDSA signatures may be ASN.1 DER (draft-cavage) or raw r‖s.
//
// A request "has a body" when the body passed to Verify is not empty or the
// method is POST, PUT or PATCH.
//
// Hostile input is bounded: at most 64 signed headers or components, 8 RFC
// 9421 labels (the first ones) and 64 KiB of signing string are processed.
// HMAC (hmac-sha256) is never accepted.
//
// The package imports only the standard library.
package httpsig
