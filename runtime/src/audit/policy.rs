//! A team's rules over an [`Audit`], as a failing test.

use std::fmt;

use super::rules::Rule;
use super::{Audit, view};
use crate::routing::RouteEntry;

/// A team's rules, checked route by route against an [`Audit`]:
///
/// ```
/// use apishield::audit::{Audit, Policy, assert_policy};
/// # use apishield::prelude::*;
/// # use apishield::routing::{Routes, get};
/// # #[public] async fn health() -> &'static str { "ok" }
/// # let routes: Routes = Routes::new().route("/health", get(health));
///
/// let policy = Policy::new()
///     .mutations_idempotent()
///     .exempt("POST", "/login")           // deliberately not idempotent
///     .no_public_under("/admin")
///     .roles_under("/admin");
/// assert_policy(&Audit::of(&routes), &policy);
/// ```
///
/// [`Policy::recommended`] is every rule the checklist can decide from the
/// routes. An exemption names the rule it is from: a login exempt from
/// idempotency is still rate limited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a policy checks nothing until it is given to `check` or `assert_policy`"]
pub struct Policy {
    rules: Vec<Rule>,
    exemptions: Vec<(&'static str, String, String)>,
}

/// A route that breaks a rule of a [`Policy`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The rule's name (`mutations_idempotent`).
    pub rule: &'static str,
    /// The route's method.
    pub method: String,
    /// The route's path.
    pub path: String,
    /// What is wrong.
    pub problem: String,
    /// How to put it right.
    pub fix: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {} (rule: {}; fix: {})", self.method, self.path, self.problem, self.rule, self.fix)
    }
}

impl Policy {
    /// No rules.
    pub fn new() -> Policy {
        Policy::default()
    }

    /// Every rule the checklist can decide from the routes, with `/admin` as
    /// the privileged prefix: an `Authentication` layer for every route that
    /// needs a caller, no public route and a role for every route under
    /// `/admin`, owner checks, asymmetric short-lived JWTs, bounded inputs,
    /// filtered responses, rate limits, idempotent mutations, verified
    /// webhooks, HTTPS and the safe defaults.
    pub fn recommended() -> Policy {
        Policy::new()
            .authentication_layer()
            .no_public_under("/admin")
            .roles_under("/admin")
            .owner_checked()
            .jwt_asymmetric_short_lived()
            .inputs_bounded()
            .responses_filtered()
            .rate_limited()
            .mutations_idempotent()
            .webhooks_verified()
            .https()
            .safe_defaults()
    }

    /// Adds `rule` (once).
    pub fn rule(mut self, rule: Rule) -> Policy {
        if !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
        self
    }

    /// [`Rule::AuthenticationLayer`].
    pub fn authentication_layer(self) -> Policy {
        self.rule(Rule::AuthenticationLayer)
    }

    /// [`Rule::NoPublicUnder`] `prefix`.
    pub fn no_public_under(self, prefix: &str) -> Policy {
        self.rule(Rule::NoPublicUnder(prefix.to_owned()))
    }

    /// [`Rule::RolesUnder`] `prefix`.
    pub fn roles_under(self, prefix: &str) -> Policy {
        self.rule(Rule::RolesUnder(prefix.to_owned()))
    }

    /// [`Rule::OwnerChecked`].
    pub fn owner_checked(self) -> Policy {
        self.rule(Rule::OwnerChecked)
    }

    /// [`Rule::JwtAsymmetricShortLived`].
    pub fn jwt_asymmetric_short_lived(self) -> Policy {
        self.rule(Rule::JwtAsymmetricShortLived)
    }

    /// [`Rule::InputsBounded`].
    pub fn inputs_bounded(self) -> Policy {
        self.rule(Rule::InputsBounded)
    }

    /// [`Rule::ResponsesFiltered`].
    pub fn responses_filtered(self) -> Policy {
        self.rule(Rule::ResponsesFiltered)
    }

    /// [`Rule::RateLimited`].
    pub fn rate_limited(self) -> Policy {
        self.rule(Rule::RateLimited)
    }

    /// [`Rule::MutationsIdempotent`].
    pub fn mutations_idempotent(self) -> Policy {
        self.rule(Rule::MutationsIdempotent)
    }

    /// [`Rule::WebhooksVerified`].
    pub fn webhooks_verified(self) -> Policy {
        self.rule(Rule::WebhooksVerified)
    }

    /// [`Rule::Https`].
    pub fn https(self) -> Policy {
        self.rule(Rule::Https)
    }

    /// [`Rule::SafeDefaults`].
    pub fn safe_defaults(self) -> Policy {
        self.rule(Rule::SafeDefaults)
    }

    /// Exempts a mutation that is deliberately not idempotent (a login, a
    /// search sent as `POST`) from [`Rule::MutationsIdempotent`].
    pub fn exempt(self, method: &str, path: &str) -> Policy {
        self.exempt_from(Rule::MutationsIdempotent, method, path)
    }

    /// Exempts the route `method path` (as registered: `/orders/{id}`) from
    /// `rule` only; a `NoPublicUnder` or `RolesUnder` exemption holds whatever
    /// the prefix.
    pub fn exempt_from(mut self, rule: Rule, method: &str, path: &str) -> Policy {
        self.exemptions.push((rule.key(), method.to_ascii_uppercase(), path.to_owned()));
        self
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Whether the policy exempts the route from the rule named `key`.
    pub(crate) fn exempts(&self, key: &str, e: &RouteEntry) -> bool {
        self.exemptions.iter().any(|(rule, method, path)| *rule == key && *method == e.method && *path == e.path)
    }

    /// Every route that breaks a rule, rule by rule in the policy's order,
    /// routes in the audit's order.
    pub fn check(&self, audit: &Audit) -> Vec<Violation> {
        let mut violations = Vec::new();
        for rule in &self.rules {
            for e in audit.entries().iter().filter(|e| !view::unchecked(e) || rule_covers_unchecked(rule)) {
                if self.exempts(rule.key(), e) {
                    continue;
                }
                if let Some(problem) = rule.fault(e) {
                    violations.push(Violation {
                        rule: rule.key(),
                        method: e.method.clone(),
                        path: e.path.clone(),
                        problem,
                        fix: rule.fix(e),
                    });
                }
            }
        }
        violations
    }
}

/// The routes apishield did not see one by one (a plain axum router, the
/// fallback) are still served, so the rules about what is around a route
/// (layers, prefixes) hold for them; rules about a handler do not apply.
fn rule_covers_unchecked(rule: &Rule) -> bool {
    matches!(rule, Rule::NoPublicUnder(_) | Rule::RolesUnder(_) | Rule::RateLimited | Rule::Https | Rule::SafeDefaults)
}

/// Panics, one line per violation, if the audited routes break `policy`:
/// what makes a `cargo test` fail when a route does.
///
/// ```text
/// POST /orders: a mutation that is not #[idempotent] (rule: mutations_idempotent; fix: add #[idempotent] or .exempt("POST", "/orders"))
/// ```
#[track_caller]
pub fn assert_policy(audit: &Audit, policy: &Policy) {
    let violations = policy.check(audit);
    if !violations.is_empty() {
        let lines: Vec<String> = violations.iter().map(ToString::to_string).collect();
        panic!("{} route(s) break the policy:\n{}", violations.len(), lines.join("\n"));
    }
}
