//! `CorsPolicy`: the data of a checked policy, and the run-time builder that
//! checks one with the same [rules](super::rules) as the `cors!` macro.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::rules::{self, HeaderNameError, MethodError, OriginError, OriginKind, PolicyError};

/// Which browser origins may call the API, with which methods and headers,
/// and whether with credentials. Made by [`cors!`](crate::cors!) (checked at
/// compile time) or [`CorsPolicy::builder`] (checked at run time); there is
/// no other way to make one, so every policy passed the
/// [rules](super::rules). Serve it with [`layer`](Self::layer) (feature
/// `axum`).
///
/// Origins are kept exactly as browsers send them (lower case, no default
/// port, no path) and matched byte for byte; header names are kept in lower
/// case and matched case-insensitively.
///
/// From configuration (serde), through [`CorsPolicy::builder`] and so with
/// every rule of the macro and the builder's [`CorsError`]; see
/// [`CorsPolicySpec`].
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "CorsPolicySpec")]
pub struct CorsPolicy {
    origins: Origins,
    methods: u8,
    headers: Names,
    credentials: bool,
    max_age: Option<u32>,
    expose: Names,
}

/// `*`, or a list.
#[derive(Debug, Clone)]
enum Origins {
    Any,
    List(Names),
}

/// Strings from the macro (static, no allocation) or from the builder.
#[derive(Debug, Clone)]
enum Names {
    Static(&'static [&'static str]),
    Owned(Vec<String>),
}

impl Names {
    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let (statics, owned) = self.parts();
        statics.iter().copied().chain(owned.iter().map(String::as_str))
    }

    /// The strings from the macro (which live forever), then the others.
    fn parts(&self) -> (&'static [&'static str], &[String]) {
        match self {
            Names::Static(s) => (s, &[]),
            Names::Owned(o) => (&[], o),
        }
    }
}

/// What `cors!` expands to: the parts of a policy the macro has checked.
/// Not public API.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub const fn checked(
    any_origin: bool,
    origins: &'static [&'static str],
    methods: u8,
    headers: &'static [&'static str],
    credentials: bool,
    max_age: Option<u32>,
    expose: &'static [&'static str],
) -> CorsPolicy {
    CorsPolicy {
        origins: if any_origin { Origins::Any } else { Origins::List(Names::Static(origins)) },
        methods,
        headers: Names::Static(headers),
        credentials,
        max_age,
        expose: Names::Static(expose),
    }
}

impl CorsPolicy {
    /// A policy from values known only at run time (an environment variable,
    /// a configuration file), checked by [`build`](CorsPolicyBuilder::build)
    /// with the same rules as `cors!`.
    ///
    /// ```
    /// use apishield::cors::CorsPolicy;
    ///
    /// // e.g. std::env::var("CORS_ORIGINS")
    /// let configured = "https://app.example.com, https://admin.example.com";
    /// let policy = CorsPolicy::builder()
    ///     .origin_list(configured)
    ///     .methods(["GET", "POST"])
    ///     .headers(["Authorization", "Content-Type"])
    ///     .credentials(true)
    ///     .build()
    ///     .expect("a valid CORS policy");
    /// assert!(policy.allows_origin("https://admin.example.com"));
    ///
    /// let err = CorsPolicy::builder().origins(["http://app.example.com/"]).methods(["GET"]).build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid CORS policy: origins: `http://app.example.com/`: origin ends with a slash \
    ///     (help: browsers send only scheme://host[:port], so this never matches: write \"https://app.example.com\")");
    /// ```
    pub fn builder() -> CorsPolicyBuilder {
        CorsPolicyBuilder::default()
    }

    /// `origins: ["*"]`: any origin (never with credentials).
    pub fn allows_any_origin(&self) -> bool {
        matches!(self.origins, Origins::Any)
    }

    /// The allowed origins (none for `*`).
    pub fn origins(&self) -> impl Iterator<Item = &str> + '_ {
        let list = match &self.origins {
            Origins::Any => None,
            Origins::List(names) => Some(names.iter()),
        };
        list.into_iter().flatten()
    }

    /// Whether a request with this `Origin` header gets CORS headers: the
    /// value is one of the listed origins byte for byte (so `null`, an origin
    /// with another case, a path or a port never matches), or the policy is
    /// `*`.
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(names) => names.iter().any(|o| o == origin),
        }
    }

    /// The allowed methods, in the order of [`rules::METHODS`].
    pub fn methods(&self) -> impl Iterator<Item = &'static str> + '_ {
        rules::METHODS.iter().enumerate().filter(|(i, _)| self.methods & (1 << i) != 0).map(|(_, m)| *m)
    }

    /// Whether `method` (case-sensitive, as in `Access-Control-Request-Method`)
    /// is allowed.
    pub fn allows_method(&self, method: &str) -> bool {
        rules::check_method(method).is_ok_and(|bit| self.methods & bit != 0)
    }

    /// The request headers a browser may send, in lower case.
    pub fn headers(&self) -> impl Iterator<Item = &str> + '_ {
        self.headers.iter()
    }

    /// Whether the request header `name` is allowed (case-insensitive).
    pub fn allows_header(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Whether browsers may send credentials (cookies, HTTP authentication,
    /// client certificates) and let the page read the answer.
    pub fn credentials(&self) -> bool {
        self.credentials
    }

    /// How long a browser may cache a preflight answer, if set.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age.map(|s| Duration::from_secs(u64::from(s)))
    }

    /// The response headers a page may read, in lower case.
    pub fn expose(&self) -> impl Iterator<Item = &str> + '_ {
        self.expose.iter()
    }

    /// The listed origins: the macro's (static), then the builder's.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(super) fn origin_parts(&self) -> (&'static [&'static str], &[String]) {
        match &self.origins {
            Origins::Any => (&[], &[]),
            Origins::List(names) => names.parts(),
        }
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(super) fn method_bits(&self) -> u8 {
        self.methods
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(super) fn max_age_secs(&self) -> Option<u32> {
        self.max_age
    }
}

/// Builds a [`CorsPolicy`] at run time; [`build`](Self::build) checks every
/// value and reports every problem at once. List setters append.
#[derive(Debug, Clone, Default)]
pub struct CorsPolicyBuilder {
    origins: Vec<String>,
    methods: Vec<String>,
    headers: Vec<String>,
    credentials: bool,
    max_age: Option<u64>,
    expose: Vec<String>,
    insecure_localhost: bool,
}

impl CorsPolicyBuilder {
    /// Allowed origins: `https://host[:port]` as browsers send them, or `*`
    /// alone (without credentials).
    #[must_use]
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Allowed origins from one string separated by commas or white space,
    /// as kept in an environment variable; empty entries are skipped.
    #[must_use]
    pub fn origin_list(self, list: &str) -> Self {
        self.origins(crate::config::split_list(list))
    }

    /// Allowed methods: `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`.
    #[must_use]
    pub fn methods<I: IntoIterator<Item = S>, S: Into<String>>(mut self, methods: I) -> Self {
        self.methods.extend(methods.into_iter().map(Into::into));
        self
    }

    /// Request headers a browser may send (any case).
    #[must_use]
    pub fn headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, headers: I) -> Self {
        self.headers.extend(headers.into_iter().map(Into::into));
        self
    }

    /// Whether browsers may send credentials (default: no).
    #[must_use]
    pub fn credentials(mut self, credentials: bool) -> Self {
        self.credentials = credentials;
        self
    }

    /// How long browsers may cache a preflight answer (whole seconds, at
    /// most 24 h; default: not sent, so browsers use 5 s).
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age.as_secs());
        self
    }

    /// Response headers a page may read (any case).
    #[must_use]
    pub fn expose<I: IntoIterator<Item = S>, S: Into<String>>(mut self, headers: I) -> Self {
        self.expose.extend(headers.into_iter().map(Into::into));
        self
    }

    /// Also accept `http://localhost`, `http://127.0.0.1` and `http://[::1]`
    /// (any port): for development only.
    #[must_use]
    pub fn insecure_localhost(mut self, allow: bool) -> Self {
        self.insecure_localhost = allow;
        self
    }

    /// The policy, or every problem found.
    pub fn build(self) -> Result<CorsPolicy, CorsError> {
        let mut problems = Vec::new();
        let mut problem = |field, value: Option<&str>, kind: CorsProblemKind| {
            problems.push(CorsProblem { field, value: value.map(str::to_owned), kind });
        };

        let mut any = false;
        let mut origins: Vec<String> = Vec::new();
        for origin in &self.origins {
            match rules::check_origin(origin, self.insecure_localhost) {
                Ok(OriginKind::Any) => any = true,
                Ok(_) if origins.contains(origin) => {
                    problem("origins", Some(origin), CorsProblemKind::Policy(PolicyError::Duplicate));
                }
                Ok(_) => origins.push(origin.clone()),
                Err(e) => problem("origins", Some(origin), CorsProblemKind::Origin(e)),
            }
        }
        if self.origins.is_empty() {
            problem("origins", None, CorsProblemKind::Policy(PolicyError::NoOrigins));
        }
        if any && self.credentials {
            problem("origins", Some("*"), CorsProblemKind::Policy(PolicyError::WildcardWithCredentials));
        }
        if any && self.origins.len() > 1 {
            problem("origins", Some("*"), CorsProblemKind::Policy(PolicyError::WildcardNotAlone));
        }

        let mut methods = 0u8;
        for method in &self.methods {
            match rules::check_method(method) {
                Ok(bit) if methods & bit != 0 => {
                    problem("methods", Some(method), CorsProblemKind::Policy(PolicyError::Duplicate));
                }
                Ok(bit) => methods |= bit,
                Err(e) => problem("methods", Some(method), CorsProblemKind::Method(e)),
            }
        }
        if self.methods.is_empty() {
            problem("methods", None, CorsProblemKind::Policy(PolicyError::NoMethods));
        }

        let mut names = |field: &'static str, given: &[String]| {
            let mut kept: Vec<String> = Vec::new();
            for name in given {
                let lower = name.to_ascii_lowercase();
                match rules::check_header_name(name) {
                    Ok(()) if kept.contains(&lower) => {
                        problem(field, Some(name), CorsProblemKind::Policy(PolicyError::Duplicate));
                    }
                    Ok(()) => kept.push(lower),
                    Err(e) => problem(field, Some(name), CorsProblemKind::Header(e)),
                }
            }
            kept
        };
        let headers = names("headers", &self.headers);
        let expose = names("expose", &self.expose);

        let max_age = match self.max_age.map(rules::check_max_age) {
            None => None,
            Some(Ok(secs)) => Some(secs),
            Some(Err(e)) => {
                let secs = self.max_age.unwrap_or_default().to_string();
                problem("max_age", Some(&secs), CorsProblemKind::Policy(e));
                None
            }
        };

        if !problems.is_empty() {
            return Err(CorsError { problems });
        }
        Ok(CorsPolicy {
            origins: if any { Origins::Any } else { Origins::List(Names::Owned(origins)) },
            methods,
            headers: Names::Owned(headers),
            credentials: self.credentials,
            max_age,
            expose: Names::Owned(expose),
        })
    }
}

/// A [`CorsPolicy`] as configuration gives it, before it is checked: what
/// a policy deserializes from (unknown fields refused). Turned into a policy
/// by [`CorsPolicy::builder`] (`TryFrom`), so a configured policy passes
/// every rule of the [`cors!`](crate::cors!) macro and fails with the
/// builder's [`CorsError`], whose problems name the field.
///
/// Every list is a list, or one string of entries separated by commas or
/// white space (as an environment variable carries it); `max_age` is whole
/// seconds or a duration string (`"1h"`).
///
/// ```toml
/// origins = ["https://app.example.com", "https://admin.example.com"]
/// methods = ["GET", "POST", "PUT", "DELETE"]
/// headers = ["Authorization", "Content-Type"]
/// credentials = true
/// max_age = "1h"
/// expose = ["RateLimit-Policy", "RateLimit"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CorsPolicySpec {
    /// [`CorsPolicyBuilder::origins`].
    #[serde(deserialize_with = "crate::config::string_list")]
    pub origins: Vec<String>,
    /// [`CorsPolicyBuilder::methods`].
    #[serde(deserialize_with = "crate::config::string_list")]
    pub methods: Vec<String>,
    /// [`CorsPolicyBuilder::headers`] (default: none).
    #[serde(default, deserialize_with = "crate::config::string_list")]
    pub headers: Vec<String>,
    /// [`CorsPolicyBuilder::credentials`] (default: no).
    #[serde(default)]
    pub credentials: bool,
    /// [`CorsPolicyBuilder::max_age`] (default: not sent).
    #[serde(default, deserialize_with = "crate::config::opt_duration")]
    pub max_age: Option<Duration>,
    /// [`CorsPolicyBuilder::expose`] (default: none).
    #[serde(default, deserialize_with = "crate::config::string_list")]
    pub expose: Vec<String>,
    /// [`CorsPolicyBuilder::insecure_localhost`] (default: no).
    #[serde(default)]
    pub insecure_localhost: bool,
}

impl TryFrom<CorsPolicySpec> for CorsPolicy {
    type Error = CorsError;

    fn try_from(spec: CorsPolicySpec) -> Result<Self, CorsError> {
        let mut builder = CorsPolicy::builder()
            .origins(spec.origins)
            .methods(spec.methods)
            .headers(spec.headers)
            .credentials(spec.credentials)
            .expose(spec.expose)
            .insecure_localhost(spec.insecure_localhost);
        if let Some(max_age) = spec.max_age {
            builder = builder.max_age(max_age);
        }
        builder.build()
    }
}

/// Why [`CorsPolicyBuilder::build`] refused a policy: every problem, each
/// with the value, what is wrong and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsError {
    problems: Vec<CorsProblem>,
}

impl CorsError {
    /// Every problem, in the order of the builder's fields.
    pub fn problems(&self) -> &[CorsProblem] {
        &self.problems
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid CORS policy: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CorsError {}

/// One problem of a [`CorsError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsProblem {
    field: &'static str,
    value: Option<String>,
    kind: CorsProblemKind,
}

/// Which rule a [`CorsProblem`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorsProblemKind {
    /// An origin.
    Origin(OriginError),
    /// A header name (in `headers` or `expose`).
    Header(HeaderNameError),
    /// A method.
    Method(MethodError),
    /// The policy as a whole (`*` with credentials, duplicates, ...).
    Policy(PolicyError),
}

impl CorsProblem {
    /// The builder field: `origins`, `methods`, `headers`, `expose` or `max_age`.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The offending value, if the problem is about one.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The rule broken.
    pub fn kind(&self) -> CorsProblemKind {
        self.kind
    }

    /// What is wrong, in a few words.
    pub fn message(&self) -> &'static str {
        match self.kind {
            CorsProblemKind::Origin(e) => e.message(),
            CorsProblemKind::Header(e) => e.message(),
            CorsProblemKind::Method(e) => e.message(),
            CorsProblemKind::Policy(e) => e.message(),
        }
    }

    /// The fix.
    pub fn help(&self) -> String {
        let value = self.value.as_deref().unwrap_or_default();
        match self.kind {
            CorsProblemKind::Origin(e) => e.help(value),
            CorsProblemKind::Header(e) => e.help().to_owned(),
            CorsProblemKind::Method(e) => e.help(value),
            CorsProblemKind::Policy(e) => e.help().to_owned(),
        }
    }
}

impl fmt::Display for CorsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => {
                write!(f, "{}: `{}`: {} (help: {})", self.field, value.escape_debug(), self.message(), self.help())
            }
            None => write!(f, "{}: {} (help: {})", self.field, self.message(), self.help()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(err: &CorsError) -> Vec<(&'static str, CorsProblemKind)> {
        err.problems().iter().map(|p| (p.field(), p.kind())).collect()
    }

    #[test]
    fn every_problem_at_once() {
        let err = CorsPolicy::builder()
            .origins(["*", "null", "https://app.example.com", "https://app.example.com"])
            .methods(["GET", "get", "GET"])
            .headers(["Authorization", "authorization", "X Bad"])
            .expose(["*"])
            .credentials(true)
            .max_age(Duration::from_secs(86_401))
            .build()
            .unwrap_err();
        assert_eq!(
            kinds(&err),
            [
                ("origins", CorsProblemKind::Origin(OriginError::Null)),
                ("origins", CorsProblemKind::Policy(PolicyError::Duplicate)),
                ("origins", CorsProblemKind::Policy(PolicyError::WildcardWithCredentials)),
                ("origins", CorsProblemKind::Policy(PolicyError::WildcardNotAlone)),
                ("methods", CorsProblemKind::Method(MethodError::NotUppercase)),
                ("methods", CorsProblemKind::Policy(PolicyError::Duplicate)),
                ("headers", CorsProblemKind::Policy(PolicyError::Duplicate)),
                ("headers", CorsProblemKind::Header(HeaderNameError::NotAToken)),
                ("expose", CorsProblemKind::Header(HeaderNameError::Wildcard)),
                ("max_age", CorsProblemKind::Policy(PolicyError::MaxAgeTooLarge)),
            ]
        );
        assert!(err.to_string().contains("methods: `get`: methods are case-sensitive (help: write `GET`)"));
    }

    #[test]
    fn nothing_is_an_error() {
        let err = CorsPolicy::builder().build().unwrap_err();
        assert_eq!(
            kinds(&err),
            [
                ("origins", CorsProblemKind::Policy(PolicyError::NoOrigins)),
                ("methods", CorsProblemKind::Policy(PolicyError::NoMethods)),
            ]
        );
    }

    #[test]
    fn a_built_policy_matches_exactly() {
        let policy = CorsPolicy::builder()
            .origin_list(" https://app.example.com,,http://localhost:3000 \n")
            .insecure_localhost(true)
            .methods(["POST", "GET"])
            .headers(["Content-Type"])
            .expose(["X-RateLimit-Remaining"])
            .max_age(Duration::from_secs(600))
            .build()
            .unwrap();
        assert_eq!(policy.origins().collect::<Vec<_>>(), ["https://app.example.com", "http://localhost:3000"]);
        assert!(policy.allows_origin("http://localhost:3000"));
        for other in ["https://APP.example.com", "https://app.example.com/", "null", "", "https://app.example.com.evil"]
        {
            assert!(!policy.allows_origin(other), "{other}");
        }
        assert_eq!(policy.methods().collect::<Vec<_>>(), ["GET", "POST"]);
        assert!(policy.allows_method("POST") && !policy.allows_method("post") && !policy.allows_method("PUT"));
        assert!(policy.allows_header("content-TYPE") && !policy.allows_header("authorization"));
        assert_eq!(policy.expose().collect::<Vec<_>>(), ["x-ratelimit-remaining"]);
        assert_eq!(policy.max_age(), Some(Duration::from_secs(600)));
        assert!(!policy.credentials() && !policy.allows_any_origin());
    }

    #[test]
    fn any_origin_without_credentials() {
        let policy = CorsPolicy::builder().origins(["*"]).methods(["GET"]).build().unwrap();
        assert!(policy.allows_any_origin() && policy.allows_origin("https://anyone.example"));
        assert_eq!(policy.origins().count(), 0);
    }
}
