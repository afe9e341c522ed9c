use apishield::prelude::*;

pub struct Envelope<T> {
    pub id: u64,
    pub data: T,
}

#[secure_response(from = Envelope<T>)]
pub struct EnvelopeResponse<T: Public + Clone> {
    pub id: u64,
    pub data: T,
}

fn main() {}
