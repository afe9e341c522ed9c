//! Authentication and Authorization.

use super::{Cx, distinct, list, routes};
use crate::audit::checklist::{Finding, Item, Status};
use crate::audit::rules::Rule;
use crate::audit::view;
use crate::routing::RouteEntry;

pub(super) fn authentication(cx: &Cx<'_>) -> Vec<Finding> {
    vec![all_endpoints(cx), api_keys_in_headers(cx), jwt(cx), pkce(), token_rotation()]
}

pub(super) fn authorization(cx: &Cx<'_>) -> Vec<Finding> {
    vec![ownership(cx), roles(cx), mass_assignment(cx), response_filtering(cx)]
}

fn all_endpoints(cx: &Cx<'_>) -> Finding {
    let rule = Rule::AuthenticationLayer;
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.handlers(),
        |e| rule.fault(e).is_some(),
        "add `.layer(AuthenticationLayer::new()..)` to the Routes after these routes (a layer wraps the routes added \
         before it)",
    );
    let callers = cx.handlers().filter(|e| view::needs_caller(e)).count();
    let signed = cx.handlers().filter(|e| !view::public(e) && !view::needs_caller(e)).count();
    let public: Vec<String> = cx.handlers().filter(|e| view::public(e)).map(view::name).collect();
    let plain: Vec<String> = cx.all().filter(|e| view::unchecked(e)).map(view::name).collect();
    let mut evidence = format!(
        "compile time: routing::get, post, .. refuse a handler neither authenticated nor #[public]. run time: {} \
         need a caller, {} behind Authentication (401 without one); {} authenticated by a webhook signature; \
         #[public]: {}",
        routes(callers),
        callers - scan.at_fault.len().min(callers),
        signed,
        list(&public),
    );
    if !plain.is_empty() {
        evidence.push_str(&format!("; plain axum routers, public and not checked: {}", list(&plain)));
    }
    Finding::from_routes(Item::AllEndpointsAuthenticated, concerned, scan, evidence)
}

/// A raw query string read where no `Authentication` layer refuses the
/// credentials in it.
fn raw_query_outside_authentication(e: &RouteEntry) -> bool {
    view::authentications(e).is_empty()
        && e.facts.inputs.iter().any(|i| i.source == crate::routing::InputSource::Query && !i.bounded)
}

fn api_keys_in_headers(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = cx.scan(
        None,
        cx.handlers(),
        raw_query_outside_authentication,
        "put the route behind Authentication (it refuses credentials in query strings), or read the query as \
         SecureQuery<T>",
    );
    let guarded = cx.all().filter(|e| !view::authentications(e).is_empty()).count();
    let keys = if cx.all().any(view::api_keys) { "accepted" } else { "not accepted by any layer" };
    let evidence = format!(
        "run time: Authentication reads API keys only from `Authorization: ApiKey ..` and answers 400 \
         credential_in_query to a credential in the query string, on {guarded} of {}; API keys: {keys}. compile \
         time: #[secure_request(query)] refuses credential field names",
        routes(cx.entries.len()),
    );
    Finding::from_routes(Item::ApiKeysInHeaders, concerned, scan, evidence)
}

fn jwt(cx: &Cx<'_>) -> Finding {
    let rule = Rule::JwtAsymmetricShortLived;
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.all().filter(|e| rule.concerns(e)),
        |e| rule.fault(e).is_some(),
        "validate with an asymmetric key (RS256, ES256, EdDSA) and `.max_lifetime(..)` of 15 minutes or less",
    );
    let settings = distinct(cx.all().flat_map(view::authentications).flatten());
    if settings.is_empty() {
        return Finding::new(
            Item::JwtAsymmetricShortExpiry,
            Status::NotApplicable,
            "no Authentication layer accepts JWTs",
        );
    }
    let described: Vec<String> = settings
        .iter()
        .map(|jwt| {
            format!("{}: {}, at most {} s", jwt.issuers.join(" "), jwt.algorithms.join(" "), jwt.max_lifetime_secs)
        })
        .collect();
    let evidence = format!(
        "run time: algorithms from the configuration, never from the token; `none` never validates; lifetimes \
         over the maximum refused. {}",
        described.join("; ")
    );
    Finding::from_routes(Item::JwtAsymmetricShortExpiry, concerned, scan, evidence)
}

fn pkce() -> Finding {
    Finding::new(
        Item::OauthPkce,
        Status::OutOfScope,
        "a resource server validates tokens; PKCE is between a public client and the authorization server. \
         apishield::auth::pkce has the S256 verifier and challenge for clients",
    )
}

fn token_rotation() -> Finding {
    Finding::new(
        Item::TokenRotation,
        Status::Partial,
        "API keys: ApiKeyIssuer::rotate (a successor and a grace period; each key rotated once). JWT keys: `kid` \
         picks the key from a JWK set. Webhook secrets: several verified at once. Refresh tokens: \
         auth::token::TokenService rotates them on every use and revokes the family on reuse; whether the token \
         endpoint uses it is not visible here",
    )
    .fix("mint and refresh tokens through apishield::auth::token::TokenService")
}

fn ownership(cx: &Cx<'_>) -> Finding {
    let rule = Rule::OwnerChecked;
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.handlers().filter(|e| rule.concerns(e)),
        |e| rule.fault(e).is_some(),
        "review each: add #[owned_by(<param>)] to the handler or answer Authorized<T> if the parameter names \
         someone's data",
    );
    let owner_checked = cx.handlers().filter(|e| e.facts.owner_checked).count();
    let authorized = cx.handlers().filter(|e| view::answers_authorized(e)).count();
    let owned = cx.types.iter().filter(|t| t.owned_by.is_some()).count();
    let evidence = format!(
        "run time: #[owned_by] handlers check the path parameter before their code (403): {owner_checked}; \
         handlers answering Authorized<T>: {authorized}. compile time: #[owned_by] types, which leave the server \
         only as Authorized<T>: {owned}. Routes with a path parameter that need a caller and no role: {}",
        concerned + scan.exempt.len(),
    );
    Finding::from_routes(Item::OwnershipChecks, concerned, scan, evidence)
}

fn roles(cx: &Cx<'_>) -> Finding {
    let rule = Rule::RolesUnder("/admin".to_owned());
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.all().filter(|e| view::mentions(e, "admin")),
        |e| e.facts.roles.is_empty(),
        "add #[requires_role(\"admin\")] (or the role it needs) to the handler",
    );
    let guarded: Vec<String> = cx
        .handlers()
        .filter(|e| !e.facts.roles.is_empty())
        .map(|e| format!("{} ({})", view::name(e), e.facts.roles.join("|")))
        .collect();
    let evidence = format!(
        "run time: #[requires_role] answers 403 before the body is read. {} with `admin` in the path; roles \
         required on: {}",
        routes(concerned + scan.exempt.len()),
        list(&guarded)
    );
    Finding::from_routes(Item::RoleChecks, concerned, scan, evidence)
}

/// The routes reading a body or query string, at fault when unbounded.
fn inputs(cx: &Cx<'_>, fix: &str) -> (usize, super::Scan) {
    let rule = Rule::InputsBounded;
    cx.scan(Some(&rule), cx.handlers().filter(|e| rule.concerns(e)), |e| rule.fault(e).is_some(), fix)
}

pub(super) const READ_SECURE: &str =
    "read a #[secure_request] type: SecureJson<T> for a body, SecureQuery<T> for a query string";

fn mass_assignment(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = inputs(cx, READ_SECURE);
    // From the registry: a body an `#[idempotent]` handler reads is not in its route's facts.
    let settable: Vec<String> = cx
        .types
        .iter()
        .flat_map(|t| {
            t.fields
                .iter()
                .filter(|(_, rules)| rules.split(", ").any(|r| r == "client_settable"))
                .map(move |(field, _)| format!("{}.{field}", t.name))
        })
        .collect();
    let evidence = format!(
        "run time: #[secure_request] types refuse unknown fields; compile time: they refuse privileged names unless \
         `one_of` or `client_settable` (deliberately client-settable: {}). {}",
        list(&settable),
        super::inputs_read(cx),
    );
    Finding::from_routes(Item::MassAssignment, concerned, scan, evidence)
}

fn response_filtering(cx: &Cx<'_>) -> Finding {
    let rule = Rule::ResponsesFiltered;
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.handlers().filter(|e| rule.concerns(e)),
        |e| rule.fault(e).is_some(),
        "answer SecureJson<T> of a #[secure_response] type, or Authorized<T>",
    );
    let other = cx.handlers().filter(|e| !view::answers_json(e)).count();
    let evidence = format!(
        "compile time: a #[secure_response] type sends only its listed fields and refuses secret-named ones. {} of \
         {} answering JSON answer such types; {} answer no JSON the audit can see",
        concerned - scan.at_fault.len(),
        routes(concerned),
        routes(other),
    );
    Finding::from_routes(Item::ResponseFiltering, concerned, scan, evidence)
}
