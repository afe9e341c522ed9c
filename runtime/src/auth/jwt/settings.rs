//! The validator's settings from configuration: issuer, audiences and
//! limits. Keys stay in code (a secret does not belong in a configuration
//! file, and a key source is not plain data).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::builder::JwtValidatorBuilder;
use super::builder::state::{HasAudience, HasIssuer};
use super::source::JwtKeySource;
use super::validator::JwtValidator;

/// A [`JwtValidator`]'s settings as configuration gives them (unknown
/// fields refused); [`builder`](Self::builder) applies them with the
/// builder's own methods, so they mean what they mean in code (a leeway
/// above [`MAX_LEEWAY`](super::MAX_LEEWAY) is lowered to it, with a
/// warning). Keys stay in code.
///
/// ```toml
/// issuer = "https://auth.example.com/"
/// audience = ["orders-api"]          # or one string; at least one
/// leeway = 30                        # seconds, or "30s"; default 30 s
/// max_lifetime = "15m"               # default 15 min
/// max_token_size = 8192              # bytes; default 8 KiB
/// token_type = "at+jwt"              # default: not checked
/// roles_claim = "roles"              # default "roles"
/// verified_token_cache = 4096        # tokens remembered; 0 turns it off
/// ```
///
/// ```
/// use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey, JwtValidatorSettings};
///
/// let settings: JwtValidatorSettings =
///     serde_json::from_str(r#"{"issuer": "https://auth.example.com/", "audience": "orders-api"}"#)?;
/// let key = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate()?)?;
/// let validator = settings.builder(key)?.build();
/// assert_eq!(validator.issuers().collect::<Vec<_>>(), ["https://auth.example.com/"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct JwtValidatorSettings {
    /// [`JwtValidatorBuilder::issuer`]: the home issuer of the keys.
    pub issuer: String,
    /// [`JwtValidatorBuilder::audience`], each: a list or one string.
    #[serde(deserialize_with = "crate::config::string_list")]
    pub audience: Vec<String>,
    /// [`JwtValidatorBuilder::leeway`] (default 30 s).
    #[serde(default, deserialize_with = "crate::config::opt_duration")]
    pub leeway: Option<Duration>,
    /// [`JwtValidatorBuilder::max_lifetime`] (default 15 min).
    #[serde(default, deserialize_with = "crate::config::opt_duration")]
    pub max_lifetime: Option<Duration>,
    /// [`JwtValidatorBuilder::max_token_size`] (default 8 KiB).
    #[serde(default)]
    pub max_token_size: Option<usize>,
    /// [`JwtValidatorBuilder::token_type`] (default: not checked).
    #[serde(default)]
    pub token_type: Option<String>,
    /// [`JwtValidatorBuilder::roles_claim`] (default `roles`).
    #[serde(default)]
    pub roles_claim: Option<String>,
    /// [`JwtValidatorBuilder::verified_token_cache`] (default
    /// [`DEFAULT_VERIFIED_TOKEN_CACHE`](super::DEFAULT_VERIFIED_TOKEN_CACHE); 0: off).
    #[serde(default)]
    pub verified_token_cache: Option<usize>,
}

/// Why [`JwtValidatorSettings::builder`] refused the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtSettingsError {
    /// `audience` is empty: the builder needs at least one (a validator
    /// without an audience accepts tokens meant for other services).
    AudienceMissing,
}

impl fmt::Display for JwtSettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtSettingsError::AudienceMissing => f.write_str("audience: at least one audience is required"),
        }
    }
}

impl std::error::Error for JwtSettingsError {}

impl JwtValidatorSettings {
    /// [`JwtValidator::builder`] for `keys` with these settings applied,
    /// ready to [`build`](JwtValidatorBuilder::build) (or to take a clock,
    /// a denylist, external issuers).
    pub fn builder(
        self,
        keys: impl Into<JwtKeySource>,
    ) -> Result<JwtValidatorBuilder<HasIssuer, HasAudience>, JwtSettingsError> {
        let mut audiences = self.audience.into_iter();
        let first = audiences.next().ok_or(JwtSettingsError::AudienceMissing)?;
        let mut builder = JwtValidator::builder(keys).issuer(self.issuer).audience(first);
        for audience in audiences {
            builder = builder.audience(audience);
        }
        if let Some(leeway) = self.leeway {
            builder = builder.leeway(leeway);
        }
        if let Some(max_lifetime) = self.max_lifetime {
            builder = builder.max_lifetime(max_lifetime);
        }
        if let Some(bytes) = self.max_token_size {
            builder = builder.max_token_size(bytes);
        }
        if let Some(typ) = self.token_type {
            builder = builder.token_type(typ);
        }
        if let Some(name) = self.roles_claim {
            builder = builder.roles_claim(name);
        }
        if let Some(entries) = self.verified_token_cache {
            builder = builder.verified_token_cache(entries);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey};

    #[test]
    fn configured_settings_build_the_builders_validator() {
        let key = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap();
        let settings: JwtValidatorSettings = toml::from_str(
            r#"
            issuer = "https://auth.example.com/"
            audience = ["orders-api", "admin-api"]
            leeway = "10s"
            max_lifetime = "1h"
            max_token_size = 4096
            token_type = "at+jwt"
            roles_claim = "https://example.com/roles"
            verified_token_cache = 100
            "#,
        )
        .unwrap();
        let configured = settings.builder(key.clone()).unwrap().build();
        let built = JwtValidator::builder(key.clone())
            .issuer("https://auth.example.com/")
            .audience("orders-api")
            .audience("admin-api")
            .leeway(Duration::from_secs(10))
            .max_lifetime(Duration::from_secs(3600))
            .max_token_size(4096)
            .token_type("at+jwt")
            .roles_claim("https://example.com/roles")
            .verified_token_cache(100)
            .build();
        assert_eq!(format!("{configured:?}"), format!("{built:?}"));

        // Defaults: the builder's.
        let settings: JwtValidatorSettings =
            serde_json::from_str(r#"{"issuer": "https://auth.example.com/", "audience": "orders-api"}"#).unwrap();
        let configured = settings.builder(key.clone()).unwrap().build();
        let built = JwtValidator::builder(key).issuer("https://auth.example.com/").audience("orders-api").build();
        assert_eq!(format!("{configured:?}"), format!("{built:?}"));
    }

    #[test]
    fn refused_settings_name_the_field() {
        let key = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap();
        let settings: JwtValidatorSettings = toml::from_str("issuer = \"https://a.example/\"\naudience = []").unwrap();
        let err = settings.builder(key).map(|_| ()).unwrap_err();
        assert_eq!(err, JwtSettingsError::AudienceMissing);
        assert!(err.to_string().starts_with("audience:"));

        let refused = |text: &str| toml::from_str::<JwtValidatorSettings>(text).unwrap_err().message().to_owned();
        assert!(refused("issuer = \"https://a.example/\"").contains("audience"));
        assert!(refused("issuer = \"i\"\naudience = \"a\"\nsecret = \"hunter2hunter2\"").contains("secret"));
        assert!(!refused("issuer = \"i\"\naudience = \"a\"\nsecret = \"hunter2hunter2\"").contains("hunter2"));
        assert!(refused("issuer = \"i\"\naudience = \"a\"\nleeway = \"soon\"").contains("not a duration"));
    }
}
