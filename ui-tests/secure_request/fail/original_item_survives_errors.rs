use apishield::prelude::*;
#[secure_request]
pub struct Broken {
    pub title: String,
}

fn main() {
    // The struct is still there for the IDE and the rest of the crate: only
    // the macro's own error is reported, not "cannot find type `Broken`".
    let broken = Broken { title: String::new() };
    let _: &str = &broken.title;
}
