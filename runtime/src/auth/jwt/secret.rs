//! HMAC secrets: long, random, and never in the source code.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use super::error::JwtKeyError;

/// The shortest HMAC secret accepted, in bytes: 32 (256 bits), the output
/// size of SHA-256. HS384 and HS512 keys need 48 and 64 bytes.
pub const MIN_HMAC_SECRET_LEN: usize = 32;

/// The length of a [`HmacSecret::generate`]d secret, in bytes: 64, enough
/// for every HMAC algorithm.
pub(crate) const GENERATED_HMAC_SECRET_LEN: usize = 64;

/// A shared secret for HS256/HS384/HS512.
///
/// It comes from the environment, a file or the OS random generator, and
/// from nothing else: there is deliberately no constructor from a `&str` or
/// a byte literal, so a secret cannot be written into the source code (the
/// mistake behind most forged HS256 tokens). It is at least
/// [`MIN_HMAC_SECRET_LEN`] bytes long; an empty or short key, which
/// jsonwebtoken accepts, is refused. `Debug` prints `[REDACTED]` and the bytes
/// are wiped on drop.
///
/// ```no_run
/// use apishield::auth::jwt::HmacSecret;
///
/// let secret = HmacSecret::from_env("JWT_SECRET")?;          // the variable's bytes
/// let secret = HmacSecret::from_file("/run/secrets/jwt")?;   // one trailing newline ignored
/// # Ok::<(), apishield::auth::jwt::JwtKeyError>(())
/// ```
///
/// ```compile_fail
/// let secret = apishield::auth::jwt::HmacSecret::new("correct horse battery staple");
/// ```
#[derive(Clone)]
pub struct HmacSecret {
    bytes: Zeroizing<Vec<u8>>,
}

impl HmacSecret {
    /// The bytes of environment variable `name` (not decoded: the value is
    /// the key), at least 32 of them.
    pub fn from_env(name: &str) -> Result<HmacSecret, JwtKeyError> {
        let value = std::env::var_os(name).ok_or(JwtKeyError::SecretMissing)?;
        HmacSecret::checked(Zeroizing::new(value.into_encoded_bytes()))
    }

    /// The bytes of a file (a mounted secret), without one trailing `\n` or
    /// `\r\n`, at least 32 of them.
    pub fn from_file(path: impl AsRef<Path>) -> Result<HmacSecret, JwtKeyError> {
        let mut bytes =
            Zeroizing::new(std::fs::read(path).map_err(|error| JwtKeyError::SecretUnreadable(error.kind()))?);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        HmacSecret::checked(bytes)
    }

    /// A new random secret of 64 bytes from the
    /// operating system's generator: for a single process that both issues
    /// and validates (tests, a monolith), where nobody else needs the key.
    pub fn generate() -> Result<HmacSecret, JwtKeyError> {
        let mut bytes = Zeroizing::new(vec![0u8; GENERATED_HMAC_SECRET_LEN]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| JwtKeyError::Randomness)?;
        HmacSecret::checked(bytes)
    }

    fn checked(bytes: Zeroizing<Vec<u8>>) -> Result<HmacSecret, JwtKeyError> {
        if bytes.len() < MIN_HMAC_SECRET_LEN {
            return Err(JwtKeyError::SecretTooShort { min: MIN_HMAC_SECRET_LEN });
        }
        Ok(HmacSecret { bytes })
    }

    /// The length in bytes (never below [`MIN_HMAC_SECRET_LEN`]).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for HmacSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSecret([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::{HmacSecret, JwtKeyError, MIN_HMAC_SECRET_LEN};

    #[test]
    fn files_need_32_bytes_and_lose_one_newline() {
        let dir = std::env::temp_dir().join(format!("apishield-hmac-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, [b'k'; 32].iter().chain(b"\r\n").copied().collect::<Vec<_>>()).unwrap();
        assert_eq!(HmacSecret::from_file(&path).unwrap().byte_len(), 32);
        std::fs::write(&path, [b'k'; 31].iter().chain(b"\n").copied().collect::<Vec<_>>()).unwrap();
        assert_eq!(HmacSecret::from_file(&path).unwrap_err(), JwtKeyError::SecretTooShort { min: MIN_HMAC_SECRET_LEN });
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(HmacSecret::from_file(&path), Err(JwtKeyError::SecretTooShort { .. })));
        assert!(matches!(HmacSecret::from_file(dir.join("absent")), Err(JwtKeyError::SecretUnreadable(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_variables_are_an_error_and_debug_is_redacted() {
        assert_eq!(
            HmacSecret::from_env("APISHIELD_TEST_SURELY_UNSET_VARIABLE").unwrap_err(),
            JwtKeyError::SecretMissing
        );
        let secret = HmacSecret::generate().unwrap();
        assert_eq!(format!("{secret:?}"), "HmacSecret([REDACTED])");
        assert_eq!(secret.byte_len(), 64);
    }
}
