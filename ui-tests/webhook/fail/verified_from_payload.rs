// No conversion, constructor or default makes a `Verified<T>` out of a plain `T`.
use apishield::webhook::Verified;

#[derive(serde::Deserialize)]
pub struct RefundIssued {
    pub refund: String,
}

fn process(_event: Verified<RefundIssued>) {}

fn main() {
    process(Verified::from(RefundIssued { refund: "re_1".into() }));
    process(RefundIssued { refund: "re_2".into() }.into());
    process(Verified::new(RefundIssued { refund: "re_3".into() }));
    process(Default::default());
}
