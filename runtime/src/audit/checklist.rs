//! The items of the security reference's Quick Security Review Checklist,
//! and what the audit found for each.

use std::fmt;

/// A section of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Section {
    /// Who the caller is.
    Authentication,
    /// What the caller may do and see.
    Authorization,
    /// What comes in and what goes out.
    InputOutput,
    /// The connection.
    Transport,
    /// Running the service.
    Operations,
}

impl Section {
    /// The section as the checklist titles it.
    pub fn title(self) -> &'static str {
        match self {
            Section::Authentication => "Authentication",
            Section::Authorization => "Authorization",
            Section::InputOutput => "Input/Output",
            Section::Transport => "Transport",
            Section::Operations => "Operations",
        }
    }

    /// A stable key (JSON).
    pub fn key(self) -> &'static str {
        match self {
            Section::Authentication => "authentication",
            Section::Authorization => "authorization",
            Section::InputOutput => "input_output",
            Section::Transport => "transport",
            Section::Operations => "operations",
        }
    }
}

macro_rules! items {
    ($($item:ident, $section:ident, $key:literal, $title:literal, [$($stage:ident),*];)+) => {
        /// One line of the checklist.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Item {
            $(#[doc = $title] $item,)+
        }

        impl Item {
            /// Every item, in the checklist's order.
            pub const ALL: &'static [Item] = &[$(Item::$item),+];

            /// Its section.
            pub fn section(self) -> Section {
                match self { $(Item::$item => Section::$section,)+ }
            }

            /// A stable key (JSON, policy messages).
            pub fn key(self) -> &'static str {
                match self { $(Item::$item => $key,)+ }
            }

            /// The line as the checklist words it.
            pub fn title(self) -> &'static str {
                match self { $(Item::$item => $title,)+ }
            }

            /// Where apishield enforces it.
            pub fn stages(self) -> &'static [Stage] {
                match self { $(Item::$item => &[$(Stage::$stage),*],)+ }
            }
        }
    };
}

items! {
    AllEndpointsAuthenticated, Authentication, "all_endpoints_authenticated",
        "All endpoints require authentication (unless explicitly public)", [CompileTime, RunTime];
    ApiKeysInHeaders, Authentication, "api_keys_in_headers", "API keys are in headers, not URLs", [CompileTime, RunTime];
    JwtAsymmetricShortExpiry, Authentication, "jwt_asymmetric_short_expiry", "JWTs use RS256 with short expiry", [RunTime];
    OauthPkce, Authentication, "oauth_pkce", "OAuth 2.0 with PKCE for public clients", [];
    TokenRotation, Authentication, "token_rotation", "Token rotation implemented", [RunTime];
    OwnershipChecks, Authorization, "ownership_checks", "Ownership check on every data access (BOLA prevention)",
        [CompileTime, RunTime];
    RoleChecks, Authorization, "role_checks", "Role check on every privileged operation", [RunTime];
    MassAssignment, Authorization, "mass_assignment", "Mass assignment protection (explicit field allowlists)",
        [CompileTime, RunTime];
    ResponseFiltering, Authorization, "response_filtering", "Response schemas filter sensitive fields",
        [CompileTime];
    SchemaValidation, InputOutput, "schema_validation", "Schema validation on all inputs", [CompileTime, RunTime];
    SizeLimits, InputOutput, "size_limits", "Size limits on all fields, arrays, and files", [CompileTime, RunTime];
    ParameterizedQueries, InputOutput, "parameterized_queries", "Parameterized queries (no string concatenation)",
        [];
    GenericErrors, InputOutput, "generic_errors", "Generic error messages (no stack traces)", [RunTime];
    Https, Transport, "https", "HTTPS everywhere (TLS 1.2+)", [RunTime];
    SecurityHeaders, Transport, "security_headers", "Security headers set", [RunTime];
    Cors, Transport, "cors", "CORS explicitly configured", [CompileTime, RunTime];
    Hsts, Transport, "hsts", "HSTS enabled", [RunTime];
    RateLimiting, Operations, "rate_limiting", "Rate limiting per user/IP", [RunTime];
    CorrelationIds, Operations, "correlation_ids", "Request logging with correlation IDs", [RunTime];
    WebhookSignatures, Operations, "webhook_signatures", "Webhook signatures verified", [CompileTime, RunTime];
    IdempotencyKeys, Operations, "idempotency_keys", "Idempotency keys for mutations", [RunTime];
    DependencyScanning, Operations, "dependency_scanning", "Dependencies scanned for CVEs", [Ci];
}

/// What the audit concluded for one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Every route it concerns enforces it.
    Enforced,
    /// Some routes do, or it is enforced only in part.
    Partial,
    /// No route it concerns enforces it.
    Missing,
    /// No route it concerns (no webhook, no JWT).
    NotApplicable,
    /// Outside what a program's routes can show (the database, the CI).
    OutOfScope,
}

impl Status {
    /// From how many routes an item concerns and how many of them are at fault.
    pub(crate) fn of(concerned: usize, at_fault: usize) -> Status {
        match (concerned, at_fault) {
            (0, _) => Status::NotApplicable,
            (_, 0) => Status::Enforced,
            (c, f) if f >= c => Status::Missing,
            _ => Status::Partial,
        }
    }

    /// A stable key (JSON).
    pub fn key(self) -> &'static str {
        match self {
            Status::Enforced => "enforced",
            Status::Partial => "partial",
            Status::Missing => "missing",
            Status::NotApplicable => "not_applicable",
            Status::OutOfScope => "out_of_scope",
        }
    }

    /// How the terminal table shows it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Enforced => "ENFORCED",
            Status::Partial => "PARTIAL",
            Status::Missing => "MISSING",
            Status::NotApplicable => "N/A",
            Status::OutOfScope => "OUT OF SCOPE",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// When apishield enforces an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// A mistake does not compile.
    CompileTime,
    /// A request that breaks it is refused.
    RunTime,
    /// The CI refuses it (`.ci/run`).
    Ci,
}

impl Stage {
    /// A stable key (JSON).
    pub fn key(self) -> &'static str {
        match self {
            Stage::CompileTime => "compile_time",
            Stage::RunTime => "run_time",
            Stage::Ci => "ci",
        }
    }
}

/// The audit's answer for one checklist item.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Finding {
    /// The item.
    pub item: Item,
    /// What the audit concluded.
    pub status: Status,
    /// What shows it: the routes, the layers, compile time or run time.
    pub evidence: String,
    /// The routes at fault (`POST /orders`), when it is not enforced.
    pub at_fault: Vec<String>,
    /// The routes a [`Policy`](super::Policy) exempts from it.
    pub exempt: Vec<String>,
    /// What to do about it, when it is not enforced.
    pub fix: Option<String>,
}

impl Finding {
    pub(crate) fn new(item: Item, status: Status, evidence: impl Into<String>) -> Finding {
        Finding { item, status, evidence: evidence.into(), at_fault: Vec::new(), exempt: Vec::new(), fix: None }
    }

    /// A finding whose status comes from the routes concerned and those at
    /// fault; the fix is kept only when something is at fault.
    pub(crate) fn from_routes(item: Item, concerned: usize, scan: super::evaluate::Scan, evidence: String) -> Finding {
        let status = Status::of(concerned, scan.at_fault.len());
        Finding {
            item,
            status,
            evidence,
            fix: (!scan.at_fault.is_empty()).then_some(scan.fix).flatten(),
            at_fault: scan.at_fault,
            exempt: scan.exempt,
        }
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_checklist_in_order() {
        assert_eq!(Item::ALL.len(), 22);
        let keys: std::collections::HashSet<_> = Item::ALL.iter().map(|i| i.key()).collect();
        assert_eq!(keys.len(), Item::ALL.len());
        assert_eq!(Item::ALL[0].section(), Section::Authentication);
        assert_eq!(Item::ALL[21].section(), Section::Operations);
    }

    #[test]
    fn status_from_counts() {
        assert_eq!(Status::of(0, 0), Status::NotApplicable);
        assert_eq!(Status::of(3, 0), Status::Enforced);
        assert_eq!(Status::of(3, 1), Status::Partial);
        assert_eq!(Status::of(3, 3), Status::Missing);
    }
}
