//! The checked policy as a call of `apishield::__private::cors_policy`, a
//! `const fn`: nothing is parsed or checked again at run time.

use proc_macro2::TokenStream;
use quote::quote;

use super::check::Checked;

pub(super) fn emit(policy: &Checked) -> TokenStream {
    let Checked { any_origin, origins, methods, headers, credentials, max_age, expose } = policy;
    let max_age = match max_age {
        Some(seconds) => quote!(::core::option::Option::Some(#seconds)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::apishield::__private::cors_policy(
            #any_origin,
            &[#(#origins),*],
            #methods,
            &[#(#headers),*],
            #credentials,
            #max_age,
            &[#(#expose),*],
        )
    }
}

/// The errors, and an empty policy in place of the expression, so that the
/// errors stand alone (no type errors or unreachable-code warnings after
/// them).
pub(super) fn with_errors(errors: TokenStream) -> TokenStream {
    quote! {{
        #errors
        ::apishield::__private::cors_policy(false, &[], 0, &[], false, ::core::option::Option::None, &[])
    }}
}
