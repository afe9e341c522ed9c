use apishield::auth::jwt::HmacSecret;

fn main() {
    // A secret in the source code ends up in every clone of the repository.
    let _a = HmacSecret::new("correct horse battery staple, 32+ bytes");
    let _b = HmacSecret::from("correct horse battery staple, 32+ bytes");
    let _c: HmacSecret = "correct horse battery staple, 32+ bytes".parse().unwrap();
}
