//! Metrics and traces of every security decision: the one place where
//! apishield reports them.
//!
//! Each decision (a credential accepted or refused, a request over its rate
//! limit, an idempotency key claimed or replayed, a webhook delivery
//! refused, a CORS preflight refused, a body that fails validation, ...)
//! is
//!
//! * a [`tracing`] event, with the target and fields of the tables below,
//!   emitted where the decision is made, so inside the request's span (the
//!   [`RequestIdLayer`](crate::axum::RequestIdLayer)'s `request` span, with
//!   its `request_id`): accepted decisions at `DEBUG` (a request without a
//!   credential at `TRACE`), refusals at `INFO`
//!   (`WARN` where they point at an attack or a misconfiguration, `ERROR`
//!   for a configuration that cannot work), an unavailable store at `WARN`;
//! * with the feature `metrics`, one increment of a counter through the
//!   [`metrics`](https://docs.rs/metrics/0.24) facade: install any recorder
//!   (a Prometheus exporter, StatsD, ...) and the counters appear; without a
//!   recorder an increment does next to nothing. Without the feature, the
//!   events alone.
//!
//! **Never in an event or a label:** a credential, token, API key (not even
//! its prefix), secret, signature, rejected value, field path, origin,
//! path, query string or any other text the client chose. Label values come
//! from fixed sets, listed below: codes of this crate, so a client cannot
//! grow the number of series. No counter has a route or path label (it
//! would multiply the series by the routes, and a raw path is the client's
//! text): put the decisions beside your HTTP metrics by time, and find a
//! request's decisions by its span's `request_id`. The few event fields
//! that are not codes are the server's or an authenticated party's: the
//! principal's issuer and subject on an access denial, a webhook's event
//! id once its signature is verified, a refresh-token family id, the matched
//! route template (never the requested path) on a validation failure.
//!
//! # Counters
//!
//! | Counter | Labels | Label values |
//! | --- | --- | --- |
//! | [`apishield_auth_decisions_total`](AUTH_DECISIONS) | `outcome`, `reason`, `scheme` | `outcome`: `authenticated`, `anonymous`, `refused`, `throttled`, `unavailable`; `scheme`: `bearer`, `api_key`, `cookie` (the token cookie), `unknown` (an `Authorization` header that could not be read), `query` (a credential in the query string), `none`; `reason`: see [Authentication reasons](#authentication-reasons) |
//! | [`apishield_rate_limit_decisions_total`](RATE_LIMIT_DECISIONS) | `outcome`, `limiter` | `outcome`: `allowed`, `limited` (429), `unavailable` (503, the limiter's store down and failing closed), `unchecked` (served uncounted: the store down and failing open), `misconfigured` (500: a cost above the policy), `invalid_forwarded_header` (400); `limiter`: `default`, `role` (one of the layer's [`role`](crate::axum::RateLimitLayer::role) limiters), `anonymous` |
//! | [`apishield_idempotency_decisions_total`](IDEMPOTENCY_DECISIONS) | `outcome` | `claimed` (the handler runs), `replayed`, `in_progress` (409), `outcome_unknown` (409: an earlier run was abandoned), `key_reused` (422: the key with another request), `quota_exceeded` (429), `unavailable` (503), `key_missing`, `key_malformed` (400) |
//! | [`apishield_webhook_verifications_total`](WEBHOOK_VERIFICATIONS) | `outcome`, `reason`, `profile` | `outcome`: `verified`, `duplicate` (answered 200, not processed again), `refused`, `unavailable` (the replay store); `reason`: `ok` or a [`WebhookError::code`](crate::webhook::WebhookError::code) (`missing_header`, `malformed_header`, `timestamp_too_old`, `timestamp_in_future`, `bad_signature`, `replayed`, `store_unavailable`, `invalid_payload`); `profile`: `x_webhook`, `standard_webhooks` |
//! | [`apishield_cors_refusals_total`](CORS_REFUSALS) | `request`, `reason` | `request`: `preflight` (answered 403), `simple` (a request with an `Origin` that is not allowed: served without CORS headers, so the browser keeps the answer from the page); `reason`: `origin`, `method`, `header` |
//! | [`apishield_request_validation_failures_total`](REQUEST_VALIDATION_FAILURES) | `source`, `code` | `source`: `json` ([`SecureJson`](crate::axum::SecureJson)), `query` ([`SecureQuery`](crate::axum::SecureQuery)); `code`: an [`ErrorCode`](crate::request::ErrorCode) (`too_long`, `unknown_field`, `malformed`, `unsupported_media_type`, ...). One increment per distinct code of a refused request: a request with three `too_long` fields and one `unknown_field` adds one to each of the two |
//! | [`apishield_body_limit_refusals_total`](BODY_LIMIT_REFUSALS) | `extractor` | `json` (`SecureJson`), `webhook` ([`Verified<T>`](crate::webhook::Verified)), `idempotency` (the body an `#[idempotent]` handler fingerprints): 413 past the route's [`BodyLimit`](crate::axum::BodyLimit) |
//! | [`apishield_https_refusals_total`](HTTPS_REFUSALS) | `action` | `refused` (403 `https_required`), `redirected` (308 to `https://`) |
//! | [`apishield_access_denials_total`](ACCESS_DENIALS) | `check` | `owner` (`#[owned_by]`, [`Principal::authorize`](crate::Principal::authorize)), `role` (`#[requires_role]`), `scope` (`#[requires_scope]`, [`Principal::require_scope`](crate::Principal::require_scope)) |
//! | [`apishield_token_refreshes_total`](TOKEN_REFRESHES) | `outcome` | `rotated`, or a [`TokenError::code`](crate::auth::token::TokenError::code): `reused` and `wrong_client` (the whole family revoked), `unknown_token`, `expired`, `revoked`, `malformed`, `store_unavailable`, ... |
//!
//! ## Authentication reasons
//!
//! | `outcome` | `reason` |
//! | --- | --- |
//! | `authenticated` | `valid` |
//! | `anonymous` | `no_credential` |
//! | `refused` (401) | a [`JwtError::code`](crate::auth::jwt::JwtError::code) (`expired`, `bad_signature`, `revoked`, `wrong_audience`, ...), an [`ApiKeyError::code`](crate::ApiKeyError::code) (`unknown_key`, `revoked`, `expired`, `bad_checksum`, `wrong_environment`, ...), `empty`, `too_long`, `malformed`, `unsupported_scheme`, `duplicate_authorization` (two headers), `not_ascii`, `duplicate_cookie`, `scheme_not_configured` (a bearer token or an API key where none is accepted) |
//! | `refused` (400, 403) | `credential_in_query`, `invalid_forwarded_header`, `csrf_check_failed` |
//! | `throttled` (429) | `too_many_failures` (the [`FailedAuthLimit`](crate::axum::FailedAuthLimit)) |
//! | `unavailable` (503) | `store_unavailable` (the API-key store), `revocation_unavailable` (the access-token denylist), `throttle_unavailable` (the failed-attempt limiter, failing closed) |
//!
//! # Events
//!
//! Every event has an `outcome` field (the counter's), and a message.
//!
//! | Target | Fields |
//! | --- | --- |
//! | `apishield::auth` | `outcome`, `reason`, `scheme`; `retry_after_secs` when throttled; `csrf` (the [`CsrfError`](crate::auth::token::CsrfError) code) on a CSRF refusal; `parameter` on a credential in the query string: the parameter's name when it reads like a name (at most 32 letters, digits, `_` and `-`, not a key prefix), else `(not shown)`, never its value |
//! | `apishield::rate_limit` | `outcome`, `limiter`; when limited, `window` (the configured name of the window that refused) and `retry_after_ms` |
//! | `apishield::idempotency` | `outcome`; `error` when the store failed |
//! | `apishield::webhook` | `outcome`, `reason`, `profile`; `header` (`id`, `timestamp`, `signature`) for a header problem; `event_id` and `key_id` (the accepted secret's fingerprint) once the signature is verified; `error` when the replay store failed |
//! | `apishield::cors` | `outcome` (`refused`), `request`, `reason` |
//! | `apishield::request` | `outcome` (`refused`), `source`, `status`, `codes` (the distinct error codes, comma-separated), `errors` (how many), `route` (the matched route template, when known) |
//! | `apishield::body_limit` | `outcome` (`refused`), `extractor`, `limit` (bytes) |
//! | `apishield::https` | `outcome` (`refused`, `redirected`), `method` (a standard method's name, else `other`) |
//! | `apishield::access` | `outcome` (`denied`), `check`, `issuer`, `subject` (the authenticated principal's) |
//! | `apishield::tokens` | `outcome` (the refresh counter's); `family` (the refresh-token family's id) when a reuse or another client revoked it |
//!
//! Turn them on with any `tracing` subscriber: `RUST_LOG=apishield::auth=debug`
//! with `tracing-subscriber`'s `EnvFilter`, for instance. Without a
//! subscriber an event costs a check of the level.
//!
//! # Cost
//!
//! With the `metrics` feature and no recorder, the instructions per request
//! of the benchmarked stack (`benches/benches/http_stack.rs`: `SafeDefaults`,
//! authentication, a memory rate limit, `#[idempotent]`) grow by less than
//! the goal of 3 % (see the workspace README's "Metrics and traces"): the
//! counters of accepted requests have static keys, and no label is a
//! `String` built per request.

pub(crate) mod counter;

use std::fmt;

use self::counter::{count, count_with};

/// `apishield_auth_decisions_total`: one per request that reaches an
/// [`AuthenticationLayer`](crate::axum::AuthenticationLayer).
pub const AUTH_DECISIONS: &str = "apishield_auth_decisions_total";
/// `apishield_rate_limit_decisions_total`: one per request that reaches a
/// [`RateLimitLayer`](crate::axum::RateLimitLayer).
pub const RATE_LIMIT_DECISIONS: &str = "apishield_rate_limit_decisions_total";
/// `apishield_idempotency_decisions_total`: one per request to an
/// `#[idempotent]` handler.
pub const IDEMPOTENCY_DECISIONS: &str = "apishield_idempotency_decisions_total";
/// `apishield_webhook_verifications_total`: one per delivery a
/// [`WebhookVerifier`](crate::webhook::WebhookVerifier) reads.
pub const WEBHOOK_VERIFICATIONS: &str = "apishield_webhook_verifications_total";
/// `apishield_cors_refusals_total`: one per refused preflight, and per
/// request with an `Origin` that is not allowed.
pub const CORS_REFUSALS: &str = "apishield_cors_refusals_total";
/// `apishield_request_validation_failures_total`: one per distinct error
/// code of a refused request body or query string.
pub const REQUEST_VALIDATION_FAILURES: &str = "apishield_request_validation_failures_total";
/// `apishield_body_limit_refusals_total`: one per body refused for its size.
pub const BODY_LIMIT_REFUSALS: &str = "apishield_body_limit_refusals_total";
/// `apishield_https_refusals_total`: one per plain-HTTP request refused or
/// redirected.
pub const HTTPS_REFUSALS: &str = "apishield_https_refusals_total";
/// `apishield_access_denials_total`: one per failed owner, role or scope
/// check.
pub const ACCESS_DENIALS: &str = "apishield_access_denials_total";
/// `apishield_token_refreshes_total`: one per refresh-token exchange.
pub const TOKEN_REFRESHES: &str = "apishield_token_refreshes_total";

/// Every counter, with its description (what [`describe`] tells a recorder).
pub const COUNTERS: &[(&str, &str)] = &[
    (AUTH_DECISIONS, "Authentication decisions, by outcome, reason and credential scheme."),
    (RATE_LIMIT_DECISIONS, "Rate-limit decisions, by outcome and limiter."),
    (IDEMPOTENCY_DECISIONS, "Idempotency-Key decisions of #[idempotent] handlers, by outcome."),
    (WEBHOOK_VERIFICATIONS, "Webhook deliveries verified or refused, by outcome, reason and profile."),
    (CORS_REFUSALS, "CORS refusals: preflights refused, requests from origins not allowed."),
    (REQUEST_VALIDATION_FAILURES, "Refused request bodies and query strings, once per distinct error code."),
    (BODY_LIMIT_REFUSALS, "Request bodies refused for their size, by extractor."),
    (HTTPS_REFUSALS, "Plain-HTTP requests refused or redirected."),
    (ACCESS_DENIALS, "Owner, role and scope checks that denied access."),
    (TOKEN_REFRESHES, "Refresh-token exchanges, by outcome."),
];

/// Describes every counter of [`COUNTERS`] to the current recorder, so
/// that an exporter can show their help text (Prometheus's `# HELP`). Call
/// it once, after installing the recorder; without it the counters work
/// the same, undescribed.
#[cfg(feature = "metrics")]
pub fn describe() {
    metrics::with_recorder(|recorder| {
        for (name, description) in COUNTERS {
            recorder.describe_counter(
                metrics::KeyName::from_const_str(name),
                Some(metrics::Unit::Count),
                metrics::SharedString::const_str(description),
            );
        }
    });
}

// ---------------------------------------------------------------------------
// Authentication

/// How a request presented its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum Scheme {
    Bearer,
    ApiKey,
    #[cfg_attr(not(feature = "jwt"), allow(dead_code))]
    Cookie,
    /// An `Authorization` header that could not be read (two of them, not
    /// ASCII, malformed).
    Unknown,
    /// In the query string.
    Query,
    None,
}

impl Scheme {
    const fn as_str(self) -> &'static str {
        match self {
            Scheme::Bearer => "bearer",
            Scheme::ApiKey => "api_key",
            Scheme::Cookie => "cookie",
            Scheme::Unknown => "unknown",
            Scheme::Query => "query",
            Scheme::None => "none",
        }
    }
}

/// What authentication decided.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum Auth<'a> {
    Authenticated,
    Anonymous,
    /// 401, with a code from a fixed set.
    Refused(&'static str),
    /// 429 from the failed-attempt limit.
    Throttled {
        retry_after_secs: u64,
    },
    /// 503: `store_unavailable`, `revocation_unavailable`, `throttle_unavailable`.
    Unavailable(&'static str),
    /// 400: the parameter's name as it may be logged.
    CredentialInQuery {
        parameter: &'a str,
    },
    /// 400: a trusted proxy's forwarding header names no client.
    InvalidForwarded,
    /// 403: a cookie-authenticated unsafe request without CSRF proof.
    #[cfg_attr(not(feature = "jwt"), allow(dead_code))]
    Csrf(&'static str),
}

/// Reports an authentication decision.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn authentication(decision: Auth<'_>, scheme: Scheme) {
    let scheme_name = scheme.as_str();
    match decision {
        Auth::Authenticated => {
            tracing::debug!(target: "apishield::auth", outcome = "authenticated", reason = "valid", scheme = scheme_name, "authenticated");
            match scheme {
                Scheme::Bearer => {
                    count!(AUTH_DECISIONS, "outcome" => "authenticated", "reason" => "valid", "scheme" => "bearer")
                }
                Scheme::ApiKey => {
                    count!(AUTH_DECISIONS, "outcome" => "authenticated", "reason" => "valid", "scheme" => "api_key")
                }
                Scheme::Cookie => {
                    count!(AUTH_DECISIONS, "outcome" => "authenticated", "reason" => "valid", "scheme" => "cookie")
                }
                _ => {
                    count_with!(AUTH_DECISIONS, "outcome" => "authenticated", "reason" => "valid", "scheme" => scheme_name)
                }
            }
        }
        Auth::Anonymous => {
            tracing::trace!(target: "apishield::auth", outcome = "anonymous", reason = "no_credential", scheme = scheme_name, "no credential");
            count!(AUTH_DECISIONS, "outcome" => "anonymous", "reason" => "no_credential", "scheme" => "none");
        }
        Auth::Refused(reason) => {
            tracing::info!(target: "apishield::auth", outcome = "refused", reason, scheme = scheme_name, "authentication refused");
            count_with!(AUTH_DECISIONS, "outcome" => "refused", "reason" => reason, "scheme" => scheme_name);
        }
        Auth::Throttled { retry_after_secs } => {
            // Info, not warn: a client that keeps guessing would flood the logs.
            tracing::info!(
                target: "apishield::auth",
                outcome = "throttled",
                reason = "too_many_failures",
                scheme = scheme_name,
                retry_after_secs,
                "authentication throttled: too many refused credentials"
            );
            count_with!(AUTH_DECISIONS, "outcome" => "throttled", "reason" => "too_many_failures", "scheme" => scheme_name);
        }
        Auth::Unavailable(reason) => {
            tracing::warn!(target: "apishield::auth", outcome = "unavailable", reason, scheme = scheme_name, "authentication unavailable");
            count_with!(AUTH_DECISIONS, "outcome" => "unavailable", "reason" => reason, "scheme" => scheme_name);
        }
        Auth::CredentialInQuery { parameter } => {
            tracing::warn!(
                target: "apishield::auth",
                outcome = "refused",
                reason = "credential_in_query",
                scheme = "query",
                parameter,
                "credential in the query string refused"
            );
            count!(AUTH_DECISIONS, "outcome" => "refused", "reason" => "credential_in_query", "scheme" => "query");
        }
        Auth::InvalidForwarded => {
            tracing::warn!(
                target: "apishield::auth",
                outcome = "refused",
                reason = "invalid_forwarded_header",
                scheme = scheme_name,
                "authentication refused: a trusted proxy's forwarding header names no client"
            );
            count_with!(AUTH_DECISIONS, "outcome" => "refused", "reason" => "invalid_forwarded_header", "scheme" => scheme_name);
        }
        Auth::Csrf(csrf) => {
            tracing::warn!(
                target: "apishield::auth",
                outcome = "refused",
                reason = "csrf_check_failed",
                scheme = scheme_name,
                csrf,
                "cookie-authenticated request refused: no CSRF proof"
            );
            count_with!(AUTH_DECISIONS, "outcome" => "refused", "reason" => "csrf_check_failed", "scheme" => scheme_name);
        }
    }
}

// ---------------------------------------------------------------------------
// Rate limits

/// Which of a rate-limit layer's limiters decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum Limiter {
    Default,
    Role,
    Anonymous,
}

impl Limiter {
    const fn as_str(self) -> &'static str {
        match self {
            Limiter::Default => "default",
            Limiter::Role => "role",
            Limiter::Anonymous => "anonymous",
        }
    }
}

/// What a rate-limit layer decided.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum RateLimit<'a> {
    Decided(&'a crate::rate_limit::RateLimitDecision),
    /// A cost above the policy: 500.
    Misconfigured,
    /// A trusted proxy's forwarding header names no client: 400.
    InvalidForwarded,
}

/// Reports a rate-limit decision.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn rate_limit(decision: RateLimit<'_>, limiter: Limiter) {
    use crate::rate_limit::Outcome;
    let limiter_name = limiter.as_str();
    let decision = match decision {
        RateLimit::Decided(decision) => decision,
        RateLimit::Misconfigured => {
            tracing::error!(
                target: "apishield::rate_limit",
                outcome = "misconfigured",
                limiter = limiter_name,
                "rate limit misconfigured: the cost exceeds the policy"
            );
            count_with!(RATE_LIMIT_DECISIONS, "outcome" => "misconfigured", "limiter" => limiter_name);
            return;
        }
        RateLimit::InvalidForwarded => {
            tracing::warn!(
                target: "apishield::rate_limit",
                outcome = "invalid_forwarded_header",
                limiter = limiter_name,
                "rate limit: a trusted proxy's forwarding header names no client"
            );
            count_with!(RATE_LIMIT_DECISIONS, "outcome" => "invalid_forwarded_header", "limiter" => limiter_name);
            return;
        }
    };
    match decision.outcome() {
        Outcome::Allowed => {
            tracing::debug!(target: "apishield::rate_limit", outcome = "allowed", limiter = limiter_name, "within the rate limit");
            match limiter {
                Limiter::Default => count!(RATE_LIMIT_DECISIONS, "outcome" => "allowed", "limiter" => "default"),
                Limiter::Role => count!(RATE_LIMIT_DECISIONS, "outcome" => "allowed", "limiter" => "role"),
                Limiter::Anonymous => count!(RATE_LIMIT_DECISIONS, "outcome" => "allowed", "limiter" => "anonymous"),
            }
        }
        Outcome::Limited => {
            let refusing = decision.most_restrictive();
            tracing::info!(
                target: "apishield::rate_limit",
                outcome = "limited",
                limiter = limiter_name,
                window = refusing.map(|w| w.name()),
                retry_after_ms = refusing.and_then(|w| w.retry_after()).map(|d| d.as_millis() as u64),
                "rate limited"
            );
            count_with!(RATE_LIMIT_DECISIONS, "outcome" => "limited", "limiter" => limiter_name);
        }
        Outcome::Unavailable => {
            tracing::warn!(
                target: "apishield::rate_limit",
                outcome = "unavailable",
                limiter = limiter_name,
                "rate limit unavailable: request refused"
            );
            count_with!(RATE_LIMIT_DECISIONS, "outcome" => "unavailable", "limiter" => limiter_name);
        }
        Outcome::Unchecked => {
            tracing::debug!(
                target: "apishield::rate_limit",
                outcome = "unchecked",
                limiter = limiter_name,
                "rate limit unavailable: request served uncounted"
            );
            count_with!(RATE_LIMIT_DECISIONS, "outcome" => "unchecked", "limiter" => limiter_name);
        }
    }
}

// ---------------------------------------------------------------------------
// Idempotency

/// What the `#[idempotent]` flow (or the `IdempotencyKey` extractor) decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum Idempotency {
    Claimed,
    Replayed,
    InProgress,
    OutcomeUnknown,
    KeyReused,
    QuotaExceeded,
    Unavailable,
    KeyMissing,
    KeyMalformed,
}

/// Reports an idempotency decision; `cause`, the store's error when it failed.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn idempotency(decision: Idempotency, cause: Option<&dyn fmt::Display>) {
    macro_rules! refused {
        ($outcome:literal, $message:literal) => {{
            tracing::info!(target: "apishield::idempotency", outcome = $outcome, $message);
            count!(IDEMPOTENCY_DECISIONS, "outcome" => $outcome);
        }};
    }
    match decision {
        Idempotency::Claimed => {
            tracing::debug!(target: "apishield::idempotency", outcome = "claimed", "idempotency key claimed");
            count!(IDEMPOTENCY_DECISIONS, "outcome" => "claimed");
        }
        Idempotency::Replayed => {
            tracing::debug!(target: "apishield::idempotency", outcome = "replayed", "idempotent response replayed");
            count!(IDEMPOTENCY_DECISIONS, "outcome" => "replayed");
        }
        Idempotency::InProgress => {
            refused!("in_progress", "idempotent request refused: the key's request is in progress")
        }
        Idempotency::OutcomeUnknown => {
            refused!("outcome_unknown", "idempotent request refused: the key's earlier request was abandoned")
        }
        Idempotency::KeyReused => {
            refused!("key_reused", "idempotent request refused: the key was used for another request")
        }
        Idempotency::QuotaExceeded => refused!("quota_exceeded", "idempotent request refused: too many keys in flight"),
        Idempotency::KeyMissing => refused!("key_missing", "idempotent request refused: no Idempotency-Key"),
        Idempotency::KeyMalformed => refused!("key_malformed", "idempotent request refused: malformed Idempotency-Key"),
        Idempotency::Unavailable => {
            tracing::warn!(
                target: "apishield::idempotency",
                outcome = "unavailable",
                error = cause.map(tracing::field::display),
                "idempotent request refused: store unavailable"
            );
            count!(IDEMPOTENCY_DECISIONS, "outcome" => "unavailable");
        }
    }
}

// ---------------------------------------------------------------------------
// Webhooks

/// What a webhook verifier decided about a delivery.
#[derive(Clone, Copy)]
pub(crate) enum Webhook<'a> {
    Verified { event_id: &'a str, key_id: &'a dyn fmt::Display },
    Refused { error: &'a crate::webhook::WebhookError, event_id: Option<&'a str> },
}

/// Reports a webhook verification; `cause`, the replay store's error when it failed.
pub(crate) fn webhook(
    decision: Webhook<'_>,
    profile: crate::webhook::WebhookProfile,
    cause: Option<&dyn fmt::Display>,
) {
    use crate::webhook::{WebhookError, WebhookProfile};
    let profile_name = match profile {
        WebhookProfile::XWebhook => "x_webhook",
        WebhookProfile::StandardWebhooks => "standard_webhooks",
    };
    let (error, event_id) = match decision {
        Webhook::Verified { event_id, key_id } => {
            tracing::debug!(
                target: "apishield::webhook",
                outcome = "verified",
                reason = "ok",
                profile = profile_name,
                event_id,
                key_id = %key_id,
                "webhook delivery verified"
            );
            match profile {
                WebhookProfile::XWebhook => {
                    count!(WEBHOOK_VERIFICATIONS, "outcome" => "verified", "reason" => "ok", "profile" => "x_webhook")
                }
                WebhookProfile::StandardWebhooks => count!(
                    WEBHOOK_VERIFICATIONS, "outcome" => "verified", "reason" => "ok", "profile" => "standard_webhooks"
                ),
            }
            return;
        }
        Webhook::Refused { error, event_id } => (error, event_id),
    };
    let reason = error.code();
    let header = match error {
        WebhookError::MissingHeader(h) | WebhookError::MalformedHeader(h) => Some(h.as_str()),
        _ => None,
    };
    match error {
        WebhookError::Replayed => {
            tracing::info!(
                target: "apishield::webhook",
                outcome = "duplicate",
                reason,
                profile = profile_name,
                event_id,
                "webhook delivery is a duplicate"
            );
            count_with!(WEBHOOK_VERIFICATIONS, "outcome" => "duplicate", "reason" => reason, "profile" => profile_name);
        }
        WebhookError::StoreUnavailable => {
            tracing::warn!(
                target: "apishield::webhook",
                outcome = "unavailable",
                reason,
                profile = profile_name,
                error = cause.map(tracing::field::display),
                "webhook delivery refused: replay store unavailable"
            );
            count_with!(WEBHOOK_VERIFICATIONS, "outcome" => "unavailable", "reason" => reason, "profile" => profile_name);
        }
        _ => {
            tracing::warn!(
                target: "apishield::webhook",
                outcome = "refused",
                reason,
                profile = profile_name,
                header,
                "webhook delivery refused"
            );
            count_with!(WEBHOOK_VERIFICATIONS, "outcome" => "refused", "reason" => reason, "profile" => profile_name);
        }
    }
}

// ---------------------------------------------------------------------------
// CORS

/// Which kind of request a CORS policy refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum CorsRequest {
    Preflight,
    Simple,
}

/// Reports a CORS refusal; `reason` is `origin`, `method` or `header`.
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn cors_refusal(request: CorsRequest, reason: &'static str) {
    match request {
        CorsRequest::Preflight => {
            tracing::debug!(target: "apishield::cors", outcome = "refused", request = "preflight", reason, "CORS preflight refused");
            count_with!(CORS_REFUSALS, "request" => "preflight", "reason" => reason);
        }
        CorsRequest::Simple => {
            tracing::debug!(
                target: "apishield::cors",
                outcome = "refused",
                request = "simple",
                reason,
                "request from an origin CORS does not allow: served without CORS headers"
            );
            count_with!(CORS_REFUSALS, "request" => "simple", "reason" => reason);
        }
    }
}

// ---------------------------------------------------------------------------
// Request validation

/// Which extractor refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum Source {
    Json,
    Query,
}

/// Reports a refused request body or query string: its error codes, never
/// its values or field paths (a path holds the client's map keys).
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn validation_failure(
    source: Source,
    error: &crate::request::RequestError,
    status: u16,
    route: Option<&str>,
) {
    let source_name = match source {
        Source::Json => "json",
        Source::Query => "query",
    };
    // The distinct codes, in order of first appearance: at most one
    // increment per code, so a list of a thousand bad items is one.
    let mut seen = 0u64;
    let mut distinct = Vec::new();
    for field in error.errors() {
        let code = field.code();
        let bit = 1u64 << (code as u32 % 64);
        if seen & bit == 0 {
            seen |= bit;
            distinct.push(code.as_str());
        }
    }
    tracing::debug!(
        target: "apishield::request",
        outcome = "refused",
        source = source_name,
        status,
        codes = %Joined(&distinct),
        errors = error.errors().len(),
        route,
        "request refused: validation failed"
    );
    for code in distinct {
        count_with!(REQUEST_VALIDATION_FAILURES, "source" => source_name, "code" => code);
    }
}

/// Codes, comma-separated.
struct Joined<'a>(&'a [&'static str]);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, code) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(code)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Body limit

/// Which extractor refused a body for its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) enum BodyExtractor {
    Json,
    Webhook,
    Idempotency,
}

/// Reports a body refused for its size (or unreadable).
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) fn body_limit(extractor: BodyExtractor, limit: usize) {
    let name = match extractor {
        BodyExtractor::Json => "json",
        BodyExtractor::Webhook => "webhook",
        BodyExtractor::Idempotency => "idempotency",
    };
    tracing::info!(
        target: "apishield::body_limit",
        outcome = "refused",
        extractor = name,
        limit,
        "request body refused: over the limit or unreadable"
    );
    count_with!(BODY_LIMIT_REFUSALS, "extractor" => name);
}

// ---------------------------------------------------------------------------
// HTTPS

/// Reports a plain-HTTP request refused (403) or redirected (308).
#[cfg(feature = "axum")]
pub(crate) fn https_refusal(redirected: bool, method: &http::Method) {
    let method = method_name(method);
    if redirected {
        tracing::info!(target: "apishield::https", outcome = "redirected", method, "plain-HTTP request redirected");
        count!(HTTPS_REFUSALS, "action" => "redirected");
    } else {
        tracing::info!(target: "apishield::https", outcome = "refused", method, "plain-HTTP request refused");
        count!(HTTPS_REFUSALS, "action" => "refused");
    }
}

/// A standard method's name, else `other`: an extension method is the
/// client's text.
#[cfg(feature = "axum")]
fn method_name(method: &http::Method) -> &'static str {
    use http::Method;
    for standard in [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ] {
        if *method == standard {
            return match standard {
                Method::GET => "GET",
                Method::HEAD => "HEAD",
                Method::POST => "POST",
                Method::PUT => "PUT",
                Method::DELETE => "DELETE",
                Method::PATCH => "PATCH",
                Method::OPTIONS => "OPTIONS",
                Method::CONNECT => "CONNECT",
                _ => "TRACE",
            };
        }
    }
    "other"
}

// ---------------------------------------------------------------------------
// Access checks

/// Which check denied access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    Owner,
    Role,
    Scope,
}

/// Reports a denied owner, role or scope check by `principal`.
#[cold]
pub(crate) fn access_denied(check: Check, principal: &crate::auth::Principal) {
    let check_name = match check {
        Check::Owner => "owner",
        Check::Role => "role",
        Check::Scope => "scope",
    };
    tracing::info!(
        target: "apishield::access",
        outcome = "denied",
        check = check_name,
        issuer = principal.issuer(),
        subject = principal.subject(),
        "access denied"
    );
    count_with!(ACCESS_DENIALS, "check" => check_name);
}

// ---------------------------------------------------------------------------
// Token lifecycle

/// Reports a refresh-token exchange: `Ok` rotated, else the error's code;
/// `family` when a reuse or another client revoked the family.
#[cfg(feature = "jwt")]
pub(crate) fn token_refresh(
    result: Result<(), &crate::auth::token::TokenError>,
    family: Option<&crate::auth::token::FamilyId>,
) {
    use crate::auth::token::TokenError;
    match result {
        Ok(()) => {
            tracing::debug!(target: "apishield::tokens", outcome = "rotated", "refresh token rotated");
            count!(TOKEN_REFRESHES, "outcome" => "rotated");
        }
        Err(error @ (TokenError::Reused | TokenError::WrongClient)) => {
            let outcome = error.code();
            tracing::warn!(
                target: "apishield::tokens",
                outcome,
                family = family.map(tracing::field::display),
                "refresh token refused: its family is revoked"
            );
            count_with!(TOKEN_REFRESHES, "outcome" => outcome);
        }
        Err(error) => {
            let outcome = error.code();
            tracing::info!(target: "apishield::tokens", outcome, "refresh token refused");
            count_with!(TOKEN_REFRESHES, "outcome" => outcome);
        }
    }
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

    use super::*;
    use crate::webhook::{WebhookError, WebhookHeader, WebhookProfile};

    /// Counters by `name{k=v,...}`, labels in the order given.
    #[derive(Default)]
    struct Counters(Mutex<BTreeMap<String, Arc<AtomicU64>>>);

    impl Counters {
        fn values(&self) -> BTreeMap<String, u64> {
            let counters = self.0.lock().unwrap_or_else(|e| e.into_inner());
            counters.iter().map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed))).collect()
        }
    }

    impl Recorder for Counters {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
            let name = format!("{}{{{}}}", key.name(), labels.join(","));
            Counter::from_arc(Arc::clone(self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(name).or_default()))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    fn counted(report: impl FnOnce()) -> BTreeMap<String, u64> {
        let counters = Counters::default();
        metrics::with_local_recorder(&counters, report);
        counters.values()
    }

    fn one(name: &str) -> BTreeMap<String, u64> {
        BTreeMap::from([(name.to_owned(), 1)])
    }

    #[test]
    fn static_and_run_time_labels_make_the_same_series() {
        // `authenticated` over a bearer token counts through a static key,
        // over an unknown scheme through run-time labels: one shape.
        assert_eq!(
            counted(|| authentication(Auth::Authenticated, Scheme::Bearer)),
            one("apishield_auth_decisions_total{outcome=authenticated,reason=valid,scheme=bearer}")
        );
        assert_eq!(
            counted(|| authentication(Auth::Authenticated, Scheme::Unknown)),
            one("apishield_auth_decisions_total{outcome=authenticated,reason=valid,scheme=unknown}")
        );
        assert_eq!(
            counted(|| authentication(Auth::Throttled { retry_after_secs: 7 }, Scheme::ApiKey)),
            one("apishield_auth_decisions_total{outcome=throttled,reason=too_many_failures,scheme=api_key}")
        );
        assert_eq!(
            counted(|| authentication(Auth::Unavailable("throttle_unavailable"), Scheme::Cookie)),
            one("apishield_auth_decisions_total{outcome=unavailable,reason=throttle_unavailable,scheme=cookie}")
        );
        assert_eq!(
            counted(|| authentication(Auth::Csrf("csrf_cross_site"), Scheme::Cookie)),
            one("apishield_auth_decisions_total{outcome=refused,reason=csrf_check_failed,scheme=cookie}")
        );
    }

    #[test]
    fn every_kind_counts_under_its_documented_name() {
        assert_eq!(
            counted(|| rate_limit(RateLimit::Misconfigured, Limiter::Role)),
            one("apishield_rate_limit_decisions_total{outcome=misconfigured,limiter=role}")
        );
        assert_eq!(
            counted(|| idempotency(Idempotency::Unavailable, Some(&"connection refused"))),
            one("apishield_idempotency_decisions_total{outcome=unavailable}")
        );
        let header = WebhookError::MissingHeader(WebhookHeader::Signature);
        assert_eq!(
            counted(|| webhook(
                Webhook::Refused { error: &header, event_id: None },
                WebhookProfile::StandardWebhooks,
                None
            )),
            one(
                "apishield_webhook_verifications_total{outcome=refused,reason=missing_header,profile=standard_webhooks}"
            )
        );
        assert_eq!(
            counted(|| webhook(
                Webhook::Refused { error: &WebhookError::StoreUnavailable, event_id: None },
                WebhookProfile::XWebhook,
                Some(&"redis down")
            )),
            one(
                "apishield_webhook_verifications_total{outcome=unavailable,reason=store_unavailable,profile=x_webhook}"
            )
        );
        assert_eq!(
            counted(|| body_limit(BodyExtractor::Idempotency, 1024)),
            one("apishield_body_limit_refusals_total{extractor=idempotency}")
        );
        let principal = crate::Principal::new("user-1");
        assert_eq!(
            counted(|| {
                let _ = principal.require_owner("user-2");
            }),
            one("apishield_access_denials_total{check=owner}")
        );
        let names: Vec<&str> = COUNTERS.iter().map(|(name, _)| *name).collect();
        assert!(names.iter().all(|n| n.starts_with("apishield_") && n.ends_with("_total")));
    }

    #[cfg(feature = "axum")]
    #[test]
    fn https_refusals_name_standard_methods_only() {
        assert_eq!(
            counted(|| https_refusal(false, &http::Method::POST)),
            one("apishield_https_refusals_total{action=refused}")
        );
        assert_eq!(method_name(&http::Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_name(&http::Method::PATCH), "PATCH");
    }

    #[cfg(feature = "jwt")]
    #[test]
    fn refresh_outcomes_are_token_error_codes() {
        use crate::auth::token::TokenError;
        assert_eq!(counted(|| token_refresh(Ok(()), None)), one("apishield_token_refreshes_total{outcome=rotated}"));
        assert_eq!(
            counted(|| token_refresh(Err(&TokenError::Reused), None)),
            one("apishield_token_refreshes_total{outcome=reused}")
        );
    }

    #[test]
    fn a_refused_request_counts_each_distinct_code_once() {
        use crate::request::{ErrorCode, FieldError, FieldPath, RequestError};
        let error = RequestError::new(vec![
            FieldError::new(FieldPath::root(), ErrorCode::TooLong, "too long"),
            FieldError::new(FieldPath::root(), ErrorCode::UnknownField, "unknown"),
            FieldError::new(FieldPath::root(), ErrorCode::TooLong, "too long"),
        ]);
        let counts = counted(|| validation_failure(Source::Json, &error, 422, Some("/users")));
        assert_eq!(
            counts,
            BTreeMap::from([
                ("apishield_request_validation_failures_total{source=json,code=too_long}".to_owned(), 1),
                ("apishield_request_validation_failures_total{source=json,code=unknown_field}".to_owned(), 1),
            ])
        );
    }
}
