//! The security reference's Quick Security Review Checklist, evaluated for
//! a whole program from its routes (feature `axum`).
//!
//! [`Routes`] records what every route enforces;
//! [`Audit::of`] turns that into the checklist: for each of its 22 items a
//! [`Status`] with the evidence (which routes, which layer, compile time or
//! run time) and, where it is not enforced, the routes at fault and the
//! fix. With it come a per-route table and the annotated types of every
//! crate linked into the program ([`RegisteredType`]).
//!
//! ```
//! use apishield::audit::Audit;
//! use apishield::prelude::*;
//! use apishield::routing::{Routes, get};
//!
//! async fn me(principal: Principal) -> String {
//!     principal.subject().to_owned()
//! }
//!
//! let routes: Routes = Routes::new().route("/me", get(me)).layer(AuthenticationLayer::new());
//! let audit = Audit::of(&routes);
//! println!("{audit}");                            // the terminal table
//! let _markdown = audit.to_markdown();
//! let json = audit.to_json();                     // stable keys, for snapshot tests
//! assert_eq!(json["routes"][0]["path"], "/me");
//! ```
//!
//! A [`Policy`] makes a team's rules a failing test ([`assert_policy`]).
//!
//! What the audit cannot see it says so: the layers given to
//! `Routes::layer` are recognised when they are apishield's
//! `Authentication` and `RateLimit`, the safe defaults when given through
//! `Routes::safe_defaults`; a handler's own error bodies, the database
//! and the CI are outside the routes (the items say `Partial` or
//! `OutOfScope`, and why).

mod checklist;
mod evaluate;
mod policy;
mod registry;
mod render;
mod routes;
mod rules;
mod types;
mod view;

use std::fmt;

pub use checklist::{Finding, Item, Section, Stage, Status};
pub use policy::{Policy, Violation, assert_policy};
pub use registry::{RegisteredType, TypePolicy};
pub use routes::{InputRow, RouteRow};
pub use rules::Rule;
pub use types::TypeRow;

use crate::routing::{RouteEntry, Routes};

/// The checklist, the per-route table and the annotated types of one program.
#[derive(Debug, Clone)]
pub struct Audit {
    entries: Vec<RouteEntry>,
    routes: Vec<RouteRow>,
    types: Vec<TypeRow>,
    policy: Option<Policy>,
    checklist: Vec<Finding>,
    violations: Vec<Violation>,
}

impl Audit {
    /// The audit of `routes`, with every annotated type registered in the
    /// program.
    pub fn of<S: Clone + Send + Sync + 'static>(routes: &Routes<S>) -> Audit {
        Audit::from_entries(routes.entries().to_vec())
    }

    /// The audit of routes already taken apart ([`Routes::into_parts`]).
    pub fn from_entries(entries: Vec<RouteEntry>) -> Audit {
        let mut audit = Audit {
            routes: entries.iter().map(RouteRow::of).collect(),
            entries,
            types: types::rows(RegisteredType::all()),
            policy: None,
            checklist: Vec::new(),
            violations: Vec::new(),
        };
        audit.evaluate();
        audit
    }

    /// The same audit under a team's `policy`: its exemptions are left out of
    /// the checklist's faults (and listed as exempt), and its violations are
    /// part of every report.
    #[must_use]
    pub fn with_policy(mut self, policy: &Policy) -> Audit {
        self.policy = Some(policy.clone());
        self.evaluate();
        self
    }

    /// Keeps only the types `keep` says yes to, e.g. those of one's own
    /// crate (the registry holds every linked crate's).
    #[must_use]
    pub fn retain_types(mut self, keep: impl FnMut(&TypeRow) -> bool) -> Audit {
        self.types.retain(keep);
        self.evaluate();
        self
    }

    fn evaluate(&mut self) {
        let cx = evaluate::Cx { entries: &self.entries, policy: self.policy.as_ref(), types: &self.types };
        self.checklist = evaluate::checklist(&cx);
        self.violations = self.policy.as_ref().map(|p| p.check(self)).unwrap_or_default();
    }

    /// The routes, as `Routes` recorded them.
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// Every item of the checklist, in its order.
    pub fn checklist(&self) -> &[Finding] {
        &self.checklist
    }

    /// The finding for one item.
    pub fn finding(&self, item: Item) -> &Finding {
        // Every item has its finding: `evaluate::checklist` makes one per item.
        let at = Item::ALL.iter().position(|i| *i == item).unwrap_or(0);
        &self.checklist[at]
    }

    /// The per-route table.
    pub fn routes(&self) -> &[RouteRow] {
        &self.routes
    }

    /// The annotated types, by module and name.
    pub fn types(&self) -> &[TypeRow] {
        &self.types
    }

    /// The policy given to [`with_policy`](Self::with_policy), if any.
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }

    /// Its violations (none without a policy).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The report as a plain-text table (what `Display` prints), wrapped to
    /// 100 columns.
    pub fn to_table(&self) -> String {
        render::text::render(self)
    }

    /// The report as Markdown: one table per section.
    pub fn to_markdown(&self) -> String {
        render::markdown::render(self)
    }

    /// The report as JSON, keys and order stable (for snapshot tests and CI).
    pub fn to_json(&self) -> serde_json::Value {
        render::json::render(self)
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_table())
    }
}

#[cfg(test)]
mod tests;
