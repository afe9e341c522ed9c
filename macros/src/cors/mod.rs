//! `cors! { origins: [...], methods: [...], ... }`: a `CorsPolicy` whose every
//! value was checked at compile time.
//!
//! attr (keys and values, spans kept: the model) -> check (the shared rules,
//! every error collected, into a checked policy) -> emit (a call of the
//! runtime's `const fn` with the checked parts only, so the policy can also
//! be a `const` or a `static`).

mod attr;
mod check;
mod emit;

// The rules shared with `CorsPolicy::builder()`, so the macro and the
// builder can never disagree, and say the same words.
use apishield_internals::cors as rules;

use proc_macro2::TokenStream;

use crate::ctxt::Ctxt;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let checked = match attr::parse(input) {
        Ok(fields) => check::check(&cx, &fields),
        Err(e) => {
            cx.syn_error(e);
            None
        }
    };
    match checked {
        Some(policy) if !cx.has_errors() => {
            cx.finish();
            emit::emit(&policy)
        }
        _ => emit::with_errors(cx.finish()),
    }
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
