//! `cors! { origins: [...], methods: [...], ... }`: a `CorsPolicy` whose every
//! value was checked at compile time.
//!
//! parse (keys and values, spans kept) -> check (the rules shared with the runtime, every
//! error collected) -> expand (a call of the runtime's `const fn` with the
//! checked parts, so the policy can also be a `const` or a `static`).

mod check;
mod expand;
mod parse;

// The rules shared with `CorsPolicy::builder()`, so the macro and the
// builder can never disagree, and say the same words.
use apishield_internals::cors as rules;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    match parse::parse(input) {
        Ok(fields) => {
            let policy = check::check(&cx, &fields);
            if !cx.has_errors() {
                return expand::expand(&policy);
            }
        }
        Err(e) => cx.syn_error(e),
    }
    expand::with_errors(cx.into_compile_errors())
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// Odd inputs give errors (and the placeholder policy), never a panic.
    #[test]
    fn never_panics() {
        let inputs = [
            quote!(),
            quote!(,),
            quote!(origins),
            quote!(origins:),
            quote!(type: 1, fn: 2),
            quote!(origins: ["*"; 3], methods: [GET]),
            quote!(origins: [b"https://a.example"], methods: [a::b, <T>::GET, GET()]),
            quote!(origins: [r"https://a.example"], methods: [GET], max_age: 99999999999999999999999999999),
            quote!(origins: ["https://a.example"], methods: [GET], max_age: 1.5, credentials: (true)),
            quote!(origins: [("https://a.example")], methods: [(GET)], headers: [concat!("a", "b")]),
            quote!(origins: ["https://a.example"] methods: [GET]),
            quote!(origins: ["\u{0}", "https://\u{202e}a.example", "https://[", "https://[]", "https://:"], methods: [GET]),
        ];
        for input in inputs {
            let out = super::expand(input.clone()).to_string();
            assert!(out.contains("compile_error"), "{input}: {out}");
            assert!(out.contains("cors_policy"), "{input}: {out}");
        }
        let ok =
            super::expand(quote!(origins: [r"https://a.example"], methods: [(GET)], credentials: (true))).to_string();
        assert!(!ok.contains("compile_error"), "{ok}");
    }
}
