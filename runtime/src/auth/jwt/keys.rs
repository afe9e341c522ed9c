//! Verification keys: each bound to one algorithm, selected by `kid`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::{DecodingKey, DecodingKeyKind};
use sha2::{Sha256, Sha384, Sha512};

use super::algorithm::{AlgorithmSet, JwtAlgorithm, KeyFamily};
use super::error::{JwtError, JwtKeyError};
use super::secret::HmacSecret;

/// The longest key id accepted, in bytes: 256.
pub const MAX_KID_LEN: usize = 256;

/// The shortest RSA modulus accepted, in bits: 2048 (RFC 7518 section 3.3).
pub const MIN_RSA_BITS: usize = 2048;

/// Whether `kid` is a plain key identifier: 1 to [`MAX_KID_LEN`] bytes of
/// ASCII letters, digits and `- . _ ~ + / = : @` (what base64, base64url,
/// hex, UUIDs, thumbprints and `name:version` ids use), with no `..`.
///
/// A key id only ever selects a key from a map here, so a hostile one could
/// not reach a file or a query anyway; refusing them outright keeps them out
/// of every log line and every other component that might be less careful.
pub fn is_valid_kid(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= MAX_KID_LEN
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/=:@".contains(&b))
        && !kid.contains("..")
}

/// `kid` if it is plain ([`is_valid_kid`]), for the keys that carry one.
pub(super) fn checked_kid(kid: String) -> Result<String, JwtKeyError> {
    if is_valid_kid(&kid) { Ok(kid) } else { Err(JwtKeyError::InvalidKid) }
}

/// A public key (or HMAC secret) that verifies tokens of one algorithm.
///
/// Loading checks everything a token cannot: the key parses, fits its
/// algorithm (an RSA key for RS256, a P-256 point for ES256, 32+ bytes for
/// HS256), an RSA modulus has at least 2048 bits, and it is public (a
/// private PEM given to a validator is refused: it belongs on the issuer).
///
/// ```
/// use apishield::auth::jwt::{JwtAlgorithm, JwtKey};
///
/// let pem = std::fs::read("../tests/fixtures/keys/test_rsa_public.pem").unwrap();
/// let key = JwtKey::from_pem(JwtAlgorithm::RS256, &pem)?.with_kid("2024-rsa")?;
/// assert_eq!(key.algorithm(), JwtAlgorithm::RS256);
/// # Ok::<(), apishield::auth::jwt::JwtKeyError>(())
/// ```
#[derive(Clone)]
pub struct JwtKey {
    algorithm: JwtAlgorithm,
    kid: Option<String>,
    key: DecodingKey,
    /// An HMAC key's keyed state, prepared once (shared: a few hundred
    /// bytes, and the key set is cloned with the validator).
    hmac: Option<Arc<KeyedHmac>>,
}

/// An HMAC key with its inner and outer pads already hashed. jsonwebtoken
/// keys a new HMAC for each verification: two SHA-256 blocks, 8 000 of the
/// 29 000 instructions of an HS256 check. Cloning the prepared state costs
/// a copy. The tag is compared by `hmac`'s `verify_slice`, in constant time
/// and only at the digest's full length, as jsonwebtoken compares it.
/// The states are wiped on drop (`sha2`'s `zeroize`).
#[derive(Clone)]
enum KeyedHmac {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

impl KeyedHmac {
    fn new(algorithm: JwtAlgorithm, secret: &[u8]) -> Option<KeyedHmac> {
        Some(match algorithm {
            JwtAlgorithm::HS256 => KeyedHmac::Hs256(Hmac::new_from_slice(secret).ok()?),
            JwtAlgorithm::HS384 => KeyedHmac::Hs384(Hmac::new_from_slice(secret).ok()?),
            JwtAlgorithm::HS512 => KeyedHmac::Hs512(Hmac::new_from_slice(secret).ok()?),
            _ => return None,
        })
    }

    fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        fn check<M: Mac + Clone>(keyed: &M, message: &[u8], tag: &[u8]) -> bool {
            let mut mac = keyed.clone();
            mac.update(message);
            mac.verify_slice(tag).is_ok()
        }
        match self {
            KeyedHmac::Hs256(keyed) => check(keyed, message, tag),
            KeyedHmac::Hs384(keyed) => check(keyed, message, tag),
            KeyedHmac::Hs512(keyed) => check(keyed, message, tag),
        }
    }
}

impl JwtKey {
    /// A public key in PEM: `PUBLIC KEY` (SPKI; RSA, P-256, P-384 or
    /// Ed25519), `RSA PUBLIC KEY` (PKCS#1) or a `CERTIFICATE`.
    pub fn from_pem(algorithm: JwtAlgorithm, pem: &[u8]) -> Result<JwtKey, JwtKeyError> {
        if pem.windows(b"PRIVATE KEY".len()).any(|w| w == b"PRIVATE KEY") {
            return Err(JwtKeyError::PrivateKeyMaterial);
        }
        let key = match algorithm.family() {
            KeyFamily::Hmac => return Err(JwtKeyError::AlgorithmMismatch),
            KeyFamily::Rsa => DecodingKey::from_rsa_pem(pem),
            KeyFamily::Ec => DecodingKey::from_ec_pem(pem),
            KeyFamily::Ed => DecodingKey::from_ed_pem(pem),
        }
        .map_err(|_| JwtKeyError::InvalidKey)?;
        JwtKey::checked(algorithm, key)
    }

    /// A public key in DER: SubjectPublicKeyInfo (what `openssl pkey -pubout
    /// -outform DER` writes), or PKCS#1 `RSAPublicKey` for RSA.
    pub fn from_der(algorithm: JwtAlgorithm, der: &[u8]) -> Result<JwtKey, JwtKeyError> {
        match JwtKey::from_pem(algorithm, &pem_armor("PUBLIC KEY", der)) {
            Err(JwtKeyError::InvalidKey) if algorithm.family() == KeyFamily::Rsa => {
                JwtKey::from_pem(algorithm, &pem_armor("RSA PUBLIC KEY", der))
            }
            other => other,
        }
    }

    /// An HMAC key: `algorithm` must be HS256, HS384 or HS512 and the secret
    /// at least as long as its hash (32, 48 or 64 bytes).
    pub fn hmac(algorithm: JwtAlgorithm, secret: &HmacSecret) -> Result<JwtKey, JwtKeyError> {
        if !algorithm.is_hmac() {
            return Err(JwtKeyError::AlgorithmMismatch);
        }
        if secret.byte_len() < algorithm.min_secret_len() {
            return Err(JwtKeyError::SecretTooShort { min: algorithm.min_secret_len() });
        }
        // jsonwebtoken refuses only empty secrets, which the length check excludes.
        let key = DecodingKey::from_secret(secret.expose()).map_err(|_| JwtKeyError::InvalidKey)?;
        JwtKey::checked(algorithm, key)
    }

    /// The same key with a key id, which tokens name in their `kid` header.
    /// Fails if the id is not plain ([`is_valid_kid`]).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Result<JwtKey, JwtKeyError> {
        self.kid = Some(checked_kid(kid.into())?);
        Ok(self)
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.algorithm
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Checks a decoded key against its algorithm and wraps it.
    pub(crate) fn checked(algorithm: JwtAlgorithm, key: DecodingKey) -> Result<JwtKey, JwtKeyError> {
        if algorithm.family() == KeyFamily::Rsa {
            let modulus = match key.kind() {
                DecodingKeyKind::RsaModulusExponent { n, .. } => n.clone(),
                DecodingKeyKind::SecretOrDer(der) => {
                    (DEFAULT_PROVIDER.key_utils.rsa_pub_components_from_public_key)(der)
                        .map_err(|_| JwtKeyError::InvalidKey)?
                        .0
                }
            };
            if significant_bits(&modulus) < MIN_RSA_BITS {
                return Err(JwtKeyError::WeakRsaKey);
            }
        }
        // Building the verifier parses the key the way every verification
        // will: a point off the curve, a P-384 key for ES256 or a truncated
        // Ed25519 key fails here, at startup, rather than on each request.
        (DEFAULT_PROVIDER.verifier_factory)(&algorithm.to_jsonwebtoken(), &key).map_err(|_| JwtKeyError::InvalidKey)?;
        let hmac = match key.kind() {
            DecodingKeyKind::SecretOrDer(secret) if algorithm.is_hmac() => {
                Some(Arc::new(KeyedHmac::new(algorithm, secret).ok_or(JwtKeyError::InvalidKey)?))
            }
            _ => None,
        };
        Ok(JwtKey { algorithm, kid: None, key, hmac })
    }

    /// Verifies `signature` over `message` with this key and its configured
    /// algorithm (never one named by the token). The crypto backend is
    /// jsonwebtoken's pure-Rust provider, named explicitly rather than found
    /// through its process-wide default, which panics when no backend (or
    /// both) is enabled.
    pub(crate) fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), JwtError> {
        if let Some(keyed) = &self.hmac {
            return if keyed.verify(message, signature) { Ok(()) } else { Err(JwtError::BadSignature) };
        }
        let verifier = (DEFAULT_PROVIDER.verifier_factory)(&self.algorithm.to_jsonwebtoken(), &self.key)
            .map_err(|_| JwtError::BadSignature)?;
        verifier.verify(message, signature).map_err(|_| JwtError::BadSignature)
    }
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("JwtKey");
        out.field("algorithm", &self.algorithm).field("kid", &self.kid);
        if self.algorithm.is_hmac() {
            out.field("key", &"[REDACTED]");
        }
        out.finish_non_exhaustive()
    }
}

/// The keys of a validator: any number with distinct key ids, or a single
/// one without. A token's `kid` selects exactly one key; an unknown `kid` is
/// rejected, other keys are never tried.
///
/// Rotation: publish the new key next to the old one (a JWK set does this),
/// start signing with it, remove the old one once its last token expired;
/// [`JwtValidator::replace_keys`](super::JwtValidator::replace_keys) swaps
/// the set of a running validator.
#[derive(Debug, Clone)]
pub struct JwtKeys {
    by_kid: HashMap<String, JwtKey>,
    without_kid: Option<JwtKey>,
    algorithms: AlgorithmSet,
}

impl JwtKeys {
    /// A key set. Fails if it is empty, if two keys share a key id, or if
    /// more than one key has none.
    pub fn new(keys: impl IntoIterator<Item = JwtKey>) -> Result<JwtKeys, JwtKeyError> {
        let mut set = JwtKeys { by_kid: HashMap::new(), without_kid: None, algorithms: AlgorithmSet::default() };
        for key in keys {
            set.algorithms.insert(key.algorithm);
            match key.kid.clone() {
                Some(kid) => {
                    if set.by_kid.insert(kid, key).is_some() {
                        return Err(JwtKeyError::DuplicateKid);
                    }
                }
                None if set.without_kid.is_some() => return Err(JwtKeyError::AmbiguousKeys),
                None => set.without_kid = Some(key),
            }
        }
        if set.is_empty() {
            return Err(JwtKeyError::NoKeys);
        }
        Ok(set)
    }

    /// The keys of a JWK set (RFC 7517), e.g. an identity provider's
    /// `jwks_uri` document, fetched by the application or by a
    /// `RemoteJwks` (feature `jwks`, which keeps it fresh); never from a URL
    /// named in a token.
    ///
    /// `algorithms` is the configuration: a key whose `alg` is not in it is
    /// skipped; a key without `alg` takes the one configured algorithm that
    /// fits its type and curve (an error if several fit). Keys for
    /// encryption (`"use":"enc"`), of unsupported types, or without a `kid`
    /// are skipped. A set holding private or symmetric key material is
    /// refused as a whole: it should never have been published.
    pub fn from_jwk_set(json: &str, algorithms: &[JwtAlgorithm]) -> Result<JwtKeys, JwtKeyError> {
        super::jwk::parse_set(json, algorithms)
    }

    /// How many keys the set holds (at least one).
    pub fn len(&self) -> usize {
        self.by_kid.len() + usize::from(self.without_kid.is_some())
    }

    /// Always `false`: a key set is never empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The algorithms the set's keys verify: exactly those a validator using
    /// it accepts.
    pub fn algorithms(&self) -> impl Iterator<Item = JwtAlgorithm> + '_ {
        self.algorithms.iter()
    }

    /// The key ids, unordered.
    pub fn kids(&self) -> impl Iterator<Item = &str> + '_ {
        self.by_kid.keys().map(String::as_str)
    }

    pub(crate) fn allows(&self, algorithm: JwtAlgorithm) -> bool {
        self.algorithms.contains(algorithm)
    }

    /// The key a token selects: by `kid` if it has one, else the only key.
    pub(crate) fn select(&self, kid: Option<&str>) -> Result<&JwtKey, JwtError> {
        match kid {
            Some(kid) => self.by_kid.get(kid).ok_or(JwtError::UnknownKid),
            None => match (&self.without_kid, self.by_kid.len()) {
                (Some(key), 0) => Ok(key),
                (None, 1) => self.by_kid.values().next().ok_or(JwtError::MissingKid),
                _ => Err(JwtError::MissingKid),
            },
        }
    }
}

impl From<JwtKey> for JwtKeys {
    fn from(key: JwtKey) -> JwtKeys {
        let mut algorithms = AlgorithmSet::default();
        algorithms.insert(key.algorithm);
        match key.kid.clone() {
            Some(kid) => JwtKeys { by_kid: HashMap::from([(kid, key)]), without_kid: None, algorithms },
            None => JwtKeys { by_kid: HashMap::new(), without_kid: Some(key), algorithms },
        }
    }
}

/// Wraps DER in PEM armor, so jsonwebtoken's PEM reader (which unwraps
/// SPKI) does the parsing for DER input too.
fn pem_armor(label: &str, der: &[u8]) -> Vec<u8> {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem.into_bytes()
}

/// The bit length of a big-endian unsigned integer.
fn significant_bits(be: &[u8]) -> usize {
    match be.iter().position(|&b| b != 0) {
        Some(first) => (be.len() - first - 1) * 8 + (8 - be[first].leading_zeros() as usize),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_valid_kid, significant_bits};

    proptest::proptest! {
        /// The prepared HMAC accepts exactly what jsonwebtoken's own
        /// verifier accepts: the right tag, not a changed message, a
        /// changed or truncated tag, or another key's tag.
        #[test]
        fn the_prepared_hmac_verifies_as_jsonwebtoken_does(
            which in 0usize..3,
            secret in proptest::collection::vec(proptest::num::u8::ANY, 64..80),
            message in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            flip in proptest::num::usize::ANY,
            cut in 0usize..3,
        ) {
            use super::*;
            let algorithm = [JwtAlgorithm::HS256, JwtAlgorithm::HS384, JwtAlgorithm::HS512][which];
            let key = JwtKey::checked(algorithm, DecodingKey::from_secret(&secret).unwrap()).unwrap();
            proptest::prop_assert!(key.hmac.is_some());
            let signer = jsonwebtoken::EncodingKey::from_secret(&secret).unwrap();
            let signed = jsonwebtoken::crypto::sign(&message, &signer, algorithm.to_jsonwebtoken()).unwrap();
            let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signed).unwrap();
            let theirs = |message: &[u8], tag: &Vec<u8>| {
                let verifier = (DEFAULT_PROVIDER.verifier_factory)(&algorithm.to_jsonwebtoken(), &key.key).unwrap();
                verifier.verify(message, tag).is_ok()
            };
            let mut changed_tag = tag.clone();
            changed_tag[flip % tag.len()] ^= 1 << (flip % 8);
            let mut changed_message = message.clone();
            changed_message.push(b'.');
            let truncated = tag[..tag.len() - cut].to_vec();
            for (message, tag) in [(&message, &tag), (&message, &changed_tag), (&changed_message, &tag), (&message, &truncated)] {
                proptest::prop_assert_eq!(key.verify(message, tag).is_ok(), theirs(message, tag));
            }
            proptest::prop_assert!(key.verify(&message, &tag).is_ok());
            proptest::prop_assert!(key.verify(&message, &changed_tag).is_err());
        }
    }

    #[test]
    fn kids_are_plain_identifiers() {
        for good in ["2024-05", "a1b2", "rsa:v2", "Zm9v+/=", "abc_DEF~1.2", "3f6c1d2e-0000-4000-8000-000000000000"] {
            assert!(is_valid_kid(good), "{good}");
        }
        let long = "k".repeat(257);
        for bad in ["", "../../../dev/null", "a..b", "' OR '1'='1", "1; DROP TABLE keys--", "k\0", "k\n", "é", &long] {
            assert!(!is_valid_kid(bad), "{bad:?}");
        }
    }

    #[test]
    fn counts_bits() {
        assert_eq!(significant_bits(&[0, 0, 0x80, 0]), 16);
        assert_eq!(significant_bits(&[0x01]), 1);
        assert_eq!(significant_bits(&[0; 3]), 0);
        assert_eq!(significant_bits(&[0xff; 256]), 2048);
    }
}
