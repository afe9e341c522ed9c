use apishield::prelude::*;

/// A request with no fields: only `{}` is accepted.
#[secure_request]
pub struct Ping {}

/// A recursive request: the depth limit bounds it.
#[secure_request]
pub struct Node {
    #[shield(len = ..=10)]
    pub name: String,
    #[shield(max_items = 4)]
    pub children: Vec<Node>,
    pub next: Option<Box<Node>>,
}

/// Mutually recursive requests.
#[secure_request]
pub struct Expr {
    #[shield(len = ..=10)]
    pub op: String,
    #[shield(max_items = 4)]
    pub blocks: Vec<Block>,
}

/// Mutually recursive requests.
#[secure_request]
pub struct Block {
    #[shield(max_items = 4)]
    pub exprs: Vec<Expr>,
}

fn main() {
    let e = Expr::from_json(br#"{"op":"+","blocks":[{"exprs":[{"op":"-","blocks":[]}]}]}"#).unwrap();
    assert_eq!(e.blocks[0].exprs[0].op, "-");
    // The depth limit stops runaway nesting with an error, not a stack overflow.
    let deep = format!("{}{}", r#"{"op":"x","blocks":[{"exprs":["#.repeat(40), "]}]}".repeat(40));
    assert!(Expr::from_json(deep.as_bytes()).is_err());
    assert!(Ping::from_json(b"{}").is_ok());
    assert!(Ping::from_json(br#"{"x":1}"#).is_err());
    let tree = Node::from_json(br#"{"name":"a","children":[{"name":"b","children":[]}],"next":null}"#).unwrap();
    assert_eq!(tree.children[0].name, "b");
}
