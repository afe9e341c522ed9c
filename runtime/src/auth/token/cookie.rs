//! Token cookies that cannot be insecure (feature `http`).

use std::fmt;
use std::time::Duration;

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue};

/// The prefix of every token cookie's name: `__Host-`. Browsers accept a
/// cookie so named only with `Secure`, `Path=/` and no `Domain`, from a
/// secure origin: a sibling subdomain (or a man in the middle on plain
/// HTTP) cannot plant or overwrite one.
pub const HOST_PREFIX: &str = "__Host-";

/// The longest cookie value written: 4000 bytes (browsers keep about 4 KiB
/// per cookie, name and attributes included).
pub const MAX_COOKIE_VALUE_LEN: usize = 4000;

/// The `SameSite` attribute of a token cookie. There is no `None`: a token
/// cookie sent with cross-site requests is what CSRF is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Sent only with requests from the same site (the default).
    #[default]
    Strict,
    /// Also sent with top-level navigations from other sites (a link from
    /// an email that should land logged in); never with their `POST`s,
    /// `fetch`es or frames. Choose it explicitly.
    Lax,
}

impl SameSite {
    /// The attribute's value: `Strict` or `Lax`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
        }
    }
}

/// Why a token cookie was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieError {
    /// The name is empty, longer than 64 bytes, starts with `__` or has a
    /// character outside RFC 6265's token set.
    InvalidName,
    /// The value is empty, too long, or has a character outside RFC 6265's
    /// cookie-octets (a space, `"`, `,`, `;`, `\`, a control character).
    InvalidValue,
    /// The request carries the cookie twice: neither is trusted.
    Duplicate,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CookieError::InvalidName => "invalid cookie name",
            CookieError::InvalidValue => "invalid cookie value",
            CookieError::Duplicate => "the cookie appears twice",
        })
    }
}

impl std::error::Error for CookieError {}

/// A cookie that carries a token: always `__Host-<name>`, `HttpOnly` (no
/// script reads it, so an XSS cannot steal the token), `Secure`, `Path=/`,
/// no `Domain`, and `SameSite=Strict` (or, explicitly, `Lax`).
///
/// Those are not defaults but the only values: the type has no setter for
/// `Secure`, `HttpOnly`, `Domain`, `Path` or the prefix, and [`SameSite`]
/// has no `None`, so an insecure token cookie cannot be written with it
/// (`ui-tests/token/fail` holds the attempts, each a compile error).
///
/// ```
/// use std::time::Duration;
/// use apishield::auth::token::{SameSite, TokenCookie};
///
/// let cookie = TokenCookie::new("refresh")?.same_site(SameSite::Lax);
/// let header = cookie.set("rt_abc", Duration::from_secs(600))?;
/// assert_eq!(header, "__Host-refresh=rt_abc; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=Lax");
/// assert_eq!(cookie.clear(), "__Host-refresh=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
/// # Ok::<(), apishield::auth::token::CookieError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCookie {
    name: String,
    same_site: SameSite,
}

impl TokenCookie {
    /// A cookie named `__Host-<name>`, `SameSite=Strict`. `name` is 1 to
    /// 64 RFC 6265 token characters, not itself starting with `__`.
    pub fn new(name: &str) -> Result<TokenCookie, CookieError> {
        if name.is_empty() || name.len() > 64 || name.starts_with("__") || !name.bytes().all(is_token_char) {
            return Err(CookieError::InvalidName);
        }
        Ok(TokenCookie { name: format!("{HOST_PREFIX}{name}"), same_site: SameSite::Strict })
    }

    /// `SameSite=Lax` instead of `Strict`; nothing weaker exists.
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> TokenCookie {
        self.same_site = same_site;
        self
    }

    /// The full name, `__Host-` included.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `SameSite` attribute.
    pub fn get_same_site(&self) -> SameSite {
        self.same_site
    }

    /// The `Set-Cookie` value that stores `value` for `max_age` (the
    /// token's remaining lifetime, so the browser drops it when the token
    /// expires).
    pub fn set(&self, value: &str, max_age: Duration) -> Result<HeaderValue, CookieError> {
        if value.is_empty() || value.len() > MAX_COOKIE_VALUE_LEN || !value.bytes().all(is_cookie_octet) {
            return Err(CookieError::InvalidValue);
        }
        let header = self.header(value, max_age.as_secs());
        HeaderValue::try_from(header).map_err(|_| CookieError::InvalidValue)
    }

    /// The `Set-Cookie` value that deletes the cookie (logout).
    pub fn clear(&self) -> HeaderValue {
        // Name and attributes are checked visible ASCII.
        HeaderValue::try_from(self.header("", 0)).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// Appends [`set`](Self::set) to `headers` as a `Set-Cookie`.
    pub fn set_into(&self, headers: &mut HeaderMap, value: &str, max_age: Duration) -> Result<(), CookieError> {
        headers.append(SET_COOKIE, self.set(value, max_age)?);
        Ok(())
    }

    /// The cookie's value in a request's `Cookie` headers: `None` if absent,
    /// [`CookieError::Duplicate`] if it appears twice (a browser sends one
    /// `__Host-` cookie of a name; two mean a forged header).
    pub fn read<'h>(&self, headers: &'h HeaderMap) -> Result<Option<&'h str>, CookieError> {
        read_cookie(headers, &COOKIE, &self.name)
    }

    fn header(&self, value: &str, max_age: u64) -> String {
        format!(
            "{}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite={}",
            self.name,
            self.same_site.as_str()
        )
    }
}

fn read_cookie<'h>(headers: &'h HeaderMap, header: &HeaderName, name: &str) -> Result<Option<&'h str>, CookieError> {
    let mut found = None;
    for value in headers.get_all(header) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            let Some((n, v)) = pair.trim().split_once('=') else { continue };
            if n == name {
                if found.is_some() {
                    return Err(CookieError::Duplicate);
                }
                found = Some(v);
            }
        }
    }
    Ok(found)
}

/// RFC 7230 `tchar` (RFC 6265's cookie-name is a `token`).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265 `cookie-octet`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_checked() {
        for bad in ["", "__Secure-x", "a b", "a;b", "a=b", "é", &"x".repeat(65)] {
            assert_eq!(TokenCookie::new(bad).unwrap_err(), CookieError::InvalidName, "{bad}");
        }
        let cookie = TokenCookie::new("at").unwrap();
        assert_eq!(cookie.name(), "__Host-at");
        for bad in ["", "a b", "a;b", "a,b", "a\"b", "a\\b", "a\nb", &"x".repeat(4001)] {
            assert_eq!(cookie.set(bad, Duration::from_secs(1)).unwrap_err(), CookieError::InvalidValue);
        }
        let header = cookie.set("eyJ.a-b_c.d", Duration::from_secs(900)).unwrap();
        assert_eq!(header, "__Host-at=eyJ.a-b_c.d; Path=/; Max-Age=900; Secure; HttpOnly; SameSite=Strict");
    }

    #[test]
    fn reading_finds_the_exact_name_once() {
        let cookie = TokenCookie::new("at").unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(cookie.read(&headers), Ok(None));
        headers.insert(COOKIE, HeaderValue::from_static("at=plain; __Host-at2=x; theme=dark;__Host-at=tok"));
        assert_eq!(cookie.read(&headers), Ok(Some("tok")));
        headers.append(COOKIE, HeaderValue::from_static("__Host-at=other"));
        assert_eq!(cookie.read(&headers), Err(CookieError::Duplicate));
    }
}
