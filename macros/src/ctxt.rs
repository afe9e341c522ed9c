//! Collects every error of one expansion, so the user sees all of them in one
//! compile instead of fixing them one rebuild at a time.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

#[derive(Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt::default()
    }

    /// An error spanned on `span`, with a `help:` line that says the fix.
    pub(crate) fn error(&self, span: Span, message: impl Display, help: impl Display) {
        self.errors.borrow_mut().push(syn::Error::new(span, format!("{message}\nhelp: {help}")));
    }

    /// An error spanned on all of `tokens` (first to last token).
    pub(crate) fn error_on(&self, tokens: impl ToTokens, message: impl Display, help: impl Display) {
        self.errors.borrow_mut().push(syn::Error::new_spanned(tokens, format!("{message}\nhelp: {help}")));
    }

    /// A syntax error from syn (already worded; it says what was expected).
    pub(crate) fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// Every error as `compile_error!` invocations.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.errors.into_inner().into_iter().map(|e| e.to_compile_error()).collect()
    }
}
