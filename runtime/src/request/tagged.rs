//! Tagged enums: `{"type": "card", "number": ...}` (internally tagged) and
//! `{"type": "card", "data": {...}}` (adjacently tagged).
//!
//! JSON objects are unordered, so the tag may come after other fields.
//! Fields before the tag are buffered (in a bounded [`Content`] tree) and
//! replayed to the variant once the tag names it; when the tag comes first,
//! as clients usually send it, nothing is buffered. The buffer is this
//! crate's own (serde's equivalent is private), with a node budget so a
//! client cannot make it grow past the body it sent by more than a constant.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{DeserializeSeed, Deserializer, Error, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::context::{Cx, Path};
use super::error::{ErrorCode, Message};
use super::field::{drain_map, reject_unexpected, wrong_type};
use super::nested::skip_unknown_text;

/// How many values may be buffered ahead of a tag (or as adjacent content).
pub(crate) const MAX_BUFFERED_VALUES: usize = 4096;

/// A buffered value.
#[derive(Debug, Clone, PartialEq)]
pub enum Content<'de> {
    /// `true` / `false`.
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// A float.
    F64(f64),
    /// A string borrowed from the input.
    Str(&'de str),
    /// A string the format had to unescape.
    String(String),
    /// Bytes borrowed from the input.
    Bytes(&'de [u8]),
    /// Bytes the format had to copy.
    ByteBuf(Vec<u8>),
    /// `null`.
    Unit,
    /// A list.
    Seq(Vec<Content<'de>>),
    /// An object.
    Map(Vec<(Content<'de>, Content<'de>)>),
}

impl Content<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Content::Str(s) => Some(s),
            Content::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads a [`Content`] while spending from a node budget.
struct ContentSeed<'b> {
    budget: &'b mut usize,
}

impl<'de> DeserializeSeed<'de> for ContentSeed<'_> {
    type Value = Content<'de>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Content<'de>, D::Error> {
        de.deserialize_any(ContentVisitor { budget: self.budget })
    }
}

struct ContentVisitor<'b> {
    budget: &'b mut usize,
}

impl ContentVisitor<'_> {
    fn spend<E: Error>(&mut self) -> Result<(), E> {
        match self.budget.checked_sub(1) {
            Some(left) => {
                *self.budget = left;
                Ok(())
            }
            None => Err(E::custom("too much data before the tag")),
        }
    }
}

impl<'de> Visitor<'de> for ContentVisitor<'_> {
    type Value = Content<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: Error>(mut self, v: bool) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::Bool(v))
    }
    fn visit_u64<E: Error>(mut self, v: u64) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::U64(v))
    }
    fn visit_i64<E: Error>(mut self, v: i64) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::I64(v))
    }
    fn visit_f64<E: Error>(mut self, v: f64) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::F64(v))
    }
    fn visit_borrowed_str<E: Error>(mut self, v: &'de str) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::Str(v))
    }
    fn visit_str<E: Error>(mut self, v: &str) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::String(v.to_owned()))
    }
    fn visit_string<E: Error>(mut self, v: String) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::String(v))
    }
    fn visit_borrowed_bytes<E: Error>(mut self, v: &'de [u8]) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::Bytes(v))
    }
    fn visit_bytes<E: Error>(mut self, v: &[u8]) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::ByteBuf(v.to_owned()))
    }
    fn visit_unit<E: Error>(mut self) -> Result<Content<'de>, E> {
        self.spend()?;
        Ok(Content::Unit)
    }
    fn visit_none<E: Error>(self) -> Result<Content<'de>, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Content<'de>, D::Error> {
        de.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Content<'de>, A::Error> {
        self.spend()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ContentSeed { budget: self.budget })? {
            items.push(item);
        }
        Ok(Content::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Content<'de>, A::Error> {
        self.spend()?;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(ContentSeed { budget: self.budget })? {
            let value = map.next_value_seed(ContentSeed { budget: self.budget })?;
            entries.push((key, value));
        }
        Ok(Content::Map(entries))
    }
}

/// Replays a buffered value to any visitor, with the error type `E` of the
/// format it came from.
#[derive(Debug)]
pub struct ContentDeserializer<'de, E> {
    content: Content<'de>,
    marker: PhantomData<E>,
}

impl<'de, E> ContentDeserializer<'de, E> {
    /// A deserializer over `content`.
    pub fn new(content: Content<'de>) -> Self {
        ContentDeserializer { content, marker: PhantomData }
    }
}

impl<'de, E: Error> IntoDeserializer<'de, E> for Content<'de> {
    type Deserializer = ContentDeserializer<'de, E>;

    fn into_deserializer(self) -> Self::Deserializer {
        ContentDeserializer::new(self)
    }
}

impl<'de, E: Error> Deserializer<'de> for ContentDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Bool(v) => visitor.visit_bool(v),
            Content::U64(v) => visitor.visit_u64(v),
            Content::I64(v) => visitor.visit_i64(v),
            Content::F64(v) => visitor.visit_f64(v),
            Content::Str(v) => visitor.visit_borrowed_str(v),
            Content::String(v) => visitor.visit_string(v),
            Content::Bytes(v) => visitor.visit_borrowed_bytes(v),
            Content::ByteBuf(v) => visitor.visit_byte_buf(v),
            Content::Unit => visitor.visit_unit(),
            Content::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Content::Map(entries) => {
                let mut map = MapDeserializer::new(entries.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Unit => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The map of an internally tagged variant: the fields buffered before the
/// tag, then the rest of the object.
#[derive(Debug)]
pub struct Replay<'de, A> {
    buffered: std::vec::IntoIter<(Content<'de>, Content<'de>)>,
    value: Option<Content<'de>>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.buffered.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(ContentDeserializer::new(key)).map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(ContentDeserializer::new(value)),
            None => self.rest.next_value_seed(seed),
        }
    }
}

/// Reads a tag's value and resolves the variant.
struct TagSeed<'c, 'p> {
    lookup: fn(&str) -> Option<u16>,
    names: &'static [&'static str],
    cx: &'c mut Cx,
    at: &'p Path<'p>,
}

impl<'de> DeserializeSeed<'de> for TagSeed<'_, '_> {
    type Value = Option<u16>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Option<u16>, D::Error> {
        de.deserialize_any(self)
    }
}

impl TagSeed<'_, '_> {
    const EXPECTING: &'static str = "the name of a variant";
}

impl<'de> Visitor<'de> for TagSeed<'_, '_> {
    type Value = Option<u16>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<u16>, E> {
        let found = (self.lookup)(s);
        if found.is_none() {
            self.cx.report(self.at, ErrorCode::UnknownVariant, Message::one_of(self.names));
        }
        Ok(found)
    }

    reject_unexpected!(bool, int, float, bytes, unit, seq, map);
}

/// What generated code passes to identify a tagged enum's variants.
#[derive(Debug, Clone, Copy)]
pub struct Tagging {
    /// The tag field's name.
    pub tag: &'static str,
    /// The content field's name (adjacent tagging only).
    pub content: Option<&'static str>,
    /// Resolves a tag value to a variant index.
    pub lookup: fn(&str) -> Option<u16>,
    /// The variants' wire names, for messages.
    pub names: &'static [&'static str],
}

fn missing_tag(cx: &mut Cx, at: &Path<'_>, tag: &'static str) {
    cx.report(&at.field(tag), ErrorCode::MissingTag, "is required: it names the kind of object");
}

fn over_budget<E: Error>(cx: &mut Cx, at: &Path<'_>) -> E {
    cx.report_fatal(at, ErrorCode::TooManyItems, "the object carries too much data before its tag: send the tag first");
    E::custom("buffer budget exhausted")
}

/// Internally tagged: finds the tag, buffering what precedes it, and returns
/// the variant with the map its fields are read from. `None`: the tag is
/// missing or unknown (recorded), and the object was consumed.
pub fn find_tag<'de, A: MapAccess<'de>>(
    mut map: A,
    tagging: &Tagging,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Result<Option<(u16, Replay<'de, A>)>, A::Error> {
    let mut buffered = Vec::new();
    let mut budget = MAX_BUFFERED_VALUES;
    loop {
        let key = match map.next_key_seed(ContentSeed { budget: &mut budget }) {
            Ok(Some(key)) => key,
            Ok(None) => {
                missing_tag(cx, at, tagging.tag);
                return Ok(None);
            }
            Err(e) => return Err(if budget == 0 { over_budget(cx, at) } else { e }),
        };
        if key.as_str() == Some(tagging.tag) {
            let tag_at = at.field(tagging.tag);
            let seed = TagSeed { lookup: tagging.lookup, names: tagging.names, cx, at: &tag_at };
            return match map.next_value_seed(seed)? {
                Some(variant) => Ok(Some((variant, Replay { buffered: buffered.into_iter(), value: None, rest: map }))),
                None => {
                    drain_map(map)?;
                    Ok(None)
                }
            };
        }
        match map.next_value_seed(ContentSeed { budget: &mut budget }) {
            Ok(value) => buffered.push((key, value)),
            Err(e) => return Err(if budget == 0 { over_budget(cx, at) } else { e }),
        }
    }
}

/// Adjacently tagged: reads the tag and the (buffered) content. `None`: the
/// tag is missing or unknown (recorded).
pub fn read_adjacent<'de, A: MapAccess<'de>>(
    mut map: A,
    tagging: &Tagging,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Result<Option<(u16, Option<Content<'de>>)>, A::Error> {
    let content_name = tagging.content.unwrap_or("");
    let mut variant: Option<Option<u16>> = None;
    let mut content: Option<Content<'de>> = None;
    let mut budget = MAX_BUFFERED_VALUES;
    while let Some(key) = map.next_key_seed(ContentSeed { budget: &mut budget })? {
        match key.as_str() {
            Some(k) if k == tagging.tag => {
                let tag_at = at.field(tagging.tag);
                if variant.is_some() {
                    cx.report(&tag_at, ErrorCode::DuplicateField, "appears more than once");
                    map.next_value::<serde::de::IgnoredAny>()?;
                } else {
                    let seed = TagSeed { lookup: tagging.lookup, names: tagging.names, cx, at: &tag_at };
                    variant = Some(map.next_value_seed(seed)?);
                }
            }
            Some(k) if k == content_name => {
                if content.is_some() {
                    cx.report(
                        &at.field(tagging.content.unwrap_or_default()),
                        ErrorCode::DuplicateField,
                        "appears more than once",
                    );
                    map.next_value::<serde::de::IgnoredAny>()?;
                } else {
                    match map.next_value_seed(ContentSeed { budget: &mut budget }) {
                        Ok(c) => content = Some(c),
                        Err(e) => return Err(if budget == 0 { over_budget(cx, at) } else { e }),
                    }
                }
            }
            other => skip_unknown_text(&mut map, other, cx, at)?,
        }
    }
    match variant {
        None => {
            missing_tag(cx, at, tagging.tag);
            Ok(None)
        }
        Some(None) => Ok(None),
        Some(Some(v)) => Ok(Some((v, content))),
    }
}

/// The content of a unit variant of an adjacently tagged enum must be absent or `null`.
pub fn expect_no_content(content: Option<Content<'_>>, cx: &mut Cx, at: &Path<'_>) -> Option<()> {
    match content {
        None | Some(Content::Unit) => Some(()),
        Some(_) => wrong_type(cx, at, "no content (or null) for this variant"),
    }
}

/// The content of a variant that needs one; `missing_field` if absent.
pub fn required_content<'de, E: Error>(
    content: Option<Content<'de>>,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Option<ContentDeserializer<'de, E>> {
    match content {
        Some(c) => Some(ContentDeserializer::new(c)),
        None => {
            cx.report(at, ErrorCode::MissingField, "is required");
            None
        }
    }
}
