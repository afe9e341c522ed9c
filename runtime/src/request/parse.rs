//! The entry points: from JSON bytes, from a query string, from a
//! deserializer (the generated `Deserialize` impl), and re-validation.

use serde::Deserializer;
use serde::de::Error as _;

use super::context::{Cx, Mode, Path};
use super::error::{ErrorCode, FieldPath, RequestError};
use super::nested::ReadRequest;

/// Turns the outcome of one parse into the value or every error.
fn finish<T>(value: Option<T>, cx: Cx) -> Result<T, RequestError> {
    match (value, cx.into_error()) {
        (Some(value), None) => Ok(value),
        (_, Some(error)) => Err(error),
        // Every `None` records its reason; this is the fail-closed guard.
        (None, None) => Err(RequestError::single(FieldPath::root(), ErrorCode::InvalidValue, "is not valid")),
    }
}

/// The message for a JSON error: its position and kind, never the input.
fn json_error(e: &serde_json::Error) -> (ErrorCode, String) {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => (ErrorCode::Malformed, "the JSON input ends too early".to_owned()),
        Category::Syntax if e.to_string().starts_with("recursion limit exceeded") => {
            (ErrorCode::TooDeep, "the JSON input nests too deeply".to_owned())
        }
        Category::Syntax => {
            (ErrorCode::Malformed, format!("malformed JSON at line {} column {}", e.line(), e.column()))
        }
        Category::Data | Category::Io => (ErrorCode::InvalidValue, "is not valid".to_owned()),
    }
}

/// Parses and validates JSON.
pub(crate) fn from_json<'de, T: ReadRequest<'de>>(json: &'de [u8]) -> Result<T, RequestError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let mut cx = Cx::for_json_slice();
    let value = match T::read_nested(&mut de, &mut cx, &Path::ROOT) {
        Ok(value) => match de.end() {
            Ok(()) => value,
            Err(_) => {
                cx.report_fatal(&Path::ROOT, ErrorCode::Malformed, "unexpected characters after the JSON value");
                None
            }
        },
        Err(e) => {
            let (code, message) = json_error(&e);
            cx.report_fatal(&Path::ROOT, code, message);
            None
        }
    };
    finish(value, cx)
}

/// Parses and validates `application/x-www-form-urlencoded` text: a query
/// string (without the `?`) or a form body. The caller checks the length.
pub(crate) fn from_urlencoded<'de, T: ReadRequest<'de>>(text: &'de [u8]) -> Result<T, RequestError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text));
    let mut cx = Cx::new(Mode::Query);
    let value = match T::read_nested(de, &mut cx, &Path::ROOT) {
        Ok(value) => value,
        Err(_) => {
            cx.report_fatal(&Path::ROOT, ErrorCode::Malformed, "malformed query string");
            None
        }
    };
    finish(value, cx)
}

/// Checks a query string's length before anything parses it.
pub(crate) fn check_query_len(query: &str, max: usize) -> Result<(), RequestError> {
    if query.len() > max {
        return Err(RequestError::single(
            FieldPath::root(),
            ErrorCode::QueryTooLong,
            format!("the query string must be at most {max} bytes"),
        ));
    }
    Ok(())
}

/// The generated `Deserialize` impl: the same validation, with the errors
/// turned into the format's error (their text: paths and codes, no values).
pub fn deserialize<'de, T: ReadRequest<'de>, D: Deserializer<'de>>(de: D, mode: Mode) -> Result<T, D::Error> {
    let mut cx = Cx::new(mode);
    match T::read_nested(de, &mut cx, &Path::ROOT) {
        Ok(value) => finish(value, cx).map_err(D::Error::custom),
        Err(e) if cx.has_fatal() => Err(finish::<T>(None, cx).map_or_else(D::Error::custom, |_| e)),
        Err(e) => Err(e),
    }
}
