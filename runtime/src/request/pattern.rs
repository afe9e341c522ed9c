//! `pattern = "..."`: a regular expression the whole value must match.
//!
//! The expression is anchored at both ends (`\A(?:...)\z`): an unanchored
//! `[a-z]+` would accept `abc<script>`, which is never what a field rule
//! means. Its syntax is checked at compile time by `#[secure_request]`; it is
//! compiled once, on first use.

use std::sync::OnceLock;

use regex::Regex;

/// A compiled-once, fully anchored pattern. Declared by generated code as a `static`.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern over `source`, the expression as the user wrote it.
    pub const fn new(source: &'static str) -> Self {
        Pattern { source, compiled: OnceLock::new() }
    }

    /// The expression as the user wrote it.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether all of `s` matches. A pattern that fails to compile (only the
    /// regex size limit can cause that: the syntax was checked at compile
    /// time) matches nothing, so the field fails closed.
    pub fn is_full_match(&self, s: &str) -> bool {
        let compiled = self.compiled.get_or_init(|| match Regex::new(&format!(r"\A(?:{})\z", self.source)) {
            Ok(re) => Some(re),
            Err(error) => {
                tracing::error!(pattern = self.source, %error, "field pattern does not compile; the field rejects every value");
                None
            }
        });
        compiled.as_ref().is_some_and(|re| re.is_match(s))
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn matches_the_whole_value_only() {
        static P: Pattern = Pattern::new("[a-z]+|[0-9]+");
        assert!(P.is_full_match("abc"));
        assert!(P.is_full_match("123"));
        assert!(!P.is_full_match("abc<script>"));
        assert!(!P.is_full_match("abc123"));
        assert!(!P.is_full_match(""));
    }
}
