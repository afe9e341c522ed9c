//! HMAC-SHA256, the one primitive under both profiles.
//!
//! The `hmac` and `sha2` crates do the cryptography. What this module adds is
//! a keyed state computed once per secret (HMAC's two key-schedule blocks are
//! hashed at construction, not on every request) and a comparison that takes
//! the same time whatever the bytes are. With `sha2`'s `zeroize` feature the
//! keyed state, which is as good as the key for forging signatures, is wiped
//! when dropped.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Length of an HMAC-SHA256 tag in bytes.
pub(crate) const MAC_LEN: usize = 32;

/// An HMAC-SHA256 tag.
pub(crate) type Tag = [u8; MAC_LEN];

/// HMAC-SHA256 keyed with one secret. Cloning it copies the keyed state
/// (two SHA-256 midstates), which is what every computation starts from.
#[derive(Clone)]
pub(crate) struct KeyedMac(Hmac<Sha256>);

impl KeyedMac {
    /// Keys the MAC. HMAC accepts keys of any length (longer than a block,
    /// they are hashed first), so this only fails if the `hmac` crate ever
    /// changed that; callers turn `None` into their own error rather than
    /// panicking.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        Hmac::<Sha256>::new_from_slice(key).ok().map(KeyedMac)
    }

    /// The tag of the concatenation of `parts`, without concatenating them.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> Tag {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// `true` if `tag` is one of `candidates`. Every candidate is compared in
/// full, in constant time, whatever matched earlier: the time taken depends
/// on how many candidates there are, never on their bytes.
pub(crate) fn matches_any(tag: &Tag, candidates: impl IntoIterator<Item = Tag>) -> bool {
    let mut found = subtle::Choice::from(0);
    for candidate in candidates {
        found |= tag.ct_eq(&candidate);
    }
    found.into()
}

#[cfg(test)]
mod tests {
    use super::{KeyedMac, matches_any};

    /// RFC 4231, section 4: the HMAC-SHA256 test cases 1 to 7, as
    /// (key, data, HMAC-SHA256 in hex). Case 5 publishes a tag truncated to
    /// 128 bits, so only that prefix is compared.
    fn rfc_4231() -> [(Vec<u8>, Vec<u8>, &'static str); 7] {
        let large_key = vec![0xaa; 131];
        [
            (vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (vec![0xaa; 20], vec![0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (
                (0x01..=0x19).collect(),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (vec![0x0c; 20], b"Test With Truncation".to_vec(), "a3b6167473100ee06e0c796c2955552b"),
            (
                large_key.clone(),
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                large_key,
                b"This is a test using a larger than block-size key and a larger than block-size data. \
                  The key needs to be hashed before being used by the HMAC algorithm."
                    .to_vec(),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ]
    }

    #[test]
    fn rfc_4231_test_cases_1_to_7() {
        for (i, (key, data, expected)) in rfc_4231().into_iter().enumerate() {
            let mac = KeyedMac::new(&key).unwrap();
            let tag = mac.tag(&[&data]);
            assert_eq!(hex::encode(&tag[..expected.len() / 2]), expected, "RFC 4231 test case {}", i + 1);
            // Fed in pieces, the tag is the same: the signed content is never concatenated.
            let (a, b) = data.split_at(data.len() / 3);
            assert_eq!(mac.tag(&[a, b]), tag, "RFC 4231 test case {} in two parts", i + 1);
        }
    }

    #[test]
    fn matches_any_finds_the_tag_anywhere_and_only_the_tag() {
        let tag = [7u8; 32];
        let mut near = tag;
        near[31] ^= 1;
        assert!(matches_any(&tag, [near, near, tag, near]));
        assert!(!matches_any(&tag, [near]));
        assert!(!matches_any(&tag, []));
    }
}
