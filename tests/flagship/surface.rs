//! Every route of the service, asked by every kind of caller: what leaves
//! the server. No answer holds a field named like a secret (the macros'
//! own list) or a credential; every answer, errors included, carries the
//! security headers, the request id and the CORS headers of an allowed
//! origin (and none for another origin); every error is problem+json with
//! no internals and no echo of the rejected value.

use apishield_internals::lists::is_builtin_secret;
use apishield_internals::names::normalize;
use serde_json::Value;

use crate::both_stores;
use crate::e2e::{create_order, issue_key, keys};
use crate::support::{ALLOWED_ORIGIN, Env, OTHER_ORIGIN, Reply, api_key, bearer, route_entries};

/// The headers every answer carries.
fn assert_security_headers(what: &str, reply: &Reply) {
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(reply.header("content-security-policy").is_some_and(|v| v.contains("default-src 'none'")), "{what}");
    assert!(reply.header("cache-control").is_some_and(|v| v.contains("no-store")), "{what}");
    assert!(reply.header("referrer-policy").is_some(), "{what}");
    assert!(reply.header("x-request-id").is_some_and(|v| v.len() == 36), "{what}");
    assert!(reply.header("server").is_none() && reply.header("x-powered-by").is_none(), "{what}");
    // Plain HTTP (loopback, development): no HSTS on it.
    assert!(reply.header("strict-transport-security").is_none(), "{what}");
}

/// What an error body may say: problem+json, a generic title, a code, the
/// request id, field errors; nothing of the server's insides.
fn assert_problem(what: &str, reply: &Reply) {
    assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{what}: {}", reply.body);
    let body = reply.json();
    let object = body.as_object().unwrap_or_else(|| panic!("{what}: {}", reply.body));
    for key in object.keys() {
        assert!(
            ["type", "title", "status", "code", "request_id", "errors"].contains(&key.as_str()),
            "{what}: unexpected member {key}: {}",
            reply.body
        );
    }
    assert_eq!(body["status"].as_u64(), Some(u64::from(reply.status)), "{what}");
    assert_eq!(body["request_id"].as_str(), reply.header("x-request-id"), "{what}");
    let lower = reply.body.to_lowercase();
    for internal in ["redis", "panick", "src/", ".rs:", "thread", "backtrace", "error(", "serde", "tokio"] {
        assert!(!lower.contains(internal), "{what}: the error tells `{internal}`: {}", reply.body);
    }
}

/// No field named like a secret, at any depth (except `allowed`).
fn assert_no_secret_fields(what: &str, reply: &Reply, allowed: &[&str]) {
    let Ok(json) = serde_json::from_str::<Value>(&reply.body) else { return };
    let mut names = Vec::new();
    keys(&json, &mut names);
    for name in names {
        if allowed.contains(&name.as_str()) {
            continue;
        }
        assert!(!is_builtin_secret(&normalize(&name)), "{what}: a field named like a secret, `{name}`: {}", reply.body);
    }
}

struct Fixture {
    alice_token: String,
    alice_key: String,
    alice_key_id: String,
    order: u64,
    payment: u64,
}

async fn fixture(env: &Env) -> Fixture {
    let alice_token = env.token("alice", &[]);
    let order = create_order(env, &bearer(&alice_token), "surface-order").await;
    let paid = env
        .send_with(
            "POST",
            &env.url("/payments"),
            Some(&bearer(&alice_token)),
            Some(&format!(r#"{{"order_id":{order},"method":"card"}}"#)),
            &[("idempotency-key", "surface-pay")],
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let payment = paid.json()["id"].as_u64().expect("payment");
    let (alice_key, alice_key_id) = issue_key(env, &alice_token).await;
    // Rotated once already (it works through its grace period): the walk's
    // rotation of it is the 409 `api_key_already_rotated`.
    let rotate = format!("/api-keys/{alice_key_id}/rotate");
    assert_eq!(env.send("POST", &rotate, Some(&bearer(&alice_token)), None).await.status, 201);
    Fixture { alice_token, alice_key, alice_key_id, order, payment }
}

/// A body that passes validation for `method path`, if it takes one.
fn valid_body(method: &str, path: &str, f: &Fixture) -> Option<String> {
    match (method, path) {
        ("PUT", "/me") => Some(r#"{"name":"Alice","email":"alice@example.com"}"#.to_owned()),
        ("POST", "/orders") => Some(r#"{"item":"tea","quantity":1,"unit_price_cents":300}"#.to_owned()),
        ("PUT", "/orders/{order_id}") => Some(r#"{"note":"back door"}"#.to_owned()),
        ("POST", "/payments") => Some(format!(r#"{{"order_id":{},"method":"card"}}"#, f.order)),
        ("POST", "/api-keys") => Some(r#"{"scopes":["orders:read"]}"#.to_owned()),
        ("POST", "/webhooks/payments") => Some(format!(r#"{{"type":"payment.failed","payment_id":{}}}"#, f.payment)),
        _ => None,
    }
}

async fn every_answer(env: &Env) {
    let f = fixture(env).await;
    let bob = env.token("bob", &[]);
    let admin = env.token("root", &["admin"]);
    let callers: Vec<(&str, Option<String>)> = vec![
        ("anonymous", None),
        ("alice", Some(bearer(&f.alice_token))),
        ("alice's key", Some(api_key(&f.alice_key))),
        ("bob", Some(bearer(&bob))),
        ("admin", Some(bearer(&admin))),
        ("a forged token", Some("Bearer abc.def.ghi".to_owned())),
    ];
    let credentials = [f.alice_token.as_str(), f.alice_key.as_str(), bob.as_str(), admin.as_str()];
    let signer = env.webhook_signer();
    let mut n = 0;
    let mut statuses = std::collections::BTreeSet::new();
    for (i, entry) in route_entries().await.iter().enumerate() {
        let path = entry
            .path
            .replace("{order_id}", &f.order.to_string())
            .replace("{payment_id}", &f.payment.to_string())
            .replace("{user_id}", "alice")
            .replace("{key_id}", &f.alice_key_id);
        for (caller, auth) in &callers {
            // Refused credentials spend the client address's failed-login
            // budget (10 a minute), after which every credential from it is
            // refused: a forged token on a few routes only.
            if *caller == "a forged token" && i > 2 {
                continue;
            }
            // Twice: a valid body, and an empty object (422 where a body is read).
            let bodies = match valid_body(&entry.method, &entry.path, &f) {
                Some(valid) => vec![Some(valid), Some("{}".to_owned())],
                None => vec![None],
            };
            for body in bodies {
                n += 1;
                let key = format!("surface-{n}");
                let mut headers = vec![("origin", ALLOWED_ORIGIN.to_owned()), ("idempotency-key", key)];
                if entry.path.starts_with("/webhooks") {
                    let delivery = signer.sign(body.as_deref().unwrap_or_default().as_bytes()).expect("sign");
                    headers.extend(delivery.headers().iter().map(|(k, v)| (*k, (*v).to_owned())));
                }
                let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let reply =
                    env.send_with(&entry.method, &env.url(&path), auth.as_deref(), body.as_deref(), &headers).await;
                let what = format!(
                    "{} {path} as {caller} ({}): {}",
                    entry.method,
                    body.as_deref().unwrap_or("-"),
                    reply.status
                );
                statuses.insert(reply.status);
                assert_ne!(reply.status, 500, "{what}: {}", reply.body);
                assert_security_headers(&what, &reply);
                assert_eq!(reply.header("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{what}");
                assert_eq!(reply.header("access-control-allow-credentials"), Some("true"), "{what}");
                assert!(reply.header("vary").is_some_and(|v| v.to_lowercase().contains("origin")), "{what}");
                if reply.status >= 400 {
                    assert_problem(&what, &reply);
                }
                // A new key is in the answer that made it, and nowhere else.
                let issues_key = reply.status == 201 && entry.path.starts_with("/api-keys");
                // The API document names that field (its schema), never a value.
                let describes_it = entry.path == "/openapi.json";
                assert_no_secret_fields(&what, &reply, if issues_key || describes_it { &["api_key"] } else { &[] });
                for credential in credentials {
                    assert!(!reply.body.contains(credential), "{what}: a credential in the answer: {}", reply.body);
                }
            }
        }
    }
    // The walk met the answers it was meant to.
    for status in [200, 201, 204, 400, 401, 403, 409, 422] {
        assert!(statuses.contains(&status), "no {status} among {statuses:?}");
    }
}
both_stores!(every_answer);

/// Errors outside any route (unknown path, wrong method, oversize or
/// non-JSON body, a preflight from the wrong origin) carry the same headers
/// and problem bodies, and a rejected value is never echoed.
async fn errors_everywhere(env: &Env) {
    let alice = bearer(&env.token("alice", &[]));
    let origin = [("origin", ALLOWED_ORIGIN)];
    let cases: Vec<(&str, &str, Option<String>, u16)> = vec![
        ("GET", "/no-such-route", None, 404),
        ("DELETE", "/orders", None, 405),
        ("PUT", "/me", Some(format!(r#"{{"name":"{}","email":"a@example.com"}}"#, "x".repeat(100_000))), 413),
        ("PUT", "/me", Some("{not json".to_owned()), 400),
        ("PUT", "/me", Some(r#"{"name":"Alice","email":"<script>alert(1)</script>"}"#.to_owned()), 422),
        ("GET", "/orders/not-a-number", None, 404),
    ];
    for (method, path, body, status) in cases {
        let auth = if path == "/no-such-route" || method == "DELETE" { None } else { Some(alice.as_str()) };
        let reply = env.send_with(method, &env.url(path), auth, body.as_deref(), &origin).await;
        let what = format!("{method} {path}: {}", reply.status);
        // Unknown routes and methods are answered by the router, after
        // authentication: an anonymous caller gets 401 first.
        if auth.is_none() {
            assert!([status, 401].contains(&reply.status), "{what}: {}", reply.body);
        } else {
            assert_eq!(reply.status, status, "{what}: {}", reply.body);
        }
        assert_security_headers(&what, &reply);
        assert_eq!(reply.header("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{what}");
        if !reply.body.is_empty() {
            assert_problem(&what, &reply);
        }
        assert!(!reply.body.contains("script"), "{what}: the rejected value is echoed: {}", reply.body);
    }
    // Non-JSON content type.
    let reply = env
        .send_with(
            "PUT",
            &env.url("/me"),
            Some(&alice),
            None,
            &[("content-type", "text/plain"), ("origin", ALLOWED_ORIGIN)],
        )
        .await;
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert_problem("text/plain body", &reply);

    // Another origin: the same answers, without any CORS header.
    for (method, path, auth) in
        [("GET", "/health", None), ("GET", "/orders", Some(alice.as_str())), ("GET", "/orders", None)]
    {
        let reply = env.send_with(method, &env.url(path), auth, None, &[("origin", OTHER_ORIGIN)]).await;
        assert!(reply.header("access-control-allow-origin").is_none(), "{path}");
        assert!(reply.header("access-control-allow-credentials").is_none(), "{path}");
        assert_security_headers(path, &reply);
    }
    // Preflights: answered before authentication, for the allowed origin only.
    for entry in route_entries().await {
        let path = entry.path.replace(['{', '}'], "");
        let allowed = env
            .send_with(
                "OPTIONS",
                &env.url(&path),
                None,
                None,
                &[
                    ("origin", ALLOWED_ORIGIN),
                    ("access-control-request-method", entry.method.as_str()),
                    ("access-control-request-headers", "authorization,content-type,idempotency-key"),
                ],
            )
            .await;
        let what = format!("preflight {} {path}", entry.method);
        assert_eq!(allowed.status, 204, "{what}: {}", allowed.body);
        assert_eq!(allowed.header("access-control-allow-origin"), Some(ALLOWED_ORIGIN), "{what}");
        assert!(
            allowed.header("access-control-allow-methods").is_some_and(|m| m.contains(entry.method.as_str())),
            "{what}"
        );
        assert_security_headers(&what, &allowed);
        let refused = env
            .send_with(
                "OPTIONS",
                &env.url(&path),
                None,
                None,
                &[("origin", OTHER_ORIGIN), ("access-control-request-method", entry.method.as_str())],
            )
            .await;
        assert_eq!((refused.status, refused.code()), (403, "cors_preflight_denied".to_owned()), "{what}");
        assert!(refused.header("access-control-allow-origin").is_none(), "{what}");
        assert_problem(&what, &refused);
    }
}
both_stores!(errors_everywhere);
