// A `Verified<T>` is not deserializable: reading one from a request body
// would skip the verification it stands for.
use apishield::webhook::Verified;

#[derive(serde::Deserialize)]
pub struct RefundIssued {
    pub refund: String,
}

fn main() {
    let body = br#"{"refund":"re_1"}"#;
    let _event: Verified<RefundIssued> = serde_json::from_slice(body).unwrap();
}
