//! Procedural macros of apishield. Use them through the `apishield` crate,
//! whose documentation describes them; generated code refers to
//! `::apishield::__private` only.
//!
//! Every macro is built the same way, in a folder of its own: `attr`
//! parses its arguments and helper attributes, `model` reads the item into a
//! model that keeps the original syntax for spans, `check` checks the model
//! while collecting every error (`ctxt`) and returns a *checked* model (a
//! distinct type: `emit` cannot run on input that failed), and `emit` lowers
//! the checked model alone. On error the original item is still emitted
//! (without the helper attributes) next to the errors, with fallback impls,
//! so the IDE keeps its type information and each error stands alone.
//! `syntax` holds the helpers they share.

mod cors;
mod ctxt;
mod generics;
mod idempotent;
mod names;
mod ownership;
mod policy;
mod request;
mod response;
mod route;
mod schema;
mod syntax;

use proc_macro::TokenStream;

/// Makes a struct or enum a validated request type.
///
/// Every field needs a bound that fits its type — `len` for strings, `range`
/// for numbers, `max_items` for collections — or a type that validates
/// itself; privileged names (`role`, `is_admin`, ...) need `one_of` or an
/// explicit `client_settable`; `#[secure_request(query)]` also refuses
/// credentials in query strings and unbounded page sizes. Each violation is a
/// compile error on the field, with the fix:
///
/// ```compile_fail
/// use apishield::prelude::*;
///
/// #[secure_request]
/// pub struct Note {
///     pub title: String, // error: `title` is a string with no upper length bound
/// }
/// ```
///
/// ```
/// use apishield::prelude::*;
///
/// #[secure_request]
/// pub struct Note {
///     #[shield(len = 1..=200, trim)]
///     pub title: String,
/// }
///
/// let note = Note::from_json(br#"{"title": " Groceries "}"#).unwrap();
/// assert_eq!(note.title, "Groceries");
/// assert!(Note::from_json(br#"{"title": "x", "pinned": true}"#).is_err());
/// ```
///
/// Generated: `serde::Deserialize` (validating, unknown fields denied),
/// `apishield::SecureRequest` and, with apishield's `validator` feature,
/// `validator::Validate`. The README lists
/// every rule and every error.
#[proc_macro_attribute]
pub fn secure_request(args: TokenStream, input: TokenStream) -> TokenStream {
    request::expand(args.into(), input.into()).into()
}

/// Makes a struct (or unit-only enum) a response type: the listed fields are
/// what leaves the server, and nothing named like a secret does.
///
/// A field named like a secret (`password`, `*_token`, `*_hash`,
/// `internal_*`, ...) is a compile error unless it is marked
/// `#[shield(expose)]` (sent deliberately) or `#[shield(skip)]` (never
/// sent); an `apishield::Secret` field cannot be sent at all; a nested type
/// must be a response type itself or `apishield::Public`.
///
/// ```compile_fail
/// use apishield::prelude::*;
///
/// #[secure_response]
/// pub struct UserResponse {
///     pub id: u64,
///     pub password_hash: String, // error: named like a secret
/// }
/// ```
///
/// `from = Model` generates `From<&Model>`, copying each field from the model
/// field of the same name (a nested response type converts from its model):
/// a field renamed or removed in the model breaks the build, not the API.
///
/// ```
/// use apishield::prelude::*;
///
/// pub struct User { pub id: u64, pub name: String, pub password_hash: String }
///
/// #[secure_response(from = User)]
/// pub struct UserResponse { pub id: u64, pub name: String }
///
/// let user = User { id: 7, name: "Ada".into(), password_hash: "$argon2id$...".into() };
/// let body = serde_json::to_string(&UserResponse::from(&user)).unwrap();
/// assert_eq!(body, r#"{"id":7,"name":"Ada"}"#);
/// ```
///
/// If the model has an owner (`#[owned_by]`), the conversion is from
/// `&Authorized<Model>` only: `From<&Model>` exists but using it is a
/// compile error (`` `Order` has an owner: `OrderSummary` converts from
/// `&Authorized<Order>`, not from `&Order` ``). The model must be a concrete
/// type (`from = Page<T>` with the response's own `T` is refused: whether it
/// has an owner cannot be checked).
///
/// ```
/// use apishield::prelude::*;
///
/// #[owned_by(user_id)]
/// #[secure_response]
/// pub struct Order { pub id: u64, pub user_id: u64, pub total_cents: i64 }
///
/// #[secure_response(from = Order)]
/// pub struct OrderSummary { pub id: u64, pub total_cents: i64 }
///
/// let authorized = Principal::new("7").authorize(Order { id: 1, user_id: 7, total_cents: 1250 }).unwrap();
/// let body = serde_json::to_string(&OrderSummary::from(&authorized)).unwrap();
/// assert_eq!(body, r#"{"id":1,"total_cents":1250}"#);
/// ```
///
/// ```compile_fail
/// use apishield::prelude::*;
///
/// #[owned_by(user_id)]
/// #[secure_response]
/// pub struct Order { pub id: u64, pub user_id: u64, pub total_cents: i64 }
///
/// #[secure_response(from = Order)]
/// pub struct OrderSummary { pub id: u64, pub total_cents: i64 }
///
/// // error: `Order` has an owner: `OrderSummary` converts from `&Authorized<Order>`, not from `&Order`
/// let _ = OrderSummary::from(&Order { id: 1, user_id: 7, total_cents: 1250 });
/// ```
#[proc_macro_attribute]
pub fn secure_response(args: TokenStream, input: TokenStream) -> TokenStream {
    response::expand(args.into(), input.into()).into()
}

/// Ownership. On a resource type, `#[owned_by(field)]` names the owner
/// field; the type then leaves the server only as `apishield::Authorized<T>`
/// (made by `principal.authorize(resource)`), and serializing it directly
/// does not compile. It may be written above or below `#[secure_response]`,
/// with the same result. On a handler, `#[owned_by(param)]` checks the path
/// parameter against the handler's `Principal` before the body runs (403
/// with a generic body).
///
/// ```
/// use apishield::prelude::*;
///
/// #[owned_by(user_id)]
/// #[secure_response]
/// pub struct Order { pub id: u64, pub user_id: u64, pub total_cents: i64 }
///
/// let alice = Principal::new("7");
/// let order = Order { id: 1, user_id: 7, total_cents: 1250 };
/// let authorized = alice.authorize(order).unwrap();
/// assert_eq!(serde_json::to_string(&authorized).unwrap(), r#"{"id":1,"user_id":7,"total_cents":1250}"#);
/// assert!(Principal::new("8").authorize(Order { id: 2, user_id: 7, total_cents: 0 }).is_err());
/// ```
///
/// ```compile_fail
/// use apishield::prelude::*;
///
/// #[owned_by(user_id)]
/// #[secure_response]
/// pub struct Order { pub id: u64, pub user_id: u64 }
///
/// // error: `Order` has an owner: it leaves the server only as `apishield::Authorized<Order>`
/// let _ = serde_json::to_string(&Order { id: 1, user_id: 7 });
/// ```
#[proc_macro_attribute]
pub fn owned_by(args: TokenStream, input: TokenStream) -> TokenStream {
    ownership::expand(args.into(), input.into()).into()
}

/// Declares a handler's route public: it serves anonymous callers. Every
/// route is authenticated or declared public; `apishield::routing::get(..)`
/// refuses a handler that is neither, at compile time.
///
/// ```ignore
/// #[public]
/// async fn health() -> &'static str { "ok" }
/// ```
///
/// A public handler that wants to know who calls when someone does takes
/// `Option<Principal>`. Compile errors: a `Principal` argument (it would
/// refuse anonymous callers), beside `#[requires_role]` or
/// `#[requires_scope]`, on anything but a free function, with arguments.
#[proc_macro_attribute]
pub fn public(args: TokenStream, input: TokenStream) -> TokenStream {
    route::expand(route::Kind::Public, args.into(), input.into()).into()
}

/// Lets only callers with one of these roles run the handler: 401 without
/// a caller, 403 (the generic problem body) without the role, checked before
/// any other extractor reads the request and before the handler's code.
///
/// ```ignore
/// #[requires_role("admin", "support")]
/// async fn refund(principal: Principal, Path(id): Path<u64>) -> Result<String, ApiError> { ... }
/// ```
///
/// The route counts as authenticated, and the audit lists its roles.
/// Compile errors: no role, an empty role or one with whitespace, a role
/// given twice, the attribute twice, beside `#[public]`, on anything but a
/// free function.
#[proc_macro_attribute]
pub fn requires_role(args: TokenStream, input: TokenStream) -> TokenStream {
    route::expand(route::Kind::Role, args.into(), input.into()).into()
}

/// Lets only callers with all of these scopes (`scope`/`scp` claims, an API
/// key's scopes) run the handler; otherwise as [`requires_role`].
///
/// ```ignore
/// #[requires_scope("orders:write")]
/// async fn create_order(principal: Principal, SecureJson(req): SecureJson<CreateOrder>) -> ... { ... }
/// ```
#[proc_macro_attribute]
pub fn requires_scope(args: TokenStream, input: TokenStream) -> TokenStream {
    route::expand(route::Kind::Scope, args.into(), input.into()).into()
}

/// Makes an async axum handler idempotent: a request retried with the same
/// `Idempotency-Key` runs the handler once, and gets the first response again.
/// Needs apishield's `axum` feature (without it, a compile error on the
/// attribute says so).
///
/// ```ignore
/// #[idempotent(ttl = "24h")]
/// async fn create_payment(key: IdempotencyKey, principal: Principal,
///                         SecureJson(req): SecureJson<CreatePayment>)
///     -> Result<SecureJson<Payment>, ApiError> { ... }
/// ```
///
/// Missing or malformed key: 400. Same key, same request (method, concrete
/// path, query string and body), finished: the stored status, body and the
/// headers a client relies on (`Location`, `ETag`, ...; never `Set-Cookie`),
/// with `Idempotent-Replayed: true`. Same key, another request: 422. Same
/// key, still running: 409 `idempotency_request_in_progress`. Keys are
/// scoped to the caller (issuer and subject), method and route.
///
/// Exactly once: once the key is claimed, the handler and the recording of
/// its response run to completion in a task of their own, even if the
/// client disconnects; its lock (`lock`, default `"30s"`) is renewed while it
/// runs. A lock that expired without a result (the process stopped) answers
/// 409 `idempotency_outcome_unknown`, unless the route is safe to repeat and
/// says `rerun_abandoned`. A finished request never runs again, even if its
/// response was too large to keep. 5xx answers free the key (the client may
/// retry) unless `keep_server_errors`, for handlers that can fail after a
/// side effect. Records live `ttl` (default `"24h"`, between 1 s and 7 days;
/// 4xx answers 1 min). The store is the router's `Idempotency` extension, or
/// one in-memory store per process.
///
/// ```ignore
/// #[idempotent(ttl = "24h", lock = "30s", rerun_abandoned, keep_server_errors)]
/// ```
///
/// The handler's body extractor (its last argument) runs after the key is
/// claimed, on the same body that was fingerprinted; the handler's return
/// type becomes `Response`, and its future must be `Send + 'static` (as
/// axum requires anyway). It runs on a tokio runtime with timers enabled
/// (what `#[tokio::main]` builds), which the lock renewal needs. Compile errors: a non-async fn, a method, a
/// handler without an `IdempotencyKey` argument, an unparsable or
/// out-of-range `ttl`, an unknown argument.
#[proc_macro_attribute]
pub fn idempotent(args: TokenStream, input: TokenStream) -> TokenStream {
    idempotent::expand(args.into(), input.into()).into()
}

/// A CORS policy checked at compile time: an expression of type
/// `apishield::cors::CorsPolicy` (a `const fn` call, so it can also
/// initialize a `const` or a `static`).
///
/// ```
/// use apishield::prelude::*;
///
/// let policy: CorsPolicy = cors! {
///     origins: ["https://app.example.com"],
///     methods: [GET, POST],
///     headers: ["Authorization", "Content-Type"],
///     credentials: true,
///     max_age: 3600,
///     expose: ["X-RateLimit-Remaining"],
/// };
/// assert!(policy.allows_origin("https://app.example.com"));
/// assert_eq!(policy.headers().collect::<Vec<_>>(), ["authorization", "content-type"]);
/// ```
///
/// Keys: `origins` and `methods` (required), `headers`, `credentials`
/// (default `false`), `max_age` (seconds, at most 86400; default: not sent),
/// `expose`, `insecure_localhost` (default `false`). Compile errors, each on
/// the offending literal with the fix: `*` with `credentials: true`, `*`
/// next to other origins, the `null` origin, an origin that is not https
/// (`http://localhost`, `http://127.0.0.1` and `http://[::1]` only with
/// `insecure_localhost: true`), an origin with a path, a trailing slash, a
/// query, a fragment, user info, upper-case letters or its default port, a
/// malformed host or port, a header name that is not an RFC 9110 token (or
/// `*`), an unknown method (or `OPTIONS`), duplicates, unknown or repeated
/// keys, `max_age` above 86400:
///
/// ```compile_fail
/// use apishield::prelude::*;
///
/// // error: the `*` origin together with `credentials: true`
/// let policy = cors! { origins: ["*"], methods: [GET], credentials: true };
/// ```
///
/// `origins: ["*"]` alone, without credentials, is a public API: every
/// origin gets `Access-Control-Allow-Origin: *`. Origins known only at run
/// time go through `CorsPolicy::builder()`, which applies the same rules.
#[proc_macro]
pub fn cors(input: TokenStream) -> TokenStream {
    cors::expand(input.into()).into()
}
