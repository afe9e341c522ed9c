//! CSRF protection for cookie-authenticated requests (feature `http`):
//! the request's `Origin` (or `Sec-Fetch-Site`) must be the application's.

use std::fmt;

use http::{HeaderMap, Method};

/// `Sec-Fetch-Site`, the Fetch Metadata header.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// Why a cookie-authenticated request was refused as a possible CSRF, or a
/// policy was not built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfError {
    /// `Sec-Fetch-Site: cross-site`: another site's page sent it.
    CrossSite,
    /// `Origin` is not one of the allowed origins (or is `null`).
    OriginNotAllowed,
    /// Neither `Origin` nor `Sec-Fetch-Site: same-origin`: nothing shows
    /// the request came from the application's pages.
    NoProof,
    /// A configured origin is not `scheme://host[:port]` (https, or http
    /// for localhost only).
    InvalidOrigin,
}

impl CsrfError {
    /// A stable snake_case code for logs.
    pub const fn code(self) -> &'static str {
        match self {
            CsrfError::CrossSite => "csrf_cross_site",
            CsrfError::OriginNotAllowed => "csrf_origin_not_allowed",
            CsrfError::NoProof => "csrf_no_proof",
            CsrfError::InvalidOrigin => "invalid_origin",
        }
    }
}

impl fmt::Display for CsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CsrfError::CrossSite => "cross-site request refused",
            CsrfError::OriginNotAllowed => "request origin not allowed",
            CsrfError::NoProof => "no Origin or Sec-Fetch-Site proves the request's origin",
            CsrfError::InvalidOrigin => "an allowed origin must be scheme://host[:port]",
        })
    }
}

impl std::error::Error for CsrfError {}

/// The origins whose pages may send cookie-authenticated unsafe requests
/// (`POST`, `PUT`, `PATCH`, `DELETE`, ...). Safe methods (`GET`, `HEAD`,
/// `OPTIONS`, `TRACE`) change nothing and pass.
///
/// An unsafe request passes when:
///
/// 1. `Sec-Fetch-Site` is not `cross-site`, and
/// 2. `Origin` is one of the allowed origins, or, without `Origin`,
///    `Sec-Fetch-Site` is `same-origin`.
///
/// Why origin checks rather than a double-submit token: browsers put
/// `Origin` on every cross-origin request and every `POST`, and
/// `Sec-Fetch-Site` on every request (all current engines), and a page
/// cannot forge either; the check needs no state, no second cookie that
/// scripts must read (a double-submit token has to be readable by the
/// page, and an unsigned one can be planted by a sibling subdomain), and
/// nothing from the client. It backs up `SameSite`, which already keeps
/// the cookie off cross-site requests, against same-site attackers (a
/// sibling subdomain) and older browsers. Clients that are not browsers
/// send the token in `Authorization: Bearer`, which is never CSRF-checked:
/// no browser attaches it by itself.
///
/// ```
/// use apishield::auth::token::{CsrfError, CsrfPolicy};
/// use http::{HeaderMap, HeaderValue, Method};
///
/// let policy = CsrfPolicy::new(["https://app.example.com"])?;
/// let mut headers = HeaderMap::new();
/// assert_eq!(policy.check(&Method::POST, &headers), Err(CsrfError::NoProof));
/// headers.insert("origin", HeaderValue::from_static("https://app.example.com"));
/// assert_eq!(policy.check(&Method::POST, &headers), Ok(()));
/// headers.insert("origin", HeaderValue::from_static("https://evil.example"));
/// assert_eq!(policy.check(&Method::POST, &headers), Err(CsrfError::OriginNotAllowed));
/// assert_eq!(policy.check(&Method::GET, &headers), Ok(()));
/// # Ok::<(), CsrfError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfPolicy {
    origins: Vec<String>,
}

impl CsrfPolicy {
    /// Allows unsafe requests from pages of `origins`, each
    /// `https://host[:port]` (or `http://localhost[:port]`,
    /// `http://127.0.0.1[:port]` for development), compared
    /// case-insensitively.
    pub fn new<I, S>(origins: I) -> Result<CsrfPolicy, CsrfError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let origins =
            origins.into_iter().map(|origin| checked_origin(origin.as_ref())).collect::<Result<Vec<_>, _>>()?;
        if origins.is_empty() {
            return Err(CsrfError::InvalidOrigin);
        }
        Ok(CsrfPolicy { origins })
    }

    /// The allowed origins, lowercase.
    pub fn origins(&self) -> impl Iterator<Item = &str> {
        self.origins.iter().map(String::as_str)
    }

    /// Whether a cookie-authenticated request with `method` and `headers`
    /// may proceed.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), CsrfError> {
        if is_safe(method) {
            return Ok(());
        }
        let fetch_site = headers.get(SEC_FETCH_SITE).map(|v| v.as_bytes());
        if fetch_site.is_some_and(|site| site.eq_ignore_ascii_case(b"cross-site")) {
            return Err(CsrfError::CrossSite);
        }
        let mut origins = headers.get_all(http::header::ORIGIN).iter();
        match (origins.next(), origins.next()) {
            (Some(origin), None) => {
                let origin = origin.to_str().map_err(|_| CsrfError::OriginNotAllowed)?;
                if self.origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin)) {
                    Ok(())
                } else {
                    Err(CsrfError::OriginNotAllowed)
                }
            }
            (Some(_), Some(_)) => Err(CsrfError::OriginNotAllowed),
            (None, _) if fetch_site.is_some_and(|site| site.eq_ignore_ascii_case(b"same-origin")) => Ok(()),
            (None, _) => Err(CsrfError::NoProof),
        }
    }
}

/// Methods that must not change state (RFC 9110 section 9.2.1).
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

fn checked_origin(origin: &str) -> Result<String, CsrfError> {
    let lower = origin.to_ascii_lowercase();
    let (scheme, authority) = lower.split_once("://").ok_or(CsrfError::InvalidOrigin)?;
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some(_) => return Err(CsrfError::InvalidOrigin),
        None => authority,
    };
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'[' || b == b']');
    let scheme_ok = scheme == "https" || (scheme == "http" && matches!(host, "localhost" | "127.0.0.1" | "[::1]"));
    if !host_ok || !scheme_ok {
        return Err(CsrfError::InvalidOrigin);
    }
    Ok(lower)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn origins_are_checked() {
        for bad in ["", "*", "null", "app.example.com", "http://app.example.com", "https://a.example/", "https://a:x"] {
            assert_eq!(CsrfPolicy::new([bad]).unwrap_err(), CsrfError::InvalidOrigin, "{bad}");
        }
        assert!(CsrfPolicy::new(Vec::<String>::new()).is_err());
        let policy = CsrfPolicy::new(["HTTPS://App.Example.com:8443", "http://localhost:3000"]).unwrap();
        assert_eq!(policy.origins().collect::<Vec<_>>(), ["https://app.example.com:8443", "http://localhost:3000"]);
    }

    #[test]
    fn unsafe_requests_need_their_origin() {
        let policy = CsrfPolicy::new(["https://app.example.com"]).unwrap();
        let check = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.append(*name, HeaderValue::from_static(value));
            }
            policy.check(&Method::DELETE, &headers)
        };
        assert_eq!(check(&[("origin", "https://app.example.com")]), Ok(()));
        assert_eq!(check(&[("origin", "https://APP.example.com"), ("sec-fetch-site", "same-site")]), Ok(()));
        assert_eq!(check(&[("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(check(&[("origin", "null")]), Err(CsrfError::OriginNotAllowed));
        assert_eq!(check(&[("origin", "https://app.example.com.evil")]), Err(CsrfError::OriginNotAllowed));
        assert_eq!(
            check(&[("origin", "https://app.example.com"), ("origin", "https://evil")]),
            Err(CsrfError::OriginNotAllowed)
        );
        assert_eq!(
            check(&[("origin", "https://app.example.com"), ("sec-fetch-site", "cross-site")]),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(check(&[("sec-fetch-site", "same-site")]), Err(CsrfError::NoProof));
        assert_eq!(check(&[("sec-fetch-site", "none")]), Err(CsrfError::NoProof));
        assert_eq!(check(&[]), Err(CsrfError::NoProof));
        assert_eq!(policy.check(&Method::HEAD, &HeaderMap::new()), Ok(()));
    }
}
