//! `Routes`: axum's `Router`, with every route's policy recorded.

use std::convert::Infallible;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::IntoResponse;
use axum::routing::Route;
use serde::Serialize;
use tower_layer::Layer;
use tower_service::Service;

use super::access::{NotConflicting, NotOpen};
use super::extractor::RouteHandler;
use super::facts::{LayerFact, RouteAccess, RouteFacts};
use super::layers::layer_fact;
use super::method::MethodRouter;

/// An axum [`Router`] that knows what each of its routes enforces: every
/// handler given to it is authenticated or declared public (a compile
/// error otherwise, see [`get`](super::get)), and the routes, with their
/// policies and the layers around them, are what the audit (`apishield::audit`)
/// reports.
///
/// It is a `Router` in (through [`public_router`](Self::public_router) for
/// routes outside apishield's policy) and a `Router` out
/// ([`into_router`](Self::into_router)): state, nesting, layers and serving
/// are axum's.
///
/// ```
/// use apishield::prelude::*;
/// use apishield::routing::{Routes, get};
///
/// async fn me(principal: Principal) -> String {
///     principal.subject().to_owned()
/// }
///
/// #[public]
/// async fn health() -> &'static str {
///     "ok"
/// }
///
/// let routes = Routes::new().route("/me", get(me)).route("/health", get(health));
/// assert_eq!(routes.entries().len(), 2);
/// let app: axum::Router = routes.into_router();
/// # let _ = app;
/// ```
#[must_use = "routes do nothing until they are turned into a router"]
pub struct Routes<S = ()> {
    router: Router<S>,
    entries: Vec<RouteEntry>,
}

/// One route: a method on a path, and what it enforces.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RouteEntry {
    /// `GET`, `POST`, ...; `*` for routes registered without their methods
    /// ([`Routes::public_router`]) and for the fallback.
    pub method: String,
    /// The path as registered, nesting prefixes included (`/orders/{id}`).
    pub path: String,
    /// What it enforces.
    #[serde(flatten)]
    pub facts: RouteFacts,
}

impl<S> std::fmt::Debug for Routes<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes").field("entries", &self.entries).finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// No routes yet.
    pub fn new() -> Self {
        Routes { router: Router::new(), entries: Vec::new() }
    }

    /// Routes `path` to `method_router` (from [`get`](super::get),
    /// [`post`](super::post), ...).
    ///
    /// # Panics
    ///
    /// As axum's `Router::route`: on an invalid or overlapping path.
    pub fn route(mut self, path: &str, method_router: MethodRouter<S>) -> Self {
        self.router = self.router.route(path, method_router.inner);
        self.entries.extend(method_router.methods.into_iter().map(|(method, facts)| RouteEntry {
            method: method.to_string(),
            path: path.to_owned(),
            facts,
        }));
        self
    }

    /// Serves `routes` under `prefix` (axum's `Router::nest`).
    pub fn nest(mut self, prefix: &str, routes: Routes<S>) -> Self {
        self.router = self.router.nest(prefix, routes.router);
        let prefix = prefix.trim_end_matches('/');
        self.entries.extend(routes.entries.into_iter().map(|mut entry| {
            entry.path = if entry.path == "/" { prefix.to_owned() } else { format!("{prefix}{}", entry.path) };
            entry
        }));
        self
    }

    /// Adds the routes of `other` (axum's `Router::merge`).
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.entries.extend(other.entries);
        self
    }

    /// Adds a plain axum router whose every route is public: static files,
    /// a health check written elsewhere. Its routes are recorded as one
    /// entry, `*` on `described_as`, since axum does not list them.
    pub fn public_router(mut self, described_as: &str, router: Router<S>) -> Self {
        self.router = self.router.merge(router);
        self.entries.push(RouteEntry {
            method: "*".to_owned(),
            path: described_as.to_owned(),
            facts: RouteFacts::unchecked_public(),
        });
        self
    }

    /// The handler for requests no route matches (axum's
    /// `Router::fallback`), checked like a route's.
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.router = self.router.fallback(handler);
        self.entries.push(RouteEntry { method: "*".to_owned(), path: "(fallback)".to_owned(), facts: H::facts() });
        self
    }

    /// Wraps every route added so far in `layer` (axum's `Router::layer`),
    /// and records it on them. apishield's own layers are recognised (the
    /// audit shows what they enforce) when given one by one, not inside a
    /// `ServiceBuilder` stack.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.record(layer_fact(&layer));
        self.router = self.router.layer(layer);
        self
    }

    /// Wraps the routes added so far in `layer`, only once a route matched
    /// (axum's `Router::route_layer`), and records it on them.
    pub fn route_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        self.record(layer_fact(&layer));
        self.router = self.router.route_layer(layer);
        self
    }

    /// Stacks apishield's [`SafeDefaults`](crate::axum::SafeDefaults)
    /// (request ids, security headers, HTTPS, CORS, the body limit) around every
    /// route added so far, and records them for the audit.
    pub fn safe_defaults(mut self, defaults: crate::axum::SafeDefaults) -> Self {
        let fact = LayerFact {
            type_name: std::any::type_name::<crate::axum::SafeDefaults>(),
            enforces: Some(defaults.enforcement()),
        };
        self.record(fact);
        let https = LayerFact {
            type_name: std::any::type_name::<crate::axum::HttpsLayer>(),
            enforces: Some(defaults.https_enforcement()),
        };
        self.record(https);
        self.router = defaults.apply(self.router);
        self
    }

    /// The recommended stack around every route added so far, in one
    /// `Router::layer` call ([`SafeDefaults::around`](crate::axum::SafeDefaults::around)):
    /// the same layers in the same order as `.layer(rate_limit)`,
    /// `.layer(authentication)` and `.safe_defaults(defaults)`, recorded the
    /// same way for the audit, with the routes boxed once instead of three
    /// times per request.
    pub fn secure_stack(
        mut self,
        defaults: crate::axum::SafeDefaults,
        authentication: crate::axum::AuthenticationLayer,
        rate_limit: crate::axum::RateLimitLayer,
    ) -> Self {
        self.record(layer_fact(&rate_limit));
        self.record(layer_fact(&authentication));
        self.record(LayerFact {
            type_name: std::any::type_name::<crate::axum::SafeDefaults>(),
            enforces: Some(defaults.enforcement()),
        });
        self.record(LayerFact {
            type_name: std::any::type_name::<crate::axum::HttpsLayer>(),
            enforces: Some(defaults.https_enforcement()),
        });
        self.router = self.router.layer(defaults.around(authentication, rate_limit));
        self
    }

    /// Gives the routes their state (axum's `Router::with_state`).
    pub fn with_state<S2>(self, state: S) -> Routes<S2> {
        Routes { router: self.router.with_state(state), entries: self.entries }
    }

    /// The routes so far, with what each enforces.
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The axum router, to serve or to nest in a plain one. Routes added to
    /// it afterwards are outside apishield's policy and its audit.
    pub fn into_router(self) -> Router<S> {
        self.router
    }

    /// Both: the router and what its routes enforce.
    pub fn into_parts(self) -> (Router<S>, Vec<RouteEntry>) {
        (self.router, self.entries)
    }

    fn record(&mut self, fact: LayerFact) {
        for entry in &mut self.entries {
            entry.facts.layers.push(fact.clone());
        }
    }
}

impl<S> From<Routes<S>> for Router<S> {
    fn from(routes: Routes<S>) -> Router<S> {
        routes.router
    }
}

impl RouteFacts {
    fn unchecked_public() -> RouteFacts {
        let mut facts = RouteFacts::new::<Routes, ()>(Some(false));
        facts.handler = "(plain axum router)";
        facts.access = RouteAccess::Public;
        facts
    }
}
