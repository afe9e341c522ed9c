use apishield::prelude::*;
#[secure_request]
#[serde(untagged)]
pub enum Payment {
    Card {
        #[shield(len = 12..=19)]
        number: String,
    },
    Iban {
        #[shield(len = 15..=34)]
        iban: String,
    },
}

fn main() {}
