//! The checklist's decisions on recorded facts made by hand, for what the
//! integration tests cannot build yet (the HTTPS layer) or only slowly.

use super::{Audit, Item, Status};
use crate::routing::{Enforcement, JwtFacts, LayerFact, RouteEntry, RouteFacts};

fn entry<Output>(method: &str, path: &str, layers: Vec<Enforcement>) -> RouteEntry {
    let mut facts = RouteFacts::new::<fn(), Output>(Some(true));
    facts.layers = layers.into_iter().map(|e| LayerFact { type_name: "L", enforces: Some(e) }).collect();
    RouteEntry { method: method.to_owned(), path: path.to_owned(), facts }
}

fn authentication(algorithms: &[&'static str], max_lifetime_secs: u64) -> Enforcement {
    Enforcement::Authentication {
        jwt: Some(JwtFacts {
            issuers: vec!["https://id".to_owned()],
            algorithms: algorithms.to_vec(),
            max_lifetime_secs,
        }),
        api_keys: false,
        failed_attempts_limited: true,
    }
}

fn https() -> Enforcement {
    Enforcement::Https { plain_http: "redirect" }
}

fn status(entries: Vec<RouteEntry>, item: Item) -> (Status, Vec<String>) {
    let audit = Audit::from_entries(entries);
    let finding = audit.finding(item);
    (finding.status, finding.at_fault.clone())
}

#[test]
fn https_from_the_https_layer() {
    let (s, faults) = status(
        vec![entry::<String>("GET", "/a", vec![https()]), entry::<String>("GET", "/b", vec![https()])],
        Item::Https,
    );
    assert_eq!((s, faults.len()), (Status::Enforced, 0));
    let audit =
        Audit::from_entries(vec![entry::<String>("GET", "/a", vec![https()]), entry::<String>("GET", "/b", vec![])]);
    let finding = audit.finding(Item::Https);
    assert_eq!((finding.status, finding.at_fault.as_slice()), (Status::Partial, ["GET /b".to_owned()].as_slice()));
    assert!(finding.evidence.contains("plain HTTP redirected on 1 of 2 routes"), "{}", finding.evidence);
}

#[test]
fn jwt_settings_asymmetric_and_short() {
    let good = entry::<String>("GET", "/a", vec![authentication(&["EdDSA", "RS256"], 900)]);
    assert_eq!(status(vec![good], Item::JwtAsymmetricShortExpiry).0, Status::Enforced);
    let long = entry::<String>("GET", "/a", vec![authentication(&["RS256"], 901)]);
    let symmetric = entry::<String>("GET", "/b", vec![authentication(&["HS256"], 300)]);
    let fine = entry::<String>("GET", "/c", vec![authentication(&["ES256"], 300)]);
    assert_eq!(
        status(vec![long, symmetric, fine], Item::JwtAsymmetricShortExpiry),
        (Status::Partial, vec!["GET /a".to_owned(), "GET /b".to_owned()])
    );
    assert_eq!(
        status(vec![entry::<String>("GET", "/a", vec![])], Item::JwtAsymmetricShortExpiry).0,
        Status::NotApplicable
    );
}

#[test]
fn generic_errors_partial_for_a_handler_error_of_its_own() {
    let own = entry::<Result<String, String>>("GET", "/a", vec![]);
    let apishield = entry::<Result<String, crate::axum::ApiError>>("GET", "/b", vec![]);
    let status_code = entry::<Result<String, axum::http::StatusCode>>("GET", "/c", vec![]);
    assert_eq!(status(vec![apishield, status_code], Item::GenericErrors).0, Status::Enforced);
    let own_only = status(vec![own], Item::GenericErrors);
    assert_eq!(own_only, (Status::Partial, vec!["GET /a".to_owned()]), "never Missing: the bodies are not visible");
}

#[test]
fn put_and_delete_without_a_key_are_partial() {
    let put = entry::<String>("PUT", "/a", vec![]);
    let (s, faults) = status(vec![put], Item::IdempotencyKeys);
    assert_eq!((s, faults), (Status::Partial, vec!["PUT /a".to_owned()]));
    assert_eq!(status(vec![entry::<String>("GET", "/a", vec![])], Item::IdempotencyKeys).0, Status::NotApplicable);
}

#[test]
fn authenticated_routes_need_an_authentication_layer() {
    let bare = entry::<String>("GET", "/me", vec![]);
    let (s, faults) = status(vec![bare], Item::AllEndpointsAuthenticated);
    assert_eq!((s, faults), (Status::Missing, vec!["GET /me".to_owned()]));
}

#[test]
fn what_the_routes_cannot_show() {
    let audit = Audit::from_entries(Vec::new());
    for item in [Item::OauthPkce, Item::ParameterizedQueries, Item::DependencyScanning] {
        assert_eq!(audit.finding(item).status, Status::OutOfScope, "{item:?}");
    }
    assert_eq!(audit.finding(Item::TokenRotation).status, Status::Partial);
    assert_eq!(audit.finding(Item::WebhookSignatures).status, Status::NotApplicable);
    assert_eq!(audit.checklist().len(), Item::ALL.len());
    assert!(audit.checklist().iter().zip(Item::ALL).all(|(f, i)| f.item == *i), "in the checklist's order");
}
