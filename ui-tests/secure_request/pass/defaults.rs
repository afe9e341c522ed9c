use apishield::prelude::*;

#[secure_request]
pub struct Settings {
    #[shield(len = ..=10, default)]
    pub nickname: String,
    #[shield(range = 1..=10, default = 5)]
    pub volume: u8,
    #[shield(range = 0.0..=1.0, default = 0.5)]
    pub pan: f64,
    #[shield(one_of = ["light", "dark"], default = "light")]
    pub theme: String,
    #[shield(default = true)]
    pub sounds: bool,
    #[shield(max_items = 3, each(len = ..=3), default)]
    pub tags: Vec<String>,
}

fn main() {
    let s = Settings::from_json(b"{}").unwrap();
    assert_eq!((s.nickname.as_str(), s.volume, s.pan, s.theme.as_str(), s.sounds), ("", 5, 0.5, "light", true));
    assert!(s.tags.is_empty());
}
