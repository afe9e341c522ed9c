//! The orders_api service end to end over real HTTP: authentication, BOLA,
//! mass assignment, idempotent payments, rate limits, webhooks. Each
//! scenario runs twice: on one instance with memory stores, and on two
//! instances sharing Redis with requests alternating between them (one
//! rate-limit budget, one idempotency record, one replay store, one key
//! store).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::both_stores;
use crate::support::{Env, api_key, bearer, per_day, test_config};

/// Places an order for the holder of `auth`; its id.
pub async fn create_order(env: &Env, auth: &str, key: &str) -> u64 {
    let body = r#"{"item":"coffee beans","quantity":2,"unit_price_cents":1250,"note":"ring twice"}"#;
    let reply = env.send_with("POST", &env.url("/orders"), Some(auth), Some(body), &[("idempotency-key", key)]).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["id"].as_u64().expect("order id")
}

/// Issues an API key for the holder of the JWT `token`: (key, id).
pub async fn issue_key(env: &Env, token: &str) -> (String, String) {
    let reply = env.send("POST", "/api-keys", Some(&bearer(token)), Some(r#"{"scopes":[]}"#)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let json = reply.json();
    (json["api_key"].as_str().expect("key").to_owned(), json["id"].as_str().expect("id").to_owned())
}

// Authentication: JWT, API keys, credentials in the query string.

async fn authentication(env: &Env) {
    let alice = env.token("alice", &[]);
    // No credentials: 401 (from the handler's `Principal`: the layer lets
    // anonymous requests through to public routes).
    let anonymous = env.send("GET", "/orders", None, None).await;
    assert_eq!((anonymous.status, anonymous.code()), (401, "unauthorized".to_owned()), "{}", anonymous.body);
    // A JWT.
    let me = env.send("GET", "/me", Some(&bearer(&alice)), None).await;
    assert_eq!((me.status, me.json()["id"].as_str()), (200, Some("alice")), "{}", me.body);
    // A tampered JWT (a claim changed, the signature kept): 401.
    let mut parts: Vec<String> = alice.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    let tampered = env.send("GET", "/me", Some(&bearer(&parts.join("."))), None).await;
    assert_eq!(tampered.status, 401);
    // A refused credential is answered with the challenge.
    assert!(tampered.header("www-authenticate").is_some_and(|c| c.starts_with("Bearer")), "{:?}", tampered.headers);
    // A token of another issuer's key: 401.
    let foreign = env.send("GET", "/me", Some("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."), None).await;
    assert_eq!(foreign.status, 401);

    // An API key issued through one instance works on the other (shared store).
    let (key, key_id) = issue_key(env, &alice).await;
    assert!(key.starts_with("sk-test-"), "a development key");
    for _ in 0..2 {
        let orders = env.send("GET", "/orders", Some(&api_key(&key)), None).await;
        assert_eq!(orders.status, 200, "{}", orders.body);
    }
    let me = env.send("GET", "/me", Some(&api_key(&key)), None).await;
    assert_eq!(me.json()["id"], "alice");
    // A key manages no keys: a leaked key cannot mint or extend itself.
    let minted = env.send("POST", "/api-keys", Some(&api_key(&key)), Some(r#"{"scopes":[]}"#)).await;
    assert_eq!(minted.status, 403, "{}", minted.body);
    // A key with a broken checksum: 401.
    let mut broken = key.clone();
    broken.pop();
    broken.push(if key.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(env.send("GET", "/orders", Some(&api_key(&broken)), None).await.status, 401);

    // Credentials in the query string are refused, whatever the route.
    for path in [
        format!("/orders?access_token={alice}"),
        format!("/orders?api_key={key}"),
        format!("/health?token={key}"),
        format!("/orders?next=Bearer%20{alice}"),
    ] {
        let refused = env.send("GET", &path, None, None).await;
        assert_eq!((refused.status, refused.code()), (400, "credential_in_query".to_owned()), "{path}");
        assert!(!refused.body.contains(&key) && !refused.body.contains(&alice), "the credential is echoed");
    }

    // Rotation: the successor works on either instance; the old key still
    // works during its grace period; a second rotation is refused.
    let rotated = env.send("POST", &format!("/api-keys/{key_id}/rotate"), Some(&bearer(&alice)), None).await;
    assert_eq!(rotated.status, 201, "{}", rotated.body);
    let new_key = rotated.json()["api_key"].as_str().expect("new key").to_owned();
    let new_id = rotated.json()["id"].as_str().expect("new id").to_owned();
    assert_eq!(env.send("GET", "/orders", Some(&api_key(&new_key)), None).await.status, 200);
    assert_eq!(env.send("GET", "/orders", Some(&api_key(&key)), None).await.status, 200);
    let again = env.send("POST", &format!("/api-keys/{key_id}/rotate"), Some(&bearer(&alice)), None).await;
    assert_eq!((again.status, again.code()), (409, "api_key_already_rotated".to_owned()));
    // The list shows both, never a key.
    let list = env.send("GET", "/api-keys", Some(&bearer(&alice)), None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json().as_array().map(Vec::len), Some(2), "{}", list.body);
    assert!(!list.body.contains(&key) && !list.body.contains(&new_key));
    // Revocation: the key stops working at once, on every instance.
    let revoked = env.send("DELETE", &format!("/api-keys/{new_id}"), Some(&bearer(&alice)), None).await;
    assert_eq!((revoked.status, revoked.json()["revoked"].as_bool()), (200, Some(true)), "{}", revoked.body);
    for _ in 0..2 {
        assert_eq!(env.send("GET", "/orders", Some(&api_key(&new_key)), None).await.status, 401);
    }
    // A key acts within its scopes only.
    let reader = env.send("POST", "/api-keys", Some(&bearer(&alice)), Some(r#"{"scopes":["orders:read"]}"#)).await;
    let reader = api_key(reader.json()["api_key"].as_str().expect("key"));
    assert_eq!(env.send("GET", "/orders", Some(&reader), None).await.status, 200);
    let write = env
        .send_with("POST", &env.url("/orders"), Some(&reader), Some("{}"), &[("idempotency-key", "scoped-order")])
        .await;
    assert_eq!(write.status, 403, "{}", write.body);
    let pay = env
        .send_with("POST", &env.url("/payments"), Some(&reader), Some("{}"), &[("idempotency-key", "scoped-pay")])
        .await;
    assert_eq!(pay.status, 403, "{}", pay.body);
    // A scope outside the list cannot be asked for.
    let broad = env.send("POST", "/api-keys", Some(&bearer(&alice)), Some(r#"{"scopes":["admin"]}"#)).await;
    assert_eq!(broad.status, 422, "{}", broad.body);
    // Someone else's key: 403; a key that does not exist: 404.
    let bob = env.token("bob", &[]);
    let theirs = env.send("DELETE", &format!("/api-keys/{key_id}"), Some(&bearer(&bob)), None).await;
    assert_eq!(theirs.status, 403);
    let unknown = env.send("DELETE", &format!("/api-keys/{}", "ab".repeat(32)), Some(&bearer(&bob)), None).await;
    assert_eq!(unknown.status, 404);

    // A key never does more than the login that made it.
    let read_only = bearer(&env.issuer.token("carol", &[], &["orders:read"]).expect("token").expose_secret().clone());
    let wider = env.send("POST", "/api-keys", Some(&read_only), Some(r#"{"scopes":["payments:write"]}"#)).await;
    assert_eq!((wider.status, wider.code()), (403, "scope_not_held".to_owned()), "{}", wider.body);
    let default = env.send("POST", "/api-keys", Some(&read_only), Some(r#"{"scopes":[]}"#)).await;
    assert_eq!((default.status, default.json()["scopes"].clone()), (201, json!(["orders:read"])), "{}", default.body);
    let carols = api_key(default.json()["api_key"].as_str().expect("key"));
    let pay = env
        .send_with("POST", &env.url("/payments"), Some(&carols), Some("{}"), &[("idempotency-key", "carol-pay")])
        .await;
    assert_eq!(pay.status, 403, "{}", pay.body);
    // An admin sees and revokes a user's key, but never holds a new one.
    let admin = bearer(&env.token("root", &["admin"]));
    let (_, alices) = issue_key(env, &alice).await;
    let by_admin = env.send("POST", &format!("/api-keys/{alices}/rotate"), Some(&admin), None).await;
    assert_eq!(by_admin.status, 403, "{}", by_admin.body);
    assert!(!by_admin.body.contains("sk-"), "{}", by_admin.body);
    let revoked = env.send("DELETE", &format!("/api-keys/{alices}"), Some(&admin), None).await;
    assert_eq!((revoked.status, revoked.json()["revoked"].as_bool()), (200, Some(true)), "{}", revoked.body);
}
both_stores!(authentication);

// BOLA: user A cannot read or change user B's objects; an admin can.

async fn object_level_authorization(env: &Env) {
    let (alice, bob, admin) = (env.token("alice", &[]), env.token("bob", &[]), env.token("root", &["admin"]));
    let order = create_order(env, &bearer(&alice), "bola-order").await;
    let path = format!("/orders/{order}");

    assert_eq!(env.send("GET", &path, Some(&bearer(&alice)), None).await.status, 200);
    let read = env.send("GET", &path, Some(&bearer(&bob)), None).await;
    assert_eq!((read.status, read.code()), (403, "forbidden".to_owned()), "{}", read.body);
    assert!(!read.body.contains("coffee"), "a refusal leaks the order: {}", read.body);
    let change = env.send("PUT", &path, Some(&bearer(&bob)), Some(r#"{"note":"leave at the door"}"#)).await;
    assert_eq!(change.status, 403);
    let unchanged = env.send("GET", &path, Some(&bearer(&alice)), None).await;
    assert_eq!(unchanged.json()["note"], "ring twice", "bob changed alice's order");
    // Bob cannot pay alice's order either.
    let pay = env
        .send_with(
            "POST",
            &env.url("/payments"),
            Some(&bearer(&bob)),
            Some(&format!(r#"{{"order_id":{order},"method":"card"}}"#)),
            &[("idempotency-key", "bola-pay")],
        )
        .await;
    assert_eq!(pay.status, 403, "{}", pay.body);
    assert_eq!(env.payments_created(), 0);
    // Nor list it, nor read alice's profile.
    assert_eq!(env.send("GET", "/orders", Some(&bearer(&bob)), None).await.json(), json!([]));
    assert_eq!(env.send("GET", "/users/alice", Some(&bearer(&bob)), None).await.status, 403);
    assert_eq!(env.send("GET", "/users/alice", Some(&bearer(&alice)), None).await.status, 200);

    // An admin reads and changes it, and sees every order.
    let admin_read = env.send("GET", &path, Some(&bearer(&admin)), None).await;
    assert_eq!((admin_read.status, admin_read.json()["user_id"].as_str()), (200, Some("alice")));
    let admin_change = env.send("PUT", &path, Some(&bearer(&admin)), Some(r#"{"note":"fragile"}"#)).await;
    assert_eq!((admin_change.status, admin_change.json()["note"].as_str()), (200, Some("fragile")));
    assert_eq!(env.send("GET", "/users/alice", Some(&bearer(&admin)), None).await.status, 200);
    let all = env.send("GET", "/admin/orders", Some(&bearer(&admin)), None).await;
    assert_eq!(all.status, 200);
    assert!(all.json().as_array().is_some_and(|orders| orders.iter().any(|o| o["id"] == order)));
    // The admin route is for admins only: a user's token, a user's key.
    assert_eq!(env.send("GET", "/admin/orders", Some(&bearer(&alice)), None).await.status, 403);
    let (key, _) = issue_key(env, &alice).await;
    assert_eq!(env.send("GET", "/admin/orders", Some(&api_key(&key)), None).await.status, 403);
    // A missing order is 404 for everyone.
    assert_eq!(env.send("GET", "/orders/999999", Some(&bearer(&bob)), None).await.status, 404);
}
both_stores!(object_level_authorization);

// Mass assignment: privileged or unknown fields are refused, not ignored.

async fn mass_assignment(env: &Env) {
    let alice = bearer(&env.token("alice", &[]));
    let valid = env.send("PUT", "/me", Some(&alice), Some(r#"{"name":"Alice","email":"alice@example.com"}"#)).await;
    assert_eq!(valid.status, 200, "{}", valid.body);
    for body in [
        r#"{"name":"Alice","email":"alice@example.com","role":"admin"}"#,
        r#"{"name":"Alice","email":"alice@example.com","is_admin":true}"#,
        r#"{"name":"Alice","email":"alice@example.com","id":"root"}"#,
        r#"{"name":"Alice","email":"alice@example.com","nickname":"al"}"#,
    ] {
        let refused = env.send("PUT", "/me", Some(&alice), Some(body)).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.body);
        assert_eq!(refused.header("content-type"), Some("application/problem+json"));
    }
    // The owner of an order is the caller, never a field.
    let injected = env
        .send_with(
            "POST",
            &env.url("/orders"),
            Some(&alice),
            Some(r#"{"item":"tea","quantity":1,"unit_price_cents":300,"user_id":"bob"}"#),
            &[("idempotency-key", "mass-order")],
        )
        .await;
    assert_eq!(injected.status, 422, "{}", injected.body);
    let injected = env
        .send_with(
            "POST",
            &env.url("/orders"),
            Some(&alice),
            Some(r#"{"item":"tea","quantity":1,"unit_price_cents":300,"status":"paid"}"#),
            &[("idempotency-key", "mass-order-2")],
        )
        .await;
    assert_eq!(injected.status, 422, "{}", injected.body);
    let me = env.send("GET", "/me", Some(&alice), None).await.json();
    assert_eq!(me, json!({"id": "alice", "name": "Alice", "email": "alice@example.com"}));
    assert_eq!(env.send("GET", "/orders", Some(&alice), None).await.json(), json!([]));
}
both_stores!(mass_assignment);

// Idempotent payments: one charge per key, whichever instance answers.

fn slow_provider() -> apishield_examples::orders_api::Config {
    let mut config = test_config();
    config.provider_latency = Duration::from_millis(1500);
    config
}

async fn idempotent_payments(env: &Env) {
    let alice = bearer(&env.token("alice", &[]));
    let order = create_order(env, &alice, "pay-order").await;
    let pay = |key: &'static str, method: &'static str| {
        let url = env.url("/payments");
        let alice = alice.clone();
        let body = format!(r#"{{"order_id":{order},"method":"{method}"}}"#);
        async move { env.send_with("POST", &url, Some(&alice), Some(&body), &[("idempotency-key", key)]).await }
    };
    // Without a key: 400, nothing charged.
    let keyless =
        env.send("POST", "/payments", Some(&alice), Some(&format!(r#"{{"order_id":{order},"method":"card"}}"#))).await;
    assert_eq!(keyless.status, 400, "{}", keyless.body);

    // The first request runs; while it runs, the same key is 409 on either instance.
    let (first, during) = tokio::join!(pay("pay-1", "card"), async {
        // Once the first request's handler runs (the charge takes 1.5 s).
        while env.payments_created() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        pay("pay-1", "card").await
    });
    assert_eq!((during.status, during.code()), (409, "idempotency_request_in_progress".to_owned()), "{}", during.body);
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(first.header("idempotent-replayed").is_none());

    // Retries (alternating instances) get the recorded answer, byte for byte.
    for _ in 0..3 {
        let replay = pay("pay-1", "card").await;
        assert_eq!((replay.status, replay.header("idempotent-replayed")), (201, Some("true")));
        assert_eq!(replay.body, first.body);
    }
    // The same key with another body: 422.
    let reused = pay("pay-1", "bank_transfer").await;
    assert_eq!((reused.status, reused.code()), (422, "idempotency_key_reused".to_owned()));
    assert_eq!(env.payments_created(), 1, "one key, one charge");

    // Another key is another payment.
    let second = pay("pay-2", "bank_transfer").await;
    assert_eq!(second.status, 201);
    assert_ne!(second.json()["id"], first.json()["id"]);
    assert_eq!(env.payments_created(), 2);
    // The payment is the payer's to read.
    let id = first.json()["id"].as_u64().expect("payment id");
    let read = env.send("GET", &format!("/payments/{id}"), Some(&alice), None).await;
    assert_eq!((read.status, read.json()["amount_cents"].as_u64()), (200, Some(2500)));
}
both_stores!(idempotent_payments, super::slow_provider());

// Rate limits: the headers on every answer, 429 with Retry-After, one
// budget across instances.

fn small_budget() -> apishield_examples::orders_api::Config {
    let mut config = test_config();
    config.rate_limits.free = per_day(6);
    config.rate_limits.paid = per_day(12);
    config.rate_limits.anonymous = per_day(2);
    config
}

/// Milliseconds since the Unix epoch, as the limiter (and Redis) read them.
fn unix_ms() -> u64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    u64::try_from(since.as_millis()).expect("ms fit u64")
}

/// The `Retry-After` of a day window of `limit` filled at `at_ms`, the
/// whole budget spent in the current aligned day: the sliding counter
/// waits for the day to end (it counts whole aligned days), then for the
/// spent day's weight to fall by one request (a `limit`-th of a day). That
/// is more than a day when the budget was spent early in the day.
fn day_window_retry_after_secs(limit: u64, at_ms: u64) -> u64 {
    const DAY_MS: u64 = 86_400_000;
    (DAY_MS - at_ms % DAY_MS + DAY_MS.div_ceil(limit)).div_ceil(1000)
}

async fn rate_limits(env: &Env) {
    let alice = bearer(&env.token("alice", &[]));
    let mut remaining = Vec::new();
    let started_ms = unix_ms();
    for _ in 0..6 {
        let reply = env.send("GET", "/orders", Some(&alice), None).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("6"));
        assert!(reply.header("ratelimit-policy").is_some_and(|p| p.contains("q=6")), "{:?}", reply.headers);
        assert!(reply.header("ratelimit").is_some());
        remaining.push(reply.header("x-ratelimit-remaining").expect("remaining").parse::<u32>().expect("number"));
    }
    // One budget, whichever instance answered.
    assert_eq!(remaining, [5, 4, 3, 2, 1, 0]);
    for _ in 0..2 {
        let limited = env.send("GET", "/orders", Some(&alice), None).await;
        let answered_ms = unix_ms();
        assert_eq!((limited.status, limited.code()), (429, "rate_limited".to_owned()), "{}", limited.body);
        let retry_after: u64 = limited.header("retry-after").expect("Retry-After").parse().expect("seconds");
        // The wait depends on the time of day (it ran over a day just after
        // midnight UTC): between the two readings of the clock when the six
        // requests all fell in one day; at most a day and a sixth in any case.
        let day = |ms: u64| ms / 86_400_000;
        let bounds = if day(started_ms) == day(answered_ms) {
            day_window_retry_after_secs(6, answered_ms)..=day_window_retry_after_secs(6, started_ms)
        } else {
            1..=86_400 + 14_400
        };
        assert!(bounds.contains(&retry_after), "Retry-After {retry_after}, expected within {bounds:?}");
        assert_eq!(limited.header("content-type"), Some("application/problem+json"));
        assert_eq!(limited.header("x-content-type-options"), Some("nosniff"));
    }
    // Anonymous callers share a small budget per address...
    for expected in [401, 401, 429] {
        assert_eq!(env.send("GET", "/orders", None, None).await.status, expected);
    }
    // ...but the health check is outside the rate limit (load balancers).
    for _ in 0..5 {
        let health = env.send("GET", "/health", None, None).await;
        assert_eq!((health.status, health.header("x-ratelimit-limit")), (200, None));
    }
    // Another caller has a budget of its own; a paid caller, a larger one.
    assert_eq!(env.send("GET", "/orders", Some(&bearer(&env.token("bob", &[]))), None).await.status, 200);
    let paid = env.send("GET", "/orders", Some(&bearer(&env.token("carol", &["paid"]))), None).await;
    assert_eq!((paid.status, paid.header("x-ratelimit-limit")), (200, Some("12")));
    // An API key spends a budget of its own, not its owner's: a leaked key
    // cannot lock its owner out, nor the owner's logins the key.
    let dave = env.token("dave", &[]);
    let (key, _) = issue_key(env, &dave).await;
    while env.send("GET", "/orders", Some(&bearer(&dave)), None).await.status != 429 {}
    let by_key = env.send("GET", "/orders", Some(&api_key(&key)), None).await;
    assert_eq!((by_key.status, by_key.header("x-ratelimit-remaining")), (200, Some("5")), "{}", by_key.body);
}
both_stores!(rate_limits, super::small_budget());

// Webhooks: verified, deduplicated across instances.

async fn webhooks(env: &Env) {
    let alice = bearer(&env.token("alice", &[]));
    let order = create_order(env, &alice, "hook-order").await;
    let paid = env
        .send_with(
            "POST",
            &env.url("/payments"),
            Some(&alice),
            Some(&format!(r#"{{"order_id":{order},"method":"card"}}"#)),
            &[("idempotency-key", "hook-pay")],
        )
        .await;
    let payment = paid.json()["id"].as_u64().expect("payment id");
    let body = format!(r#"{{"type":"payment.succeeded","payment_id":{payment}}}"#);
    let signer = env.webhook_signer();
    let delivery = signer.sign(body.as_bytes()).expect("sign");
    let headers: Vec<(&str, &str)> = delivery.headers().to_vec();

    let accepted = env.send_with("POST", &env.url("/webhooks/payments"), None, Some(&body), &headers).await;
    assert_eq!(accepted.status, 204, "{}", accepted.body);
    assert_eq!(env.webhook_events(), 1);
    // The same delivery again, on the other instance: acknowledged, not processed.
    for _ in 0..2 {
        let duplicate = env.send_with("POST", &env.url("/webhooks/payments"), None, Some(&body), &headers).await;
        assert_eq!(duplicate.status, 200);
    }
    // The sender's retry (same event id, new signature): a duplicate too.
    let retry = signer.sign_event(delivery.event_id(), body.as_bytes()).expect("sign");
    let retry_headers: Vec<(&str, &str)> = retry.headers().to_vec();
    assert_eq!(
        env.send_with("POST", &env.url("/webhooks/payments"), None, Some(&body), &retry_headers).await.status,
        200
    );
    assert_eq!(env.webhook_events(), 1, "one event, processed once");

    // Forged: another secret, a changed body, a stale timestamp, no signature.
    let forged = env.foreign_signer().sign(body.as_bytes()).expect("sign");
    let forged_headers: Vec<(&str, &str)> = forged.headers().to_vec();
    assert_eq!(
        env.send_with("POST", &env.url("/webhooks/payments"), None, Some(&body), &forged_headers).await.status,
        401
    );
    let changed = body.replace("succeeded", "failed");
    let fresh = signer.sign(body.as_bytes()).expect("sign");
    let fresh_headers: Vec<(&str, &str)> = fresh.headers().to_vec();
    assert_eq!(
        env.send_with("POST", &env.url("/webhooks/payments"), None, Some(&changed), &fresh_headers).await.status,
        401
    );
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    let stale = signer.sign_at("evt_stale", now - 400, body.as_bytes()).expect("sign");
    let stale_headers: Vec<(&str, &str)> = stale.headers().to_vec();
    assert_eq!(
        env.send_with("POST", &env.url("/webhooks/payments"), None, Some(&body), &stale_headers).await.status,
        401
    );
    assert_eq!(env.send("POST", "/webhooks/payments", None, Some(&body)).await.status, 401);
    // Authentic, but not an event of ours: 400.
    let odd = r#"{"type":"payment.refunded","payment_id":1}"#;
    let odd_delivery = signer.sign(odd.as_bytes()).expect("sign");
    let odd_headers: Vec<(&str, &str)> = odd_delivery.headers().to_vec();
    assert_eq!(env.send_with("POST", &env.url("/webhooks/payments"), None, Some(odd), &odd_headers).await.status, 400);
    assert_eq!(env.webhook_events(), 1);

    // The event's effect, seen from either instance.
    let read = env.send("GET", &format!("/payments/{payment}"), Some(&alice), None).await;
    assert_eq!(read.json()["status"], "succeeded");
    assert_eq!(env.send("GET", &format!("/orders/{order}"), Some(&alice), None).await.json()["status"], "paid");
}
both_stores!(webhooks);

/// Every key of a JSON value, at any depth.
pub fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                out.push(key.clone());
                keys(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}
