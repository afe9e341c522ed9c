//! The duration strings of attributes and configuration: `"24h"`, `"90s"`,
//! `"1h30m"`, `"7d"` (`#[idempotent(ttl = "24h")]`, a rate-limit window's
//! `period = "1m"` in a configuration file).

/// Whole seconds of `text`: digits and a unit (`s`, `m`, `h`, `d`),
/// repeated, with nothing else (no spaces, signs or fractions); `None` if it
/// is not one or overflows.
pub fn parse_secs(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        any = true;
    }
    (any && digits.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_secs;

    #[test]
    fn durations() {
        assert_eq!(parse_secs("24h"), Some(86_400));
        assert_eq!(parse_secs("90s"), Some(90));
        assert_eq!(parse_secs("1h30m"), Some(5_400));
        assert_eq!(parse_secs("7d"), Some(604_800));
        for bad in ["", "24", "h", "1.5h", "1 h", "-1s", "1w", "99999999999999999999s"] {
            assert_eq!(parse_secs(bad), None, "{bad}");
        }
    }
}
