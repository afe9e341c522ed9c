//! Reading the three webhook headers: the event id, the timestamp and the
//! signature (`sha256=<hex>`, or the Standard Webhooks list of `v1,<base64>`).
//!
//! Hand-written rather than borrowed: the formats are a few bytes of syntax
//! that no well-kept crate parses, and writing them here gives what the
//! verifier needs and a general parser would not: strict canonical forms
//! (one spelling of a timestamp, no `.` in an event id), fixed bounds on the
//! work an attacker can cause (header length, number of signatures), no
//! allocation, and errors that say which header was wrong and never echo it.
//! The grammar is small enough to be fuzzed to exhaustion
//! (`fuzz/fuzz_targets/webhook_signature_header.rs`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;

use super::mac::{MAC_LEN, Tag, matches_any};

/// The longest event id accepted, in bytes: 256.
pub const MAX_EVENT_ID_LEN: usize = 256;

/// The most digits a timestamp may have: 15 (Unix seconds up to the year
/// 31 690 000; today's have 10).
pub(crate) const MAX_TIMESTAMP_DIGITS: usize = 15;

/// The largest timestamp of [`MAX_TIMESTAMP_DIGITS`] digits.
pub(crate) const MAX_TIMESTAMP: i64 = 999_999_999_999_999;

/// The longest signature header accepted, in bytes: 4096.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 4096;

/// The most space-separated entries a Standard Webhooks signature header may
/// carry: 32 (a sender rotating its secret sends two or three).
pub const MAX_SIGNATURES: usize = 32;

/// Checks an event id: 1 to [`MAX_EVENT_ID_LEN`] visible ASCII characters
/// (`!` to `~`), none of them a `.`.
///
/// The id is part of the Standard Webhooks signed content
/// `{id}.{timestamp}.{payload}`; the specification warns that an id with a
/// `.` makes that concatenation ambiguous. Visible ASCII keeps ids safe to
/// log and to use in store keys.
pub fn is_valid_event_id(id: &str) -> bool {
    (1..=MAX_EVENT_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic() && b != b'.')
}

/// Reads a timestamp header: Unix seconds as 1 to 15 ASCII digits, without
/// sign, spaces or leading zeros (so that the text signed and the number
/// checked are one and the same).
pub fn parse_timestamp(value: &str) -> Option<i64> {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_TIMESTAMP_DIGITS || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    // At most 15 digits: no overflow.
    bytes.iter().try_fold(0i64, |n, &b| b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0')))
}

/// The signatures a header carries: at most [`MAX_SIGNATURES`] HMAC-SHA256
/// tags. Reading a header validates it; the tags are decoded again, on the
/// stack, when they are compared (cheaper than keeping a kilobyte of
/// decoded tags around for the usual one or two).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignatureList<'a> {
    repr: Repr<'a>,
    len: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Repr<'a> {
    /// `sha256=<hex>`: one tag, decoded.
    One(Tag),
    /// A Standard Webhooks header, already validated.
    Standard(&'a str),
}

impl<'a> SignatureList<'a> {
    /// Reads an `X-Webhook-Signature` header: exactly `sha256=` followed by
    /// 64 hex digits (either case).
    pub fn parse_hex(value: &str) -> Result<Self, MalformedSignature> {
        let digits = value.strip_prefix("sha256=").ok_or(MalformedSignature)?;
        let mut tag = [0u8; MAC_LEN];
        hex::decode_to_slice(digits, &mut tag).map_err(|_| MalformedSignature)?;
        Ok(SignatureList { repr: Repr::One(tag), len: 1 })
    }

    /// Reads a Standard Webhooks `webhook-signature` header: entries
    /// `<version>,<signature>` separated by spaces.
    ///
    /// * `v1` entries are HMAC-SHA256 tags in standard base64 (padding
    ///   optional) and are kept; one that does not decode to 32 bytes is
    ///   skipped, as the specification's libraries skip it (it can never
    ///   match);
    /// * entries of other versions (`v1a` asymmetric signatures, a future
    ///   `v2`) and entries without a comma are skipped, so that a sender may
    ///   add schemes without breaking receivers;
    /// * runs of spaces count as one separator.
    ///
    /// Malformed: a header longer than [`MAX_SIGNATURE_HEADER_LEN`], more
    /// than [`MAX_SIGNATURES`] entries, or not a single usable `v1` entry.
    pub fn parse_standard(value: &'a str) -> Result<Self, MalformedSignature> {
        if value.len() > MAX_SIGNATURE_HEADER_LEN {
            return Err(MalformedSignature);
        }
        let mut len = 0;
        for (n, entry) in entries(value).enumerate() {
            if n == MAX_SIGNATURES {
                return Err(MalformedSignature);
            }
            len += usize::from(v1_tag(entry).is_some());
        }
        if len == 0 {
            return Err(MalformedSignature);
        }
        Ok(SignatureList { repr: Repr::Standard(value), len })
    }

    /// The tags, in header order.
    pub fn iter(&self) -> impl Iterator<Item = [u8; 32]> + 'a {
        let (one, standard) = match self.repr {
            Repr::One(tag) => (Some(tag), None),
            Repr::Standard(header) => (None, Some(entries(header).filter_map(v1_tag))),
        };
        one.into_iter().chain(standard.into_iter().flatten())
    }

    /// `true` if `tag` is one of the tags, every one compared in full in
    /// constant time (see [`matches_any`]).
    pub(crate) fn contains(&self, tag: &Tag) -> bool {
        match &self.repr {
            Repr::One(one) => matches_any(tag, [*one]),
            Repr::Standard(_) => matches_any(tag, self.iter()),
        }
    }

    /// How many tags the header carried (at least one).
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if there are no tags (never the case for a parsed header).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for SignatureList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Signatures are not secrets, but they are no business of a log line.
        f.debug_struct("SignatureList").field("len", &self.len).finish_non_exhaustive()
    }
}

fn entries(header: &str) -> impl Iterator<Item = &str> {
    header.split(' ').filter(|entry| !entry.is_empty())
}

fn v1_tag(entry: &str) -> Option<Tag> {
    entry.strip_prefix("v1,").and_then(decode_base64_tag)
}

fn decode_base64_tag(encoded: &str) -> Option<Tag> {
    // 32 bytes are 43 or 44 base64 characters; refusing anything longer up
    // front also keeps the decoder from touching oversized input.
    if !(43..=44).contains(&encoded.len()) {
        return None;
    }
    let mut buf = [0u8; 33];
    let n = STANDARD_PAD_INDIFFERENT.decode_slice(encoded, &mut buf).ok()?;
    let mut tag = [0u8; MAC_LEN];
    tag.copy_from_slice(buf.get(..MAC_LEN).filter(|_| n == MAC_LEN)?);
    Some(tag)
}

/// A signature header that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedSignature;

impl fmt::Display for MalformedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the webhook signature header is malformed")
    }
}

impl std::error::Error for MalformedSignature {}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG_B64: &str = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn timestamps_have_one_spelling() {
        assert_eq!(parse_timestamp("1614265330"), Some(1_614_265_330));
        assert_eq!(parse_timestamp("0"), Some(0));
        assert_eq!(parse_timestamp("999999999999999"), Some(999_999_999_999_999));
        for bad in [
            "",
            "01614265330",
            "+1614265330",
            "-1",
            " 1614265330",
            "1614265330 ",
            "1.5",
            "1e9",
            "hello",
            "1234567890123456",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn event_ids_are_visible_ascii_without_dots() {
        assert!(is_valid_event_id("msg_p5jXN8AQM9LWM0D4loKWxJek"));
        assert!(is_valid_event_id("1f81eb52-5198-4599-803e-771906343485"));
        assert!(is_valid_event_id(&"a".repeat(MAX_EVENT_ID_LEN)));
        for bad in ["", "a.b", "a b", "a\tb", "é", "a\0b"] {
            assert!(!is_valid_event_id(bad), "{bad:?}");
        }
        assert!(!is_valid_event_id(&"a".repeat(MAX_EVENT_ID_LEN + 1)));
    }

    #[test]
    fn hex_signature_is_exactly_sha256_and_64_digits() {
        let hex = "ab".repeat(32);
        assert_eq!(
            SignatureList::parse_hex(&format!("sha256={hex}")).unwrap().iter().collect::<Vec<_>>(),
            [[0xab; 32]]
        );
        assert!(SignatureList::parse_hex(&format!("sha256={}", hex.to_uppercase())).is_ok());
        for bad in [
            hex.clone(),
            format!("sha1={hex}"),
            format!("SHA256={hex}"),
            format!("sha256={hex}0"),
            format!("sha256={}", &hex[1..]),
            format!("sha256= {hex}"),
            format!("sha256={}zz", &hex[2..]),
        ] {
            assert_eq!(SignatureList::parse_hex(&bad), Err(MalformedSignature), "{bad:?}");
        }
    }

    #[test]
    fn standard_signatures_skip_other_versions_and_keep_v1() {
        let header = format!(
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== v2,{TAG_B64}  v1,{TAG_B64} nocomma v1,short"
        );
        let list = SignatureList::parse_standard(&header).unwrap();
        assert_eq!(list.len(), 1);
        // Unpadded base64 is the same tag.
        let header = format!("v1,{}", TAG_B64.trim_end_matches('='));
        let unpadded = SignatureList::parse_standard(&header).unwrap();
        assert_eq!(unpadded.iter().collect::<Vec<_>>(), list.iter().collect::<Vec<_>>());
    }

    #[test]
    fn standard_signatures_without_a_usable_v1_are_malformed() {
        for bad in ["", " ", "v1,", "v1", &format!("v2,{TAG_B64}"), &format!("v1,{TAG_B64}A"), &format!("V1,{TAG_B64}")]
        {
            assert_eq!(SignatureList::parse_standard(bad), Err(MalformedSignature), "{bad:?}");
        }
    }

    #[test]
    fn standard_signatures_are_bounded() {
        let entry = format!("v1,{TAG_B64}");
        let ok = vec![entry.as_str(); MAX_SIGNATURES].join(" ");
        assert_eq!(SignatureList::parse_standard(&ok).unwrap().len(), MAX_SIGNATURES);
        let too_many = vec![entry.as_str(); MAX_SIGNATURES + 1].join(" ");
        assert_eq!(SignatureList::parse_standard(&too_many), Err(MalformedSignature));
        let too_long = format!("{entry}{}", " ".repeat(MAX_SIGNATURE_HEADER_LEN));
        assert_eq!(SignatureList::parse_standard(&too_long), Err(MalformedSignature));
    }
}
