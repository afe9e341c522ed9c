//! `key: value, ...` into fields, keeping every span. Only the shape is
//! parsed here; what each value must be is decided in `check`, so that one
//! compile reports every mistake.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token};

/// One `key: value`.
pub(super) struct Field {
    pub(super) key: Ident,
    pub(super) value: Expr,
}

impl Parse for Field {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.call(Ident::parse_any)?;
        input.parse::<Token![:]>()?;
        let value = input.parse()?;
        Ok(Field { key, value })
    }
}

pub(super) fn parse(input: TokenStream) -> syn::Result<Vec<Field>> {
    let fields = Punctuated::<Field, Token![,]>::parse_terminated.parse2(input).map_err(|e| {
        let help = "write `key: value` pairs separated by commas: `cors! { origins: [\"https://app.example.com\"], \
                    methods: [GET] }`";
        syn::Error::new(e.span(), format!("{e}\nhelp: {help}"))
    })?;
    Ok(fields.into_iter().collect())
}
