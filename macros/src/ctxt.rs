//! Collects every error of one expansion, so the user sees all of them in one
//! compile instead of fixing them one rebuild at a time.
//!
//! A `Ctxt` must be finished ([`Ctxt::finish`]) before it is dropped: an
//! expansion path that forgot its errors would silently accept a broken item.
//! Dropping an unfinished `Ctxt` is a bug of the macro, caught by a debug
//! assertion (never a panic in a release build of the macro, and never on the
//! way out of another panic).

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

pub(crate) struct Ctxt {
    /// `None` once finished.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: RefCell::new(Some(Vec::new())) }
    }

    fn push(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// An error spanned on `span`, with a `help:` line that says the fix.
    pub(crate) fn error(&self, span: Span, message: impl Display, help: impl Display) {
        self.push(syn::Error::new(span, format!("{message}\nhelp: {help}")));
    }

    /// An error spanned on all of `tokens` (first to last token).
    pub(crate) fn error_on(&self, tokens: impl ToTokens, message: impl Display, help: impl Display) {
        self.push(syn::Error::new_spanned(tokens, format!("{message}\nhelp: {help}")));
    }

    /// A syntax error from syn (already worded; it says what was expected).
    pub(crate) fn syn_error(&self, error: syn::Error) {
        self.push(error);
    }

    /// How many errors so far: a parser compares it before and after a
    /// part, to know whether that part was understood.
    pub(crate) fn error_count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.errors.borrow().as_ref().is_some_and(|e| !e.is_empty())
    }

    /// Takes the errors: `compile_error!` invocations, empty if there are none.
    pub(crate) fn finish(self) -> TokenStream {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        errors.into_iter().map(|e| e.to_compile_error()).collect()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A bug of the macro, not of the user's input: checked in debug
        // builds (every test), never a panic while already unwinding.
        if !std::thread::panicking() {
            debug_assert!(self.errors.get_mut().is_none(), "a Ctxt was dropped without finish()");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;

    #[test]
    fn finish_takes_every_error() {
        let cx = Ctxt::new();
        cx.error(proc_macro2::Span::call_site(), "first", "fix it");
        cx.error(proc_macro2::Span::call_site(), "second", "fix it too");
        assert!(cx.has_errors());
        let out = cx.finish().to_string();
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "without finish")]
    fn dropping_unfinished_errors_is_caught() {
        let cx = Ctxt::new();
        cx.error(proc_macro2::Span::call_site(), "lost", "never seen");
    }
}
