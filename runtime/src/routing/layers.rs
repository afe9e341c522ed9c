//! Which of apishield's layers a `Routes::layer` call adds, and what it
//! enforces. A layer is recognised by its type (`Any`), so that any tower
//! layer can still be given to `Routes::layer`: one of apishield's tells the
//! audit what it enforces, any other is recorded by its type name.

use std::any::Any;

use super::facts::{Enforcement, LayerFact};
use crate::axum::{AuthenticationLayer, HttpsLayer, RateLimitLayer};

/// The fact a layer adds to the routes it wraps.
pub(crate) fn layer_fact<L: Any>(layer: &L) -> LayerFact {
    let any: &dyn Any = layer;
    LayerFact { type_name: std::any::type_name::<L>(), enforces: enforcement(any) }
}

fn enforcement(layer: &dyn Any) -> Option<Enforcement> {
    if let Some(auth) = layer.downcast_ref::<AuthenticationLayer>() {
        return Some(auth.enforcement());
    }
    if let Some(https) = layer.downcast_ref::<HttpsLayer>() {
        return Some(https.enforcement());
    }
    if let Some(limit) = layer.downcast_ref::<RateLimitLayer>() {
        return Some(limit.enforcement());
    }
    None
}
