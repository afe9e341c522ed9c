use apishield::prelude::*;

#[secure_request]
#[derive(Debug, PartialEq)]
pub struct Card {
    #[shield(len = 12..=19, pattern = "[0-9]+")]
    pub number: String,
}

#[secure_request]
#[derive(Debug, PartialEq)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Payment {
    Card(Card),
    BankTransfer {
        #[shield(len = 15..=34)]
        iban: String,
    },
    #[serde(alias = "money")]
    Cash,
}

#[secure_request]
#[derive(Debug, PartialEq)]
#[serde(tag = "kind", content = "data", rename_all_fields = "camelCase")]
pub enum Event {
    Ping,
    Move {
        #[shield(range = -100..=100)]
        delta_x: i32,
    },
    Pay(Payment),
}

fn main() {
    assert_eq!(Payment::from_json(br#"{"method":"money"}"#).unwrap(), Payment::Cash);
    let late_tag = Payment::from_json(br#"{"iban":"DE89370400440532013000","method":"bank_transfer"}"#).unwrap();
    assert!(matches!(late_tag, Payment::BankTransfer { .. }));
    assert_eq!(Event::from_json(br#"{"kind":"Move","data":{"deltaX":5}}"#).unwrap(), Event::Move { delta_x: 5 });
    assert_eq!(Event::from_json(br#"{"data":{"method":"cash"},"kind":"Pay"}"#).unwrap(), Event::Pay(Payment::Cash));
}
