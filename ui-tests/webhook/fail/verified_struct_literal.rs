// Processing code takes `Verified<T>`; a payload that skipped verification
// cannot be dressed up as one with a struct literal.
use apishield::webhook::Verified;

#[derive(serde::Deserialize)]
pub struct RefundIssued {
    pub refund: String,
    pub amount_cents: u64,
}

fn process(_event: Verified<RefundIssued>) {}

fn main() {
    let forged = RefundIssued { refund: "re_1".into(), amount_cents: 1_000_000 };
    process(Verified { payload: forged });
}
