//! The state that travels through one parse: where we are (a [`Path`] kept on
//! the stack, so tracking it costs no allocation) and what went wrong so far
//! (the [`Cx`] error sink).

use std::borrow::Cow;

use super::echo::may_echo;
use super::error::{ErrorCode, FieldError, FieldPath, Message, PathSegment, RequestError};

/// How many errors one request reports at most; the rest are counted as one
/// `too_many_errors`. Bounds the memory an attacker can make us spend on
/// error reports (unknown fields cost no memory otherwise).
pub const MAX_ERRORS: usize = 64;

/// How deeply `#[secure_request]` types may nest in one request (recursive
/// types such as trees are otherwise bounded only by the format's own limit).
pub const MAX_DEPTH: u32 = 32;

/// Where a value sits in the request, as a linked list of stack frames from
/// the value up to the root. Only materialized into a [`FieldPath`] when an
/// error is reported.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Root,
    Field(&'static str),
    Index(usize),
    Key(&'a str),
    /// A map entry: its key, or its position when the key is not safe to show.
    Entry(&'a str, usize),
}

impl Path<'static> {
    /// The request itself.
    pub const ROOT: Path<'static> = Path { parent: None, segment: Segment::Root };
}

impl<'a> Path<'a> {
    /// The field `name` (wire name) of the object at `self`.
    #[inline]
    #[must_use]
    pub fn field(&'a self, name: &'static str) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Field(name) }
    }

    /// The item at `index` of the list at `self`.
    #[inline]
    #[must_use]
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Index(index) }
    }

    /// The key `key` of the object at `self`, shown as it is: only for text
    /// already known to be safe to repeat.
    #[inline]
    #[must_use]
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Key(key) }
    }

    /// The entry with key `key`, the `index`-th of the map at `self`. Only
    /// keys that passed their rules get here; an error names the key if it
    /// reads like a name (`labels.env`), else the position (`labels[2]`), so
    /// a credential used as a key is not repeated.
    #[inline]
    #[must_use]
    pub fn entry(&'a self, key: &'a str, index: usize) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Entry(key, index) }
    }

    /// The owned path, root first.
    pub fn to_field_path(&self) -> FieldPath {
        let mut segments = Vec::new();
        let mut node = Some(self);
        while let Some(p) = node {
            match p.segment {
                Segment::Root => {}
                Segment::Field(name) => segments.push(PathSegment::Field(Cow::Borrowed(name))),
                Segment::Index(i) => segments.push(PathSegment::Index(i)),
                Segment::Key(k) => segments.push(PathSegment::Field(Cow::Owned(k.to_owned()))),
                Segment::Entry(k, _) if may_echo(k) => segments.push(PathSegment::Field(Cow::Owned(k.to_owned()))),
                Segment::Entry(_, i) => segments.push(PathSegment::Index(i)),
            }
            node = p.parent;
        }
        segments.reverse();
        FieldPath::from_segments(segments)
    }
}

/// Which wire format is being read. Query strings carry every value as text,
/// so numbers and booleans are parsed from strings there; JSON is strict
/// (`"13"` is not a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Typed values: JSON and other self-describing formats.
    Json,
    /// `application/x-www-form-urlencoded` and query strings.
    Query,
}

/// The error sink of one parse or validation.
#[derive(Debug)]
pub struct Cx {
    errors: Vec<FieldError>,
    dropped: usize,
    mode: Mode,
    depth: u32,
    fatal: bool,
    borrowed_nul_free: bool,
}

impl Cx {
    /// A fresh context for one request.
    pub fn new(mode: Mode) -> Self {
        Cx { errors: Vec::new(), dropped: 0, mode, depth: 0, fatal: false, borrowed_nul_free: false }
    }

    /// A context for `serde_json` reading a byte slice. That parser rejects
    /// raw control characters inside strings, so a string it lends straight
    /// from the input holds no NUL; only unescaped (copied) strings can, and
    /// those are still scanned. Skipping the scan saves a pass over every
    /// string of every JSON request.
    pub(crate) fn for_json_slice() -> Self {
        Cx { borrowed_nul_free: true, ..Cx::new(Mode::Json) }
    }

    /// Whether strings borrowed from the input are known to hold no NUL.
    #[inline(always)]
    pub(crate) fn borrowed_nul_free(&self) -> bool {
        self.borrowed_nul_free
    }

    /// The wire format being read.
    #[inline]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Switches the wire format (map keys are text even in JSON); returns the previous one.
    #[inline]
    pub(crate) fn set_mode(&mut self, mode: Mode) -> Mode {
        std::mem::replace(&mut self.mode, mode)
    }

    /// Records an error. `message` is built from the rule, never from the value.
    #[cold]
    pub fn report(&mut self, at: &Path<'_>, code: ErrorCode, message: impl Into<Message>) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(FieldError::new(at.to_field_path(), code, message));
        } else {
            self.dropped += 1;
        }
    }

    /// Records an error that stops the parse (the format reported an error,
    /// or the depth limit was hit): the caller returns a format error next.
    #[cold]
    pub fn report_fatal(&mut self, at: &Path<'_>, code: ErrorCode, message: impl Into<Message>) {
        if !self.fatal {
            self.fatal = true;
            // A fatal error is always kept, even past the cap: it explains why parsing stopped.
            self.errors.push(FieldError::new(at.to_field_path(), code, message));
        }
    }

    /// Whether a fatal error was recorded.
    pub fn has_fatal(&self) -> bool {
        self.fatal
    }

    /// Whether any error was recorded.
    #[inline]
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Number of errors recorded so far (to tell whether a sub-parse added any).
    #[inline]
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.dropped
    }

    /// Enters one level of nesting; `false` (and a fatal error) past [`MAX_DEPTH`].
    #[inline]
    pub fn enter(&mut self, at: &Path<'_>) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.report_fatal(at, ErrorCode::TooDeep, format!("nesting deeper than {MAX_DEPTH} levels"));
            false
        } else {
            true
        }
    }

    /// Leaves one level of nesting.
    #[inline]
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The collected errors, or `None` when there were none.
    pub fn into_error(self) -> Option<RequestError> {
        let Cx { mut errors, dropped, .. } = self;
        if errors.is_empty() && dropped == 0 {
            return None;
        }
        if dropped > 0 {
            errors.push(FieldError::new(
                FieldPath::root(),
                ErrorCode::TooManyErrors,
                format!("{dropped} more errors were not reported"),
            ));
        }
        Some(RequestError::new(errors))
    }
}
