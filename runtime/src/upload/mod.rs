//! File uploads: a size limit, and a type decided by the file's first bytes.
//!
//! The `Content-Type` a client declares (and the file name's extension) is
//! whatever the client wants it to be: an HTML page declared as `image/png`
//! is stored and later served as HTML. [`UploadPolicy`] ignores the
//! declaration and reads the signature ("magic bytes") at the start of the
//! file. Serve stored files with the detected type and
//! `X-Content-Type-Options: nosniff`; magic bytes prove the start of a file,
//! not the absence of a payload further in (polyglots), and they are no
//! malware scan.
//!
//! ```
//! use apishield::{FileKind, UploadError, UploadPolicy};
//!
//! let policy = UploadPolicy::new(5 * 1024 * 1024).allow(FileKind::Png).allow(FileKind::Jpeg);
//! let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
//! assert_eq!(policy.check(png), Ok(FileKind::Png));
//! assert_eq!(policy.check(b"<html><script>..."), Err(UploadError::UnknownType));
//! assert_eq!(policy.check(b"%PDF-1.7\n..."), Err(UploadError::TypeNotAllowed { detected: FileKind::Pdf }));
//! ```

use std::fmt;

/// A file type recognised by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileKind {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
    /// PDF (`%PDF-`).
    Pdf,
    /// GIF (`GIF87a` or `GIF89a`).
    Gif,
    /// WebP (`RIFF` size `WEBP`).
    Webp,
}

impl FileKind {
    /// Every kind, in detection order.
    pub const ALL: [FileKind; 5] = [FileKind::Jpeg, FileKind::Png, FileKind::Pdf, FileKind::Gif, FileKind::Webp];

    /// Bytes needed at the start of a file to tell every kind apart.
    pub const SNIFF_LEN: usize = 12;

    /// The MIME type to serve the file with.
    pub const fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Pdf => "application/pdf",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
        }
    }

    /// The usual file name extension, without the dot.
    pub const fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
            FileKind::Gif => "gif",
            FileKind::Webp => "webp",
        }
    }

    /// The kind whose signature starts `head`, if any.
    pub fn sniff(head: &[u8]) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|kind| kind.matches(head))
    }

    fn matches(self, head: &[u8]) -> bool {
        match self {
            FileKind::Jpeg => head.starts_with(&[0xFF, 0xD8, 0xFF]),
            FileKind::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            FileKind::Pdf => head.starts_with(b"%PDF-"),
            FileKind::Gif => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
            FileKind::Webp => head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mime())
    }
}

/// Why an upload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadError {
    /// The file is empty.
    Empty,
    /// The file is larger than the policy's limit.
    TooLarge {
        /// The limit, in bytes.
        max: u64,
    },
    /// The file's first bytes match no known signature.
    UnknownType,
    /// The file is of a known type the policy does not allow.
    TypeNotAllowed {
        /// What the file is.
        detected: FileKind,
    },
    /// The client declared a different type than the file has (a mislabelled
    /// or disguised file).
    DeclaredTypeMismatch {
        /// What the file is.
        detected: FileKind,
    },
}

impl UploadError {
    /// A stable code, in the style of request errors.
    pub const fn code(self) -> &'static str {
        match self {
            UploadError::Empty => "empty_file",
            UploadError::TooLarge { .. } => "file_too_large",
            UploadError::UnknownType => "unknown_file_type",
            UploadError::TypeNotAllowed { .. } => "file_type_not_allowed",
            UploadError::DeclaredTypeMismatch { .. } => "file_type_mismatch",
        }
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::Empty => f.write_str("the file is empty"),
            UploadError::TooLarge { max } => write!(f, "the file must be at most {max} bytes"),
            UploadError::UnknownType => f.write_str("the file type is not recognised"),
            UploadError::TypeNotAllowed { detected } => write!(f, "files of type {detected} are not accepted"),
            UploadError::DeclaredTypeMismatch { detected } => {
                write!(f, "the declared content type does not match the file ({detected})")
            }
        }
    }
}

impl std::error::Error for UploadError {}

/// The reference's default upload limit: 10 MB.
pub const DEFAULT_MAX_UPLOAD: u64 = 10 * 1024 * 1024;

/// What uploads an endpoint accepts: a size limit and a list of file kinds.
/// Accepts nothing until kinds are allowed.
#[derive(Debug, Clone)]
pub struct UploadPolicy {
    max_size: u64,
    allowed: Vec<FileKind>,
}

impl Default for UploadPolicy {
    /// 10 MB of JPEG, PNG or PDF: the security reference's example policy.
    fn default() -> Self {
        UploadPolicy::new(DEFAULT_MAX_UPLOAD).allow(FileKind::Jpeg).allow(FileKind::Png).allow(FileKind::Pdf)
    }
}

impl UploadPolicy {
    /// A policy for files of at most `max_size` bytes, of no kind yet.
    pub fn new(max_size: u64) -> Self {
        UploadPolicy { max_size, allowed: Vec::new() }
    }

    /// Also accept files of `kind`.
    #[must_use]
    pub fn allow(mut self, kind: FileKind) -> Self {
        if !self.allowed.contains(&kind) {
            self.allowed.push(kind);
        }
        self
    }

    /// The size limit in bytes.
    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    /// The accepted kinds.
    pub fn allowed(&self) -> &[FileKind] {
        &self.allowed
    }

    /// Checks a declared or counted length before reading (or while streaming) the body.
    pub fn check_len(&self, len: u64) -> Result<(), UploadError> {
        if len == 0 {
            Err(UploadError::Empty)
        } else if len > self.max_size {
            Err(UploadError::TooLarge { max: self.max_size })
        } else {
            Ok(())
        }
    }

    /// Checks a whole file: its size, then its type from its first bytes.
    pub fn check(&self, file: &[u8]) -> Result<FileKind, UploadError> {
        self.check_len(u64::try_from(file.len()).unwrap_or(u64::MAX))?;
        self.check_head(file)
    }

    /// Checks the type from the first bytes of a file being streamed (at
    /// least [`FileKind::SNIFF_LEN`] of them, or the whole file if shorter);
    /// check the length separately with [`check_len`](Self::check_len).
    pub fn check_head(&self, head: &[u8]) -> Result<FileKind, UploadError> {
        let kind = FileKind::sniff(head).ok_or(UploadError::UnknownType)?;
        if self.allowed.contains(&kind) { Ok(kind) } else { Err(UploadError::TypeNotAllowed { detected: kind }) }
    }

    /// Like [`check`](Self::check), and also refuses a file whose declared
    /// `Content-Type` names another type than the file has. The declaration
    /// never decides the type; a mismatch only makes the upload suspicious.
    pub fn check_declared(&self, file: &[u8], declared: &str) -> Result<FileKind, UploadError> {
        let kind = self.check(file)?;
        let essence = declared.split(';').next().unwrap_or("").trim();
        let same = essence.eq_ignore_ascii_case(kind.mime())
            || (kind == FileKind::Jpeg && essence.eq_ignore_ascii_case("image/jpg"));
        if same { Ok(kind) } else { Err(UploadError::DeclaredTypeMismatch { detected: kind }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3";
    const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00";
    const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 ";

    fn all_kinds() -> UploadPolicy {
        FileKind::ALL.into_iter().fold(UploadPolicy::new(1024), UploadPolicy::allow)
    }

    #[test]
    fn detects_each_kind_by_signature() {
        let policy = all_kinds();
        for (file, kind) in [
            (JPEG, FileKind::Jpeg),
            (PNG, FileKind::Png),
            (PDF, FileKind::Pdf),
            (GIF, FileKind::Gif),
            (WEBP, FileKind::Webp),
        ] {
            assert_eq!(policy.check(file), Ok(kind));
        }
    }

    #[test]
    fn the_declared_type_never_decides() {
        let policy = UploadPolicy::default();
        let html = b"<!doctype html><script>alert(1)</script>";
        assert_eq!(policy.check(html), Err(UploadError::UnknownType));
        assert_eq!(policy.check_declared(html, "image/png"), Err(UploadError::UnknownType));
        assert_eq!(policy.check_declared(PNG, "image/png; charset=binary"), Ok(FileKind::Png));
        assert_eq!(
            policy.check_declared(JPEG, "image/png"),
            Err(UploadError::DeclaredTypeMismatch { detected: FileKind::Jpeg })
        );
        assert_eq!(policy.check_declared(JPEG, "IMAGE/JPG"), Ok(FileKind::Jpeg));
    }

    #[test]
    fn size_and_allow_list_are_enforced() {
        let policy = UploadPolicy::new(16).allow(FileKind::Png);
        assert_eq!(policy.check(b""), Err(UploadError::Empty));
        assert_eq!(policy.check(&[0x89; 17]), Err(UploadError::TooLarge { max: 16 }));
        assert_eq!(policy.check(GIF), Err(UploadError::TypeNotAllowed { detected: FileKind::Gif }));
        assert_eq!(policy.check_len(u64::MAX), Err(UploadError::TooLarge { max: 16 }));
        assert!(UploadPolicy::new(1 << 20).check(PNG).is_err(), "a policy accepts nothing until kinds are allowed");
    }

    #[test]
    fn truncated_and_near_miss_signatures_are_unknown() {
        for head in [&b"\xFF\xD8"[..], b"\x89PNG\r\n\x1a", b"%PDF", b"GIF88a", b"RIFF\0\0\0\0WAVE", b"RIFF\0\0\0\0WEB"]
        {
            assert_eq!(FileKind::sniff(head), None, "{head:?}");
        }
    }
}
