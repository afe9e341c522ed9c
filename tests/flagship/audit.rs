//! The service's routes follow the team's policy, and the audit finds
//! nothing missing.

use apishield::audit::{Status, assert_policy};
use apishield_examples::orders_api::{self, policy};

use crate::support::test_config;

#[tokio::test]
async fn the_routes_follow_the_policy() {
    let app = orders_api::app(&test_config()).await.expect("the service starts");
    let audit = app.audit();
    assert_policy(&audit, &policy());
    let report = audit.to_string();
    assert!(report.contains("/payments"), "{report}");
    for finding in audit.checklist() {
        assert_ne!(finding.status, Status::Missing, "{report}");
    }
}
