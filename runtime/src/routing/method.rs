//! `get(handler)`, `post(handler)`, ...: axum's method routing, with every
//! handler's policy checked at compile time and recorded.

use std::convert::Infallible;

use axum::handler::Handler;
use axum::http::Method;

use super::access::{NotConflicting, NotOpen};
use super::extractor::RouteHandler;
use super::facts::RouteFacts;

/// axum's [`MethodRouter`](axum::routing::MethodRouter), with what each of
/// its methods' handlers enforces. Made by [`get`], [`post`], ... and
/// chained like axum's (`get(list).post(create)`); given to
/// [`Routes::route`](super::Routes::route).
#[must_use = "a method router does nothing until it is given to `Routes::route`"]
pub struct MethodRouter<S = ()> {
    pub(super) inner: axum::routing::MethodRouter<S, Infallible>,
    pub(super) methods: Vec<(Method, RouteFacts)>,
}

impl<S> std::fmt::Debug for MethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRouter").field("methods", &self.methods).finish_non_exhaustive()
    }
}

/// Routes `GET` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn get<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::get(handler), methods: Vec::new() }.record::<H, T>(Method::GET)
}

/// Routes `POST` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn post<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::post(handler), methods: Vec::new() }.record::<H, T>(Method::POST)
}

/// Routes `PUT` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn put<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::put(handler), methods: Vec::new() }.record::<H, T>(Method::PUT)
}

/// Routes `PATCH` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn patch<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::patch(handler), methods: Vec::new() }.record::<H, T>(Method::PATCH)
}

/// Routes `DELETE` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn delete<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::delete(handler), methods: Vec::new() }.record::<H, T>(Method::DELETE)
}

/// Routes `HEAD` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn head<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::head(handler), methods: Vec::new() }.record::<H, T>(Method::HEAD)
}

/// Routes `OPTIONS` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn options<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::options(handler), methods: Vec::new() }.record::<H, T>(Method::OPTIONS)
}

/// Routes `TRACE` requests to `handler`, whose route must be authenticated
/// or declared public (a compile error otherwise).
pub fn trace<H, T, S>(handler: H) -> MethodRouter<S>
where
    H: Handler<T, S> + RouteHandler<T>,
    <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    MethodRouter { inner: axum::routing::trace(handler), methods: Vec::new() }.record::<H, T>(Method::TRACE)
}

impl<S: Clone + Send + Sync + 'static> MethodRouter<S> {
    /// Also routes `GET` requests to `handler`, checked like [`get`].
    pub fn get<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.get(handler);
        self.record::<H, T>(Method::GET)
    }

    /// Also routes `POST` requests to `handler`, checked like [`post`].
    pub fn post<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.post(handler);
        self.record::<H, T>(Method::POST)
    }

    /// Also routes `PUT` requests to `handler`, checked like [`put`].
    pub fn put<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.put(handler);
        self.record::<H, T>(Method::PUT)
    }

    /// Also routes `PATCH` requests to `handler`, checked like [`patch`].
    pub fn patch<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.patch(handler);
        self.record::<H, T>(Method::PATCH)
    }

    /// Also routes `DELETE` requests to `handler`, checked like [`delete`].
    pub fn delete<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.delete(handler);
        self.record::<H, T>(Method::DELETE)
    }

    /// Also routes `HEAD` requests to `handler`, checked like [`head`].
    pub fn head<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.head(handler);
        self.record::<H, T>(Method::HEAD)
    }

    /// Also routes `OPTIONS` requests to `handler`, checked like [`options`].
    pub fn options<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.options(handler);
        self.record::<H, T>(Method::OPTIONS)
    }

    /// Also routes `TRACE` requests to `handler`, checked like [`trace`].
    pub fn trace<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S> + RouteHandler<T>,
        <H as RouteHandler<T>>::Access: NotOpen + NotConflicting,
        T: 'static,
    {
        self.inner = self.inner.trace(handler);
        self.record::<H, T>(Method::TRACE)
    }
}

impl<S> MethodRouter<S> {
    fn record<H: RouteHandler<T>, T>(mut self, method: Method) -> Self {
        self.methods.push((method, H::facts()));
        self
    }

    /// Gives these routes their state (axum's `MethodRouter::with_state`):
    /// a route's own [`WebhookEndpoint`](crate::axum::WebhookEndpoint), say.
    pub fn with_state<S2>(self, state: S) -> MethodRouter<S2>
    where
        S: Clone + Send + Sync + 'static,
    {
        MethodRouter { inner: self.inner.with_state(state), methods: self.methods }
    }

    /// The methods routed, with their handlers' facts.
    pub fn methods(&self) -> impl Iterator<Item = (&Method, &RouteFacts)> {
        self.methods.iter().map(|(m, f)| (m, f))
    }
}
