//! A caller's identity: the pair (issuer, subject).

use serde::{Deserialize, Serialize};

use super::owner::OwnerId;

/// Who a [`Principal`](crate::Principal) is, as state is keyed: a home user
/// (this service's own user base, whichever home credential authenticated
/// it) or an external issuer's (issuer, subject) pair. Made by
/// [`Principal::caller`](crate::Principal::caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Caller<'a> {
    issuer: Option<&'a str>,
    subject: &'a str,
}

impl<'a> Caller<'a> {
    pub(crate) fn home(subject: &'a str) -> Self {
        Caller { issuer: None, subject }
    }

    pub(crate) fn external(issuer: &'a str, subject: &'a str) -> Self {
        Caller { issuer: Some(issuer), subject }
    }

    /// The external issuer, `None` for a home user.
    pub fn issuer(self) -> Option<&'a str> {
        self.issuer
    }

    /// The subject within its issuer.
    pub fn subject(self) -> &'a str {
        self.subject
    }

    /// Whether this is a user of the service's own user base.
    pub fn is_home(self) -> bool {
        self.issuer.is_none()
    }

    /// An unambiguous text form for store keys: every part length-prefixed,
    /// so no two callers share one (`h5:alice`, `x24:https://idp.example.com5:alice`).
    pub fn key(self) -> String {
        let mut out = String::with_capacity(8 + self.subject.len() + self.issuer.map_or(0, str::len));
        self.write_key(&mut out);
        out
    }

    /// Appends [`key`](Self::key) to `out`.
    pub fn write_key(self, out: &mut String) {
        // Pushed part by part, not `write!`: made for every idempotent
        // request, and the formatting machinery was most of its cost.
        let mut digits = itoa::Buffer::new();
        match self.issuer {
            None => out.push('h'),
            Some(issuer) => {
                out.push('x');
                out.push_str(digits.format(issuer.len()));
                out.push(':');
                out.push_str(issuer);
            }
        }
        out.push_str(digits.format(self.subject.len()));
        out.push(':');
        out.push_str(self.subject);
    }
}

/// A caller as data: an owner field for resources that callers of external
/// issuers may own (`#[owned_by(owner)] struct Doc { owner: CallerId, .. }`),
/// stored as `{"issuer": "https://partner.example", "subject": "42"}`
/// (`issuer` absent or `null` for a home user).
///
/// ```
/// use apishield::{CallerId, Principal};
///
/// let partner = Principal::external("https://partner.example", "42");
/// let owner = CallerId::from(partner.caller());
/// assert!(partner.owns(&owner));
/// assert!(!Principal::new("42").owns(&owner));
/// assert!(!Principal::external("https://other.example", "42").owns(&owner));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    subject: String,
}

impl CallerId {
    /// A home user.
    pub fn home(subject: impl Into<String>) -> Self {
        CallerId { issuer: None, subject: subject.into() }
    }

    /// A user of an external issuer.
    pub fn external(issuer: impl Into<String>, subject: impl Into<String>) -> Self {
        CallerId { issuer: Some(issuer.into()), subject: subject.into() }
    }

    /// This caller, borrowed.
    pub fn as_caller(&self) -> Caller<'_> {
        Caller { issuer: self.issuer.as_deref(), subject: &self.subject }
    }
}

impl From<Caller<'_>> for CallerId {
    fn from(caller: Caller<'_>) -> Self {
        CallerId { issuer: caller.issuer.map(str::to_owned), subject: caller.subject.to_owned() }
    }
}

impl OwnerId for CallerId {
    fn is_subject(&self, subject: &str) -> bool {
        self.issuer.is_none() && self.subject == subject
    }

    fn is_caller(&self, caller: Caller<'_>) -> bool {
        self.as_caller() == caller
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unambiguous() {
        assert_eq!(Caller::home("42").key(), "h2:42");
        assert_eq!(Caller::external("https://a", "42").key(), "x9:https://a2:42");
        assert_ne!(Caller::external("a2:b", "c").key(), Caller::external("a", "2:bc").key());
        assert_ne!(Caller::home("x1:a1:b").key(), Caller::external("a", "b").key());
    }

    proptest::proptest! {
        /// The key is written part by part: the same text as the format it
        /// documents, which records already in a store were named with.
        #[test]
        fn keys_are_the_documented_format(issuer in proptest::option::of(".{0,40}"), subject in ".{0,40}") {
            let caller = match &issuer {
                None => Caller::home(&subject),
                Some(issuer) => Caller::external(issuer, &subject),
            };
            let expected = match &issuer {
                None => format!("h{}:{subject}", subject.len()),
                Some(issuer) => format!("x{}:{issuer}{}:{subject}", issuer.len(), subject.len()),
            };
            proptest::prop_assert_eq!(caller.key(), expected);
        }

        #[test]
        fn distinct_callers_have_distinct_keys(
            a in (proptest::option::of("[a-z0-9:]{0,6}"), "[a-z0-9:]{0,6}"),
            b in (proptest::option::of("[a-z0-9:]{0,6}"), "[a-z0-9:]{0,6}"),
        ) {
            fn caller((issuer, subject): &(Option<String>, String)) -> Caller<'_> {
                match issuer {
                    None => Caller::home(subject),
                    Some(issuer) => Caller::external(issuer, subject),
                }
            }
            proptest::prop_assert_eq!(caller(&a) == caller(&b), caller(&a).key() == caller(&b).key());
        }
    }

    #[test]
    fn caller_ids_round_trip_through_json() {
        let id = CallerId::external("https://partner.example", "42");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, r#"{"issuer":"https://partner.example","subject":"42"}"#);
        assert_eq!(serde_json::from_str::<CallerId>(&json).unwrap(), id);
        assert_eq!(serde_json::from_str::<CallerId>(r#"{"subject":"7"}"#).unwrap(), CallerId::home("7"));
    }
}
