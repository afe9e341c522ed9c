//! Signing secrets: generated from the OS random generator, or read from
//! bytes or from the Standard Webhooks form `whsec_<base64>`; redacted in
//! `Debug`, wiped on drop, identified in logs by a fingerprint.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use zeroize::Zeroizing;

use super::mac::KeyedMac;

/// The Standard Webhooks prefix of a serialized symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The shortest secret accepted, in bytes: 24 (192 bits), the Standard
/// Webhooks minimum.
pub const MIN_SECRET_LEN: usize = 24;

/// The longest secret accepted, in bytes: 64 (512 bits), the Standard
/// Webhooks maximum and SHA-256's block size.
pub const MAX_SECRET_LEN: usize = 64;

/// The length of a [`WebhookSecret::generate`]d secret, in bytes: 32.
pub(crate) const GENERATED_SECRET_LEN: usize = 32;

/// A webhook signing secret (an HMAC-SHA256 key).
///
/// * `Debug` prints its [`KeyId`], never the key;
/// * the key and the keyed HMAC state are overwritten when it is dropped;
/// * between 24 and 64 bytes ([`MIN_SECRET_LEN`], [`MAX_SECRET_LEN`]): a
///   shorter key is refused rather than weakening every signature;
/// * reading it back is explicit: [`to_standard`](Self::to_standard), to hand
///   the secret to the receiving side.
///
/// ```
/// use apishield::webhook::WebhookSecret;
///
/// let secret = WebhookSecret::generate().unwrap();
/// let shared = secret.to_standard(); // "whsec_..." for the receiver's configuration
/// let same = WebhookSecret::from_standard(&shared).unwrap();
/// assert_eq!(secret.key_id(), same.key_id());
/// assert!(!format!("{secret:?}").contains(&shared[6..]));
/// ```
#[derive(Clone)]
pub struct WebhookSecret {
    key: Zeroizing<Vec<u8>>,
    mac: KeyedMac,
    id: KeyId,
}

impl WebhookSecret {
    /// A new random secret of 32 bytes from the
    /// operating system's random generator.
    pub fn generate() -> Result<Self, SecretError> {
        let mut key = Zeroizing::new([0u8; GENERATED_SECRET_LEN]);
        getrandom::fill(key.as_mut_slice()).map_err(|_| SecretError::Randomness)?;
        WebhookSecret::from_bytes(key.as_slice())
    }

    /// A secret from its raw bytes (for the `X-Webhook-*` profile, often the
    /// bytes of a configured string: `from_bytes(s.as_bytes())`). The caller
    /// keeps its own copy; wipe it if it matters.
    pub fn from_bytes(key: &[u8]) -> Result<Self, SecretError> {
        if key.len() < MIN_SECRET_LEN {
            return Err(SecretError::TooShort);
        }
        if key.len() > MAX_SECRET_LEN {
            return Err(SecretError::TooLong);
        }
        let mac = KeyedMac::new(key).ok_or(SecretError::Malformed)?;
        let id = KeyId::of(&mac);
        Ok(WebhookSecret { key: Zeroizing::new(key.to_vec()), mac, id })
    }

    /// A secret in the Standard Webhooks form: `whsec_` followed by the key
    /// in standard base64. Like the specification's libraries, the prefix
    /// may be left out and the padding (`=`) too.
    pub fn from_standard(serialized: &str) -> Result<Self, SecretError> {
        let encoded = serialized.strip_prefix(SECRET_PREFIX).unwrap_or(serialized);
        let key = Zeroizing::new(STANDARD_PAD_INDIFFERENT.decode(encoded).map_err(|_| SecretError::Malformed)?);
        WebhookSecret::from_bytes(&key)
    }

    /// The secret in the Standard Webhooks form, `whsec_<base64>`: what the
    /// sender gives the receiver. The string is wiped when dropped.
    pub fn to_standard(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(SECRET_PREFIX.len() + self.key.len().div_ceil(3) * 4));
        out.push_str(SECRET_PREFIX);
        STANDARD.encode_string(self.key.as_slice(), &mut out);
        out
    }

    /// The secret's fingerprint, safe to log and to show in an admin page:
    /// which secret signed or verified a delivery (during a rotation, the
    /// moment the old secret stops matching is the moment to remove it).
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    pub(crate) fn mac(&self) -> &KeyedMac {
        &self.mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSecret").field("key_id", &self.id).field("key", &"[REDACTED]").finish()
    }
}

/// A secret's fingerprint: the first 6 bytes of HMAC-SHA256(secret,
/// `"apishield webhook key id"`), shown as 12 hex digits. It identifies a
/// secret among the few a signer or verifier holds and reveals nothing about
/// it (the key is at least 192 random bits and HMAC is one-way).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 6]);

impl KeyId {
    fn of(mac: &KeyedMac) -> KeyId {
        let tag = mac.tag(&[b"apishield webhook key id"]);
        let mut id = [0u8; 6];
        id.copy_from_slice(&tag[..6]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Why a secret was refused. The messages never contain the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// Fewer than [`MIN_SECRET_LEN`] (24) bytes.
    TooShort,
    /// More than [`MAX_SECRET_LEN`] (64) bytes.
    TooLong,
    /// Not `whsec_` + standard base64.
    Malformed,
    /// The operating system's random generator failed.
    Randomness,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretError::TooShort => "the webhook secret is shorter than 24 bytes",
            SecretError::TooLong => "the webhook secret is longer than 64 bytes",
            SecretError::Malformed => "the webhook secret is not `whsec_` followed by base64",
            SecretError::Randomness => "the operating system's random generator failed",
        })
    }
}

impl std::error::Error for SecretError {}

#[cfg(test)]
mod tests {
    use super::{SecretError, WebhookSecret};

    #[test]
    fn standard_form_round_trips_with_or_without_prefix_and_padding() {
        let secret = WebhookSecret::from_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(&*secret.to_standard(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let bare = WebhookSecret::from_standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(secret.key_id(), bare.key_id());
        // 25 bytes: base64 with and without its padding.
        let padded = WebhookSecret::from_bytes(&[1; 25]).unwrap().to_standard();
        assert!(padded.ends_with('='));
        let unpadded = WebhookSecret::from_standard(padded.trim_end_matches('=')).unwrap();
        assert_eq!(&*unpadded.to_standard(), &*padded);
    }

    #[test]
    fn weak_or_garbled_secrets_are_refused() {
        assert_eq!(WebhookSecret::from_bytes(b"").unwrap_err(), SecretError::TooShort);
        assert_eq!(WebhookSecret::from_bytes(&[1; 23]).unwrap_err(), SecretError::TooShort);
        assert_eq!(WebhookSecret::from_bytes(&[1; 65]).unwrap_err(), SecretError::TooLong);
        assert_eq!(WebhookSecret::from_standard("whsec_").unwrap_err(), SecretError::TooShort);
        assert_eq!(WebhookSecret::from_standard("whsec_not base64!").unwrap_err(), SecretError::Malformed);
        assert!(WebhookSecret::from_bytes(&[1; 24]).is_ok());
        assert!(WebhookSecret::from_bytes(&[1; 64]).is_ok());
    }

    #[test]
    fn debug_shows_the_fingerprint_not_the_key() {
        let secret = WebhookSecret::from_bytes(b"super-secret-signing-key-0123456789").unwrap();
        let debug = format!("{secret:?}");
        assert!(!debug.contains("super-secret"), "{debug}");
        assert!(debug.contains(&secret.key_id().to_string()), "{debug}");
        assert_eq!(secret.key_id().to_string().len(), 12);
    }

    #[test]
    fn generated_secrets_differ() {
        let a = WebhookSecret::generate().unwrap();
        let b = WebhookSecret::generate().unwrap();
        assert_ne!(a.key_id(), b.key_id());
        assert_eq!(a.key.len(), 32);
    }
}
