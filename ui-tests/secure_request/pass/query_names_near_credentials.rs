use apishield::prelude::*;

// Names that contain a credential's name without being one.
#[secure_request(query)]
#[derive(Debug)]
pub struct Search {
    #[shield(len = ..=64)]
    pub author: Option<String>,
    #[shield(len = ..=64)]
    pub auth_method: Option<String>,
    #[shield(len = ..=64)]
    pub keyword: Option<String>,
    #[shield(range = 0..=100)]
    pub tokens_left: Option<u32>,
    #[serde(rename = "sort[name]")]
    #[shield(one_of = ["asc", "desc"])]
    pub sort_name: Option<String>,
}

fn main() {
    let s = Search::from_query("author=ada&keyword=rust&tokens_left=3&sort%5Bname%5D=asc").unwrap();
    assert_eq!(s.author.as_deref(), Some("ada"));
    assert_eq!(s.sort_name.as_deref(), Some("asc"));
}
