//! The validator's cache of verified tokens.
//!
//! A client sends the same access token with every request until it
//! expires, and verifying it again each time is the validator's whole cost:
//! the base64url and JSON of header and claims, then the signature (an
//! HMAC, or an RSA or ECDSA verification, a hundred times dearer). The
//! outcome of everything but the time checks depends only on the token's
//! bytes, the validator's configuration (fixed at `build()`) and the
//! issuer's key set (replaceable). So a token that passed is remembered
//! with the key set that verified it, and a later request with the same
//! bytes skips to the time checks (`exp`, `nbf`, `iat` against now), which
//! run on every request.
//!
//! What keeps a hit exactly as strict as a full check:
//! - only tokens that passed every check are stored, never a refusal;
//! - the stored token is compared in full (in constant time) with the
//!   presented one; the 64-bit hash that finds it is keyed per cache;
//! - the key set is compared by identity: after `replace_keys`, a refetch
//!   of a remote JWK set, or any other replacement, every token stored
//!   under the old set is verified again;
//! - the denylist is asked after this, on every request.
//!
//! Bounded: at most the configured number of tokens (each at most the
//! validator's `max_token_size`); a full shard forgets its expired tokens
//! first, then an arbitrary one.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, PoisonError, RwLock};

use subtle::ConstantTimeEq;

use super::claims::ValidatedToken;
use super::keys::JwtKeys;
use super::validator::TrustedIssuer;
use crate::store::PassThrough;

/// Shards, so that requests with different tokens rarely share a lock.
const MAX_SHARDS: usize = 16;

/// How many of a token's last bytes choose its slot: 32 base64url
/// characters, 192 bits of its signature.
const TAIL: usize = 32;

pub(super) struct VerifiedTokens {
    shards: Box<[RwLock<Shard>]>,
    per_shard: usize,
    /// Keyed at random per cache: a token's slot cannot be predicted, so
    /// only one who knows a remembered token's last bytes (its signature's)
    /// can send a request to its slot, and that request still has to be
    /// the whole token to be a hit.
    hasher: RandomState,
}

#[derive(Default)]
struct Shard {
    /// By the token's keyed hash; the entry holds the token itself.
    entries: HashMap<u64, Entry, PassThrough>,
}

struct Entry {
    token: Box<str>,
    /// The index of the issuer whose keys verified it, and those keys.
    issuer: usize,
    keys: Arc<JwtKeys>,
    valid: ValidatedToken,
}

impl VerifiedTokens {
    /// A cache of at most `capacity` tokens; `None` for 0 (no cache).
    pub(super) fn new(capacity: usize) -> Option<VerifiedTokens> {
        if capacity == 0 {
            return None;
        }
        let shards = capacity.min(MAX_SHARDS);
        Some(VerifiedTokens {
            shards: (0..shards).map(|_| RwLock::new(Shard::default())).collect(),
            per_shard: capacity / shards,
            hasher: RandomState::new(),
        })
    }

    /// The most tokens it holds.
    pub(super) fn capacity(&self) -> usize {
        self.per_shard * self.shards.len()
    }

    /// The slot of a token: the keyed hash of its last bytes, which are
    /// its signature's (distinct for distinct signed tokens). Hashing the
    /// whole token cost 1,500 instructions for a 300-byte HS256 token, and
    /// more for RSA's. Tokens that share their last bytes share a slot and
    /// evict each other; the full comparison tells them apart, so a hit is
    /// never the wrong token.
    fn hash(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        self.hasher.hash_one(&bytes[bytes.len().saturating_sub(TAIL)..])
    }

    fn shard(&self, hash: u64) -> &RwLock<Shard> {
        // The high bits pick the shard; the map uses the whole hash.
        let index = ((hash >> 32) as usize) % self.shards.len();
        &self.shards[index]
    }

    /// The token, if these very bytes passed every check before, under the
    /// key set its issuer still has.
    pub(super) fn get(&self, token: &str, issuers: &[TrustedIssuer]) -> Option<ValidatedToken> {
        let hash = self.hash(token);
        let shard = self.shard(hash);
        let (issuer, keys, valid) = {
            let entries = shard.read().unwrap_or_else(PoisonError::into_inner);
            let entry = entries.entries.get(&hash)?;
            if !same_bytes(&entry.token, token) {
                return None;
            }
            (entry.issuer, Arc::clone(&entry.keys), entry.valid.clone())
        };
        // Outside the shard's lock: the issuer's keys have a lock of their own.
        let current = issuers.get(issuer)?.keys_for_tokens().ok();
        if current.is_some_and(|current| Arc::ptr_eq(&current, &keys)) {
            return Some(valid);
        }
        // Verified under keys since replaced: forget it (the full check that
        // follows stores it again if the new keys verify it).
        let mut entries = shard.write().unwrap_or_else(PoisonError::into_inner);
        if entries.entries.get(&hash).is_some_and(|entry| Arc::ptr_eq(&entry.keys, &keys)) {
            entries.entries.remove(&hash);
        }
        None
    }

    /// Remembers a token that passed every check at `now`, verified by
    /// `keys` of the issuer at `issuer`.
    pub(super) fn insert(
        &self,
        token: &str,
        issuer: usize,
        keys: Arc<JwtKeys>,
        valid: &ValidatedToken,
        now: i64,
        leeway: i64,
    ) {
        let hash = self.hash(token);
        let mut shard = self.shard(hash).write().unwrap_or_else(PoisonError::into_inner);
        let entries = &mut shard.entries;
        if entries.len() >= self.per_shard && !entries.contains_key(&hash) {
            entries.retain(|_, entry| now < entry.valid.expires_at().saturating_add(leeway));
            if entries.len() >= self.per_shard {
                // Iteration order follows the keyed hashes: an arbitrary victim.
                if let Some(victim) = entries.keys().next().copied() {
                    entries.remove(&victim);
                }
            }
        }
        entries.insert(hash, Entry { token: token.into(), issuer, keys, valid: valid.clone() });
    }

    /// Whether it holds these bytes.
    #[cfg(test)]
    fn holds(&self, token: &str) -> bool {
        let hash = self.hash(token);
        let shard = self.shard(hash).read().unwrap_or_else(PoisonError::into_inner);
        shard.entries.get(&hash).is_some_and(|entry| same_bytes(&entry.token, token))
    }

    /// How many tokens it holds now.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.read().unwrap_or_else(PoisonError::into_inner).entries.len()).sum()
    }
}

/// Whether the stored token is the presented one, in time that depends on
/// their lengths only: the stored token is a bearer credential.
///
/// Eight bytes at a time: `subtle`'s slice comparison goes byte by byte
/// through an optimisation barrier (2,400 instructions for a 300-byte
/// token). The differences are OR-ed together with no early exit, each
/// word's through `black_box` so the compiler cannot add one, and the
/// result is compared with `subtle`.
fn same_bytes(stored: &str, presented: &str) -> bool {
    if stored.len() != presented.len() {
        return false;
    }
    let (stored, presented) = (stored.as_bytes(), presented.as_bytes());
    let mut difference = 0u64;
    let mut words = stored.chunks_exact(8).zip(presented.chunks_exact(8));
    for (a, b) in &mut words {
        difference |= std::hint::black_box(word(a) ^ word(b));
    }
    let rest = stored.len() - stored.len() % 8;
    for (a, b) in stored[rest..].iter().zip(&presented[rest..]) {
        difference |= std::hint::black_box(u64::from(a ^ b));
    }
    bool::from(difference.ct_eq(&0))
}

fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{VerifiedTokens, same_bytes};
    use crate::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
    use crate::time::{Clock as _, ManualClock};

    const NOW: i64 = 1_704_067_200;

    fn setup(capacity: usize) -> (JwtValidator, JwtIssuer, ManualClock) {
        let secret = HmacSecret::generate().unwrap();
        let clock = ManualClock::from_secs(NOW);
        let validator = JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap())
            .issuer("https://auth.example.com")
            .audience("api")
            .clock(clock.clone())
            .verified_token_cache(capacity)
            .build();
        let signing = JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
        let issuer = JwtIssuer::new(signing, "https://auth.example.com", "api").clock(clock.clone());
        (validator, issuer, clock)
    }

    fn cached(validator: &JwtValidator) -> usize {
        validator.verified_tokens().map_or(0, VerifiedTokens::len)
    }

    #[test]
    fn accepted_tokens_are_kept_refused_ones_are_not() {
        let (validator, issuer, _clock) = setup(64);
        let token = issuer.issue("user-1").unwrap();
        assert!(validator.validate(token.expose_secret()).is_ok());
        assert!(validator.validate(token.expose_secret()).is_ok());
        assert_eq!(cached(&validator), 1);

        let other_audience = JwtIssuer::new(
            JwtSigningKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap(),
            "https://auth.example.com",
            "api",
        );
        assert!(validator.validate(other_audience.issue("user-2").unwrap().expose_secret()).is_err());
        assert_eq!(cached(&validator), 1);

        let (validator, issuer, _clock) = setup(0);
        assert!(validator.validate(issuer.issue("user-1").unwrap().expose_secret()).is_ok());
        assert!(validator.verified_tokens().is_none());
    }

    #[test]
    fn a_full_shard_forgets_expired_tokens_first() {
        // One shard of 32, so the test decides what shares it: 16 live
        // tokens and 16 that expire. Arbitrary eviction would drop a live
        // one with near certainty (all 16 victims expired: 1 in 6e8).
        let (validator, issuer, clock) = setup(0);
        let cache =
            VerifiedTokens { shards: vec![Default::default()].into(), per_shard: 32, hasher: Default::default() };
        let leeway = 30;
        let remember = |lifetime: u64, name: String| {
            let token = issuer.token(name).lifetime(Duration::from_secs(lifetime)).sign().unwrap();
            let valid = validator.validate(token.expose_secret()).unwrap();
            cache.insert(token.expose_secret(), 0, validator.keys(), &valid, clock.now_secs(), leeway);
            token
        };
        let live: Vec<_> = (0..16).map(|i| remember(900, format!("live-{i}"))).collect();
        for i in 0..16 {
            remember(60, format!("short-{i}"));
        }
        assert_eq!(cache.len(), 32);

        clock.set_secs(NOW + 120);
        for i in 0..16 {
            remember(900, format!("new-{i}"));
        }
        assert_eq!(cache.len(), 32);
        assert!(
            live.iter().all(|t| cache.holds(t.expose_secret())),
            "a live token was forgotten before an expired one"
        );
    }

    #[test]
    fn a_full_cache_never_grows_past_its_bound() {
        let (validator, issuer, _clock) = setup(256);
        for i in 0..1000 {
            assert!(validator.validate(issuer.issue(format!("many-{i}")).unwrap().expose_secret()).is_ok());
            assert!(cached(&validator) <= 256);
        }
        assert!(cached(&validator) > 128);
    }

    #[test]
    fn no_cache_for_zero_and_the_bound_is_exact() {
        assert!(VerifiedTokens::new(0).is_none());
        assert_eq!(VerifiedTokens::new(1).map(|c| c.capacity()), Some(1));
        assert_eq!(VerifiedTokens::new(20).map(|c| c.capacity()), Some(16));
        assert_eq!(VerifiedTokens::new(4096).map(|c| c.capacity()), Some(4096));
        assert_eq!(VerifiedTokens::new(4096).map(|c| c.len()), Some(0));
    }

    #[test]
    fn only_the_same_bytes_match() {
        assert!(same_bytes("a.b.c", "a.b.c"));
        assert!(!same_bytes("a.b.c", "a.b.d"));
        assert!(!same_bytes("a.b.c", "a.b.cc"));
        assert!(!same_bytes("", "a"));
        assert!(same_bytes("", ""));
        // Every position of a long token, in the words and in the rest.
        let token: String = (0..301).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        for i in 0..token.len() {
            let mut other = token.clone().into_bytes();
            other[i] ^= 1;
            assert!(!same_bytes(&token, std::str::from_utf8(&other).unwrap()), "position {i}");
        }
        assert!(same_bytes(&token, &token.clone()));
    }
}
