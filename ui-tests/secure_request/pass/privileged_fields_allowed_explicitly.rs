use apishield::prelude::*;

#[secure_request]
pub struct Invite {
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    pub role: String,
    #[shield(max_items = 3, each(one_of = ["read", "write"]))]
    pub scopes: Vec<String>,
    /// Admins invite admins through a separate, role-checked endpoint; this one is deliberate.
    #[shield(client_settable)]
    pub is_verified: bool,
    /// Set by the server, never read from the client.
    #[serde(skip)]
    pub tenant_id: u64,
}

fn main() {
    let i = Invite::from_json(br#"{"role":"admin","scopes":["read"],"is_verified":false}"#).unwrap();
    assert_eq!(i.role, "user");
    assert_eq!(i.tenant_id, 0);
    assert!(Invite::from_json(br#"{"role":"user","scopes":[],"is_verified":true,"tenant_id":7}"#).is_err());
}
