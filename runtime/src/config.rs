//! Serde helpers shared by the policies that deserialize from
//! configuration: durations and string lists in the forms a TOML file or an
//! environment variable gives them.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// A duration as whole seconds (`60`) or a duration string (`"1m"`,
/// `"1h30m"`, `"7d"`: the rule of `#[idempotent(ttl = ..)]`).
pub(crate) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct Secs;
    impl Visitor<'_> for Secs {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("whole seconds or a duration such as \"90s\", \"1m\", \"1h30m\", \"7d\"")
        }

        fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(secs))
        }

        fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Duration, E> {
            u64::try_from(secs).map(Duration::from_secs).map_err(|_| E::custom("a duration cannot be negative"))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            // Environment variables carry numbers as strings.
            let secs = match text.parse::<u64>() {
                Ok(secs) => Some(secs),
                Err(_) => apishield_internals::duration::parse_secs(text),
            };
            secs.map(Duration::from_secs).ok_or_else(|| {
                E::custom("not a duration: write whole seconds or digits and a unit (s, m, h, d), e.g. \"1h30m\"")
            })
        }
    }
    deserializer.deserialize_any(Secs)
}

/// An optional [`duration`].
pub(crate) fn opt_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    duration(deserializer).map(Some)
}

/// The entries of one string separated by commas or white space (empty
/// entries skipped), as lists are kept in environment variables.
pub(crate) fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| c == ',' || c.is_ascii_whitespace()).filter(|s| !s.is_empty())
}

/// A list of strings: a sequence, or one string split by [`split_list`].
pub(crate) fn string_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct List;
    impl<'de> Visitor<'de> for List {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings, or one string of entries separated by commas")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<String>, E> {
            Ok(split_list(text).map(str::to_owned).collect())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(item) = seq.next_element::<String>()? {
                out.push(item);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_any(List)
}

/// Policies from configuration: every refused configuration fails with the
/// builder's error for it, and an accepted one is the builder's policy.
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::cors::CorsPolicy;
    use crate::rate_limit::{Algorithm, PolicyError, RateLimitPolicy, Window};

    /// The error message of a refused TOML configuration (without the
    /// excerpt of the file that the TOML parser's `Display` adds).
    fn toml_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        match toml::from_str::<T>(text) {
            Ok(value) => panic!("accepted: {value:?}"),
            Err(e) => e.message().to_owned(),
        }
    }

    fn json_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        match serde_json::from_str::<T>(text) {
            Ok(value) => panic!("accepted: {value:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn durations_are_seconds_or_duration_strings() {
        #[derive(serde::Deserialize)]
        struct D {
            #[serde(deserialize_with = "super::duration")]
            d: Duration,
        }
        for (text, secs) in [("d = 60", 60), ("d = \"1m\"", 60), ("d = \"1h30m\"", 5400), ("d = \"90\"", 90)] {
            assert_eq!(toml::from_str::<D>(text).map(|d| d.d).ok(), Some(Duration::from_secs(secs)), "{text}");
        }
        for text in ["d = -1", "d = \"1w\"", "d = \"1.5h\"", "d = 1.5", "d = true"] {
            assert!(toml::from_str::<D>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_configured_rate_limit_policy_is_the_builders() {
        let configured: RateLimitPolicy = toml::from_str(
            r#"
            algorithm = "token_bucket"
            windows = [
                { name = "second", limit = 10, period = "1s", burst = 100 },
                { name = "day", limit = 50000, period = 86400 },
            ]
            "#,
        )
        .unwrap();
        let built =
            RateLimitPolicy::new(Algorithm::TokenBucket, [Window::per_second(10).burst(100), Window::per_day(50_000)])
                .unwrap();
        assert_eq!(configured, built);
        assert_eq!(configured.id(), built.id());

        // The default algorithm, periods as strings, JSON.
        let configured: RateLimitPolicy = serde_json::from_str(
            r#"{"windows": [{"name": "minute", "limit": 60, "period": "1m"}, {"name": "hour", "limit": 1000, "period": "1h"}]}"#,
        )
        .unwrap();
        assert_eq!(configured, RateLimitPolicy::free());
    }

    #[test]
    fn a_refused_rate_limit_policy_fails_with_the_builders_error() {
        let window = |name: &str, limit: u32, period: &str| {
            format!("{{ name = {name:?}, limit = {limit}, period = {period:?} }}")
        };
        let cases: Vec<(String, PolicyError)> = vec![
            ("windows = []".into(), PolicyError::NoWindows),
            (
                format!(
                    "windows = [{}]",
                    (1..=5).map(|i| window(&format!("w{i}"), 1, "1m")).collect::<Vec<_>>().join(", ")
                ),
                PolicyError::TooManyWindows(5),
            ),
            (format!("windows = [{}]", window("a b", 1, "1m")), PolicyError::InvalidName("a b".into())),
            (
                format!("windows = [{}, {}]", window("m", 1, "1m"), window("m", 2, "1h")),
                PolicyError::DuplicateName("m".into()),
            ),
            (
                format!("windows = [{}]", window("m", 0, "1m")),
                PolicyError::LimitOutOfRange { window: "m".into(), limit: 0 },
            ),
            (format!("windows = [{}]", window("m", 1, "32d")), PolicyError::PeriodOutOfRange { window: "m".into() }),
            (
                "windows = [{ name = \"m\", limit = 1, period = \"1m\", burst = 5 }]".into(),
                PolicyError::BurstNeedsTokenBucket { window: "m".into() },
            ),
            (
                "algorithm = \"token_bucket\"\nwindows = [{ name = \"d\", limit = 1, period = \"1d\", burst = 1000 }]"
                    .into(),
                PolicyError::BurstOutOfRange { window: "d".into(), burst: 1000 },
            ),
        ];
        for (text, expected) in cases {
            let message = toml_err::<RateLimitPolicy>(&text);
            assert!(message.contains(&expected.to_string()), "{text}: {message}");
        }
        // What serde itself refuses names the field.
        let unknown = toml_err::<RateLimitPolicy>("windows = [{ name = \"m\", limit = 1, period = 60, limt = 2 }]");
        assert!(unknown.contains("limt"), "{unknown}");
        let unknown = toml_err::<RateLimitPolicy>("algorithm = \"sliding_window\"\nwindow = []");
        assert!(unknown.contains("window"), "{unknown}");
        let algorithm = toml_err::<RateLimitPolicy>("algorithm = \"leaky\"\nwindows = []");
        assert!(algorithm.contains("token_bucket"), "{algorithm}");
        let period = toml_err::<RateLimitPolicy>("windows = [{ name = \"m\", limit = 1, period = \"soon\" }]");
        assert!(period.contains("not a duration"), "{period}");
    }

    fn cors_summary(p: &CorsPolicy) -> String {
        format!(
            "{:?} {:?} {:?} {} {:?} {:?}",
            p.origins().collect::<Vec<_>>(),
            p.methods().collect::<Vec<_>>(),
            p.headers().collect::<Vec<_>>(),
            p.credentials(),
            p.max_age(),
            p.expose().collect::<Vec<_>>(),
        )
    }

    #[test]
    fn a_configured_cors_policy_is_the_builders() {
        let configured: CorsPolicy = toml::from_str(
            r#"
            origins = ["https://app.example.com", "https://admin.example.com"]
            methods = ["GET", "POST", "PUT", "DELETE"]
            headers = ["Authorization", "Content-Type"]
            credentials = true
            max_age = "1h"
            expose = ["RateLimit-Policy", "RateLimit"]
            "#,
        )
        .unwrap();
        let built = CorsPolicy::builder()
            .origins(["https://app.example.com", "https://admin.example.com"])
            .methods(["GET", "POST", "PUT", "DELETE"])
            .headers(["Authorization", "Content-Type"])
            .credentials(true)
            .max_age(Duration::from_secs(3600))
            .expose(["RateLimit-Policy", "RateLimit"])
            .build()
            .unwrap();
        assert_eq!(cors_summary(&configured), cors_summary(&built));

        // Lists as an environment variable carries them.
        let from_env: CorsPolicy = serde_json::from_str(
            r#"{"origins": "https://app.example.com, https://admin.example.com", "methods": "GET POST PUT DELETE",
                "headers": "Authorization,Content-Type", "credentials": true, "max_age": "3600",
                "expose": "RateLimit-Policy,RateLimit"}"#,
        )
        .unwrap();
        assert_eq!(cors_summary(&from_env), cors_summary(&built));
    }

    #[test]
    fn a_refused_cors_policy_fails_with_the_builders_error() {
        let cases: [(&str, crate::cors::CorsPolicyBuilder); 7] = [
            // An origin rule: not https.
            (
                "origins = [\"http://app.example.com\"]\nmethods = [\"GET\"]",
                CorsPolicy::builder().origins(["http://app.example.com"]).methods(["GET"]),
            ),
            // The null origin.
            ("origins = \"null\"\nmethods = \"GET\"", CorsPolicy::builder().origins(["null"]).methods(["GET"])),
            // A policy rule: `*` with credentials.
            (
                "origins = [\"*\"]\nmethods = [\"GET\"]\ncredentials = true",
                CorsPolicy::builder().origins(["*"]).methods(["GET"]).credentials(true),
            ),
            // A method rule.
            (
                "origins = [\"https://a.example\"]\nmethods = [\"get\"]",
                CorsPolicy::builder().origins(["https://a.example"]).methods(["get"]),
            ),
            // A header-name rule.
            (
                "origins = [\"https://a.example\"]\nmethods = [\"GET\"]\nexpose = [\"*\"]",
                CorsPolicy::builder().origins(["https://a.example"]).methods(["GET"]).expose(["*"]),
            ),
            // max_age above a day.
            (
                "origins = [\"https://a.example\"]\nmethods = [\"GET\"]\nmax_age = \"2d\"",
                CorsPolicy::builder()
                    .origins(["https://a.example"])
                    .methods(["GET"])
                    .max_age(Duration::from_secs(172_800)),
            ),
            // Nothing listed.
            ("origins = []\nmethods = []", CorsPolicy::builder()),
        ];
        for (text, builder) in cases {
            let expected = builder.build().unwrap_err().to_string();
            let message = toml_err::<CorsPolicy>(text);
            assert!(message.contains(&expected), "{text}: {message} (builder: {expected})");
        }
        let unknown =
            toml_err::<CorsPolicy>("origins = [\"https://a.example\"]\nmethods = [\"GET\"]\ncredential = true");
        assert!(unknown.contains("credential"), "{unknown}");
        let missing = json_err::<CorsPolicy>(r#"{"origins": ["https://a.example"]}"#);
        assert!(missing.contains("methods"), "{missing}");
    }

    #[cfg(feature = "http")]
    mod headers {
        use http::{HeaderName, HeaderValue};

        use super::{json_err, toml_err};
        use crate::headers::{SecurityHeaders, SecurityHeadersError};

        fn summary(h: &SecurityHeaders) -> String {
            let mut set: Vec<_> = h.headers().map(|(n, v)| format!("{n}: {v:?}")).collect();
            set.sort();
            let mut removed: Vec<_> = h.removed().map(ToString::to_string).collect();
            removed.sort();
            let enforce = format!("{h:?}").contains("enforce: true");
            format!("{set:?} {removed:?} enforce: {enforce}")
        }

        #[test]
        fn configured_security_headers_are_the_builders() {
            let configured: SecurityHeaders = toml::from_str(
                r#"
                without = ["Strict-Transport-Security"]
                remove = ["X-AspNet-Version"]
                enforce = true

                [set]
                X-Frame-Options = "SAMEORIGIN"
                X-Extra = "1"
                "#,
            )
            .unwrap();
            let built = SecurityHeaders::api()
                .without(HeaderName::from_static("strict-transport-security"))
                .remove(HeaderName::from_static("x-aspnet-version"))
                .header(HeaderName::from_static("x-extra"), HeaderValue::from_static("1"))
                .header(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("SAMEORIGIN"))
                .enforce();
            assert_eq!(summary(&configured), summary(&built));
            assert!(summary(&configured).ends_with("enforce: true"));

            let defaults: SecurityHeaders = serde_json::from_str("{}").unwrap();
            assert_eq!(summary(&defaults), summary(&SecurityHeaders::api()));
        }

        #[test]
        fn refused_security_headers_name_the_field_and_not_the_value() {
            let cases = [
                ("[set]\n\"bad name\" = \"x\"".to_owned(), SecurityHeadersError::InvalidName { field: "set" }),
                ("without = [\"bad name\"]".to_owned(), SecurityHeadersError::InvalidName { field: "without" }),
                ("remove = \"a,b c,(x)\"".to_owned(), SecurityHeadersError::InvalidName { field: "remove" }),
                (
                    "[set]\nx-token = \"s3cr3t\\u0007\"".to_owned(),
                    SecurityHeadersError::InvalidValue { name: HeaderName::from_static("x-token") },
                ),
                (
                    "remove = [\"X-Frame-Options\"]\n[set]\nx-frame-options = \"DENY\"".to_owned(),
                    SecurityHeadersError::Conflict { name: HeaderName::from_static("x-frame-options") },
                ),
                (
                    "remove = [\"pragma\"]\nwithout = [\"Pragma\"]".to_owned(),
                    SecurityHeadersError::Conflict { name: HeaderName::from_static("pragma") },
                ),
            ];
            for (text, expected) in cases {
                let message = toml_err::<SecurityHeaders>(&text);
                assert!(message.contains(&expected.to_string()), "{text}: {message}");
                assert!(!message.contains("s3cr3t") && !message.contains("bad name"), "{message}");
            }
            let unknown = json_err::<SecurityHeaders>(r#"{"sett": {}}"#);
            assert!(unknown.contains("sett"), "{unknown}");
        }
    }
}
