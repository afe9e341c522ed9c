//! Length of a string in Unicode scalar values (`char`s), the unit of `len`.
//!
//! Peers differ here (validator counts chars, garde counts bytes); chars are
//! what a user calls "characters" for most text and never split a code point.
//! Counting is skipped whenever the byte length alone decides: a string has
//! between `bytes / 4` and `bytes` chars.

/// How a string's length compares to `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    Short,
    Within,
    Long,
}

#[inline(always)]
pub(crate) fn classify(s: &str, min: usize, max: usize) -> Fit {
    let bytes = s.len();
    let fewest_chars = bytes.div_ceil(4);
    if bytes < min {
        return Fit::Short;
    }
    if fewest_chars > max {
        return Fit::Long;
    }
    if bytes <= max && fewest_chars >= min {
        return Fit::Within;
    }
    let chars = s.chars().count();
    if chars < min {
        Fit::Short
    } else if chars > max {
        Fit::Long
    } else {
        Fit::Within
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_counting(s in "\\PC{0,40}", min in 0usize..30, extra in 0usize..30) {
            let max = min + extra;
            let n = s.chars().count();
            let expected = if n < min { Fit::Short } else if n > max { Fit::Long } else { Fit::Within };
            prop_assert_eq!(classify(&s, min, max), expected);
        }
    }
}
