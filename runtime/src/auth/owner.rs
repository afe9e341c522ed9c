//! Ownership: which principal a resource belongs to.

use std::borrow::Cow;
use std::fmt;

use super::caller::Caller;

/// A resource type with an owner, implemented by `#[owned_by(field)]`.
///
/// An owned type implements no `Serialize` of its own: it leaves the server
/// only as [`Authorized<T>`](crate::Authorized), which only
/// [`Principal::authorize`](crate::Principal::authorize) makes.
pub trait Owned {
    /// The type of the owner field.
    type Owner: OwnerId + ?Sized;

    /// The owner of this resource.
    fn owner(&self) -> &Self::Owner;
}

/// An owner id that can be compared with a principal's subject (the `sub`
/// of a JWT, the owner of an API key), which is text.
///
/// A plain id (an integer, a string, a UUID) names a *home* user: only
/// principals of this service's own user base own it, never a caller of an
/// external issuer with the same subject. [`CallerId`](crate::CallerId)
/// names any caller, external ones included.
///
/// Integers compare in their canonical decimal form only: subject `"007"`
/// does not own resource `7`; strings compare exactly; UUIDs compare as
/// UUIDs (any case, hyphenated). An absent owner (`None`) is owned by no one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with a principal's subject",
    label = "not an owner id type",
    note = "owner fields are integers, strings or UUIDs (or `Option` of those)"
)]
pub trait OwnerId {
    /// Whether `subject` (a home user's id) names this owner.
    fn is_subject(&self, subject: &str) -> bool;

    /// Whether `caller` is this owner: by default, a home caller whose
    /// subject [`is_subject`](Self::is_subject).
    fn is_caller(&self, caller: Caller<'_>) -> bool {
        caller.is_home() && self.is_subject(caller.subject())
    }
}

/// The canonical decimal form: optional `-`, no `+`, no leading zeros.
fn canonical_decimal(s: &str, signed: bool) -> bool {
    let digits = match s.strip_prefix('-') {
        Some(rest) if signed => rest,
        _ => s,
    };
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() == 1 || !digits.starts_with('0'))
        && !(s.starts_with('-') && digits == "0")
}

macro_rules! integer_owner {
    ($signed:expr => $($t:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl OwnerId for $t {
            fn is_subject(&self, subject: &str) -> bool {
                canonical_decimal(subject, $signed) && subject.parse::<$t>().is_ok_and(|s| s == *self)
            }
        }
    )*};
}
integer_owner!(false => u8, u16, u32, u64, u128, usize);
integer_owner!(true => i8, i16, i32, i64, i128, isize);

impl OwnerId for str {
    fn is_subject(&self, subject: &str) -> bool {
        self == subject
    }
}

impl OwnerId for String {
    fn is_subject(&self, subject: &str) -> bool {
        self == subject
    }
}

impl OwnerId for Box<str> {
    fn is_subject(&self, subject: &str) -> bool {
        &**self == subject
    }
}

impl OwnerId for Cow<'_, str> {
    fn is_subject(&self, subject: &str) -> bool {
        self == subject
    }
}

impl<T: OwnerId + ?Sized> OwnerId for &T {
    fn is_subject(&self, subject: &str) -> bool {
        (**self).is_subject(subject)
    }

    fn is_caller(&self, caller: Caller<'_>) -> bool {
        (**self).is_caller(caller)
    }
}

impl<T: OwnerId> OwnerId for Option<T> {
    fn is_subject(&self, subject: &str) -> bool {
        self.as_ref().is_some_and(|o| o.is_subject(subject))
    }

    fn is_caller(&self, caller: Caller<'_>) -> bool {
        self.as_ref().is_some_and(|o| o.is_caller(caller))
    }
}

#[cfg(feature = "uuid")]
impl OwnerId for uuid::Uuid {
    fn is_subject(&self, subject: &str) -> bool {
        // Only the hyphenated form: `urn:uuid:`, braces and the simple form
        // are other spellings a token issuer never uses for `sub`.
        subject.len() == 36 && uuid::Uuid::try_parse(subject).is_ok_and(|s| s == *self)
    }
}

/// The caller may not do this. Says nothing more, to the client or in its
/// `Display`: which resource exists and whose it is are not the caller's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forbidden;

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("forbidden")
    }
}

impl std::error::Error for Forbidden {}

#[cfg(test)]
mod tests {
    use super::OwnerId;

    #[test]
    fn integers_match_only_their_canonical_form() {
        assert!(7u64.is_subject("7"));
        assert!(!7u64.is_subject("07"));
        assert!(!7u64.is_subject("+7"));
        assert!(!7u64.is_subject(" 7"));
        assert!(!7u64.is_subject("7.0"));
        assert!(!7u64.is_subject(""));
        assert!((-3i32).is_subject("-3"));
        assert!(!0i32.is_subject("-0"));
        assert!(0u8.is_subject("0"));
        assert!(!255u8.is_subject("256"));
        assert!(!u64::MAX.is_subject("18446744073709551616"));
    }

    #[test]
    fn strings_match_exactly() {
        assert!(String::from("alice").is_subject("alice"));
        assert!(!String::from("alice").is_subject("Alice"));
        assert!(!String::from("alice").is_subject("alice "));
        assert!(!None::<u64>.is_subject("1"));
        assert!(Some(1u64).is_subject("1"));
    }
}
