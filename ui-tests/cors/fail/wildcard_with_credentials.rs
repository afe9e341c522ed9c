use apishield::prelude::*;

fn main() {
    let _ = cors! {
        origins: ["*"],
        methods: [GET],
        credentials: true,
    };
}
