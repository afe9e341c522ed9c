//! Lists, sets, maps, `Option` and `Box`.
//!
//! A collection never holds more than `max_items`: past the limit the rest of
//! the input is skipped without being stored, and preallocation trusts the
//! limit, not the size the input announces.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer, StringDeserializer};
use serde::de::{Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::context::{Cx, Mode, Path};
use super::error::{ErrorCode, Message};
use super::field::{Check, Read, ReadSeed, Slot, drain_map, drain_seq, reject_unexpected};

/// Preallocate at most this many items, whatever the input claims.
const MAX_PREALLOCATION: usize = 64;

/// The rules of a list or set: `max_items`, and `each(...)` for the items.
#[derive(Debug, Clone, Copy)]
pub struct SeqRules<R> {
    /// Most items allowed.
    pub max_items: usize,
    /// The rules of every item.
    pub each: R,
}

/// The rules of a map: `max_items`, `keys(...)` and `each(...)` for the values.
#[derive(Debug, Clone, Copy)]
pub struct MapRules<K, V> {
    /// Most entries allowed.
    pub max_items: usize,
    /// The rules of every key.
    pub keys: K,
    /// The rules of every value.
    pub each: V,
}

/// The rules of an `Option<T>`: those of `T`, applied when the value is present.
#[derive(Debug, Clone, Copy)]
pub struct OptionRules<R>(pub R);

/// The rules of a `Box<T>`: those of `T`.
#[derive(Debug, Clone, Copy)]
pub struct BoxRules<R>(pub R);

fn too_many(cx: &mut Cx, at: &Path<'_>, max: usize) {
    cx.report(at, ErrorCode::TooManyItems, Message::count(false, max, "item"));
}

// ---------------------------------------------------------------- lists, sets

/// A list or set type a field can have.
pub trait SeqLike: Sized {
    /// The item type.
    type Item;
    /// An empty collection with room for `n` items.
    fn with_capacity(n: usize) -> Self;
    /// Adds an item (sets ignore repeats, as serde does).
    fn push(&mut self, item: Self::Item);
    /// Number of items.
    fn count(&self) -> usize;
    /// The items, for checking.
    fn items(&self) -> impl Iterator<Item = &Self::Item>;
}

impl<T> SeqLike for Vec<T> {
    type Item = T;
    fn with_capacity(n: usize) -> Self {
        Vec::with_capacity(n)
    }
    fn push(&mut self, item: T) {
        Vec::push(self, item);
    }
    fn count(&self) -> usize {
        Vec::len(self)
    }
    fn items(&self) -> impl Iterator<Item = &T> {
        self.iter()
    }
}

impl<T> SeqLike for VecDeque<T> {
    type Item = T;
    fn with_capacity(n: usize) -> Self {
        VecDeque::with_capacity(n)
    }
    fn push(&mut self, item: T) {
        self.push_back(item);
    }
    fn count(&self) -> usize {
        VecDeque::len(self)
    }
    fn items(&self) -> impl Iterator<Item = &T> {
        self.iter()
    }
}

impl<T: Eq + Hash, S: BuildHasher + Default> SeqLike for HashSet<T, S> {
    type Item = T;
    fn with_capacity(n: usize) -> Self {
        HashSet::with_capacity_and_hasher(n, S::default())
    }
    fn push(&mut self, item: T) {
        self.insert(item);
    }
    fn count(&self) -> usize {
        HashSet::len(self)
    }
    fn items(&self) -> impl Iterator<Item = &T> {
        self.iter()
    }
}

impl<T: Ord> SeqLike for BTreeSet<T> {
    type Item = T;
    fn with_capacity(_: usize) -> Self {
        BTreeSet::new()
    }
    fn push(&mut self, item: T) {
        self.insert(item);
    }
    fn count(&self) -> usize {
        BTreeSet::len(self)
    }
    fn items(&self) -> impl Iterator<Item = &T> {
        self.iter()
    }
}

struct SeqVisitor<'r, 'c, 'p, R, C> {
    rules: &'r SeqRules<R>,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<fn() -> C>,
}

impl<R, C> SeqVisitor<'_, '_, '_, R, C> {
    const EXPECTING: &'static str = "a list";
}

impl<'de, R, C> SeqVisitor<'_, '_, '_, R, C>
where
    C: SeqLike,
    R: Read<'de, C::Item>,
{
    /// A query string's single `key=value`: a list of one item.
    fn one_item<D: Deserializer<'de>>(self, de: D) -> Result<Option<C>, D::Error> {
        if self.cx.mode() != Mode::Query {
            de.deserialize_ignored_any(IgnoredAny)?;
            return Ok(super::field::wrong_type(self.cx, self.at, Self::EXPECTING));
        }
        if self.rules.max_items == 0 {
            de.deserialize_ignored_any(IgnoredAny)?;
            too_many(self.cx, self.at, 0);
            return Ok(None);
        }
        let item = self.rules.each.read(de, self.cx, &self.at.index(0))?;
        Ok(item.map(|item| {
            let mut c = C::with_capacity(1);
            c.push(item);
            c
        }))
    }
}

impl<'de, R, C> Visitor<'de> for SeqVisitor<'_, '_, '_, R, C>
where
    C: SeqLike,
    R: Read<'de, C::Item>,
{
    type Value = Option<C>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<C>, A::Error> {
        let max = self.rules.max_items;
        let capacity = seq.size_hint().unwrap_or(0).min(max).min(MAX_PREALLOCATION);
        let mut out = C::with_capacity(capacity);
        let mut valid = true;
        let mut index = 0;
        loop {
            if index == max {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    too_many(self.cx, self.at, max);
                    drain_seq(seq)?;
                    return Ok(None);
                }
                break;
            }
            let at = self.at.index(index);
            match seq.next_element_seed(ReadSeed::new(&self.rules.each, self.cx, &at))? {
                None => break,
                Some(Some(item)) if valid => out.push(item),
                // Once an item failed the list is dropped; stop storing, keep checking.
                Some(_) => valid = false,
            }
            index += 1;
        }
        Ok(valid.then_some(out))
    }

    fn visit_borrowed_str<E: Error>(self, s: &'de str) -> Result<Option<C>, E> {
        self.one_item(BorrowedStrDeserializer::new(s))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<C>, E> {
        self.one_item(StrDeserializer::new(s))
    }

    fn visit_string<E: Error>(self, s: String) -> Result<Option<C>, E> {
        self.one_item(StringDeserializer::new(s))
    }

    reject_unexpected!(bool, int, float, bytes, unit, map);
}

impl<'de, R, C> Read<'de, C> for SeqRules<R>
where
    C: SeqLike,
    R: Read<'de, C::Item>,
{
    const REPEATABLE: bool = true;

    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<C>, D::Error> {
        de.deserialize_any(SeqVisitor { rules: self, cx, at, marker: PhantomData })
    }

    fn read_repeated<D: Deserializer<'de>>(
        &self,
        de: D,
        slot: &mut Slot<C>,
        cx: &mut Cx,
        at: &Path<'_>,
    ) -> Result<(), D::Error> {
        let Slot::Value(items) = slot else {
            // An earlier item failed: the list is already rejected.
            return de.deserialize_ignored_any(IgnoredAny).map(|_| ());
        };
        if items.count() >= self.max_items {
            de.deserialize_ignored_any(IgnoredAny)?;
            too_many(cx, at, self.max_items);
            *slot = Slot::Invalid;
            return Ok(());
        }
        match self.each.read(de, cx, &at.index(items.count()))? {
            Some(item) => items.push(item),
            None => *slot = Slot::Invalid,
        }
        Ok(())
    }
}

impl<R, C> Check<C> for SeqRules<R>
where
    C: SeqLike,
    R: Check<C::Item>,
{
    fn check(&self, value: &C, cx: &mut Cx, at: &Path<'_>) {
        if value.count() > self.max_items {
            too_many(cx, at, self.max_items);
            return;
        }
        for (i, item) in value.items().enumerate() {
            self.each.check(item, cx, &at.index(i));
        }
    }
}

// ----------------------------------------------------------------------- maps

/// A map type a field can have.
pub trait MapLike: Sized {
    /// The key type.
    type Key;
    /// The value type.
    type Value;
    /// An empty map with room for `n` entries.
    fn with_capacity(n: usize) -> Self;
    /// Inserts an entry; `false` if the key was already there.
    fn insert_new(&mut self, key: Self::Key, value: Self::Value) -> bool;
    /// Number of entries.
    fn count(&self) -> usize;
    /// The entries, for checking.
    fn entries(&self) -> impl Iterator<Item = (&Self::Key, &Self::Value)>;
}

impl<K: Eq + Hash, V, S: BuildHasher + Default> MapLike for HashMap<K, V, S> {
    type Key = K;
    type Value = V;
    fn with_capacity(n: usize) -> Self {
        HashMap::with_capacity_and_hasher(n, S::default())
    }
    fn insert_new(&mut self, key: K, value: V) -> bool {
        self.insert(key, value).is_none()
    }
    fn count(&self) -> usize {
        HashMap::len(self)
    }
    fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.iter()
    }
}

impl<K: Ord, V> MapLike for BTreeMap<K, V> {
    type Key = K;
    type Value = V;
    fn with_capacity(_: usize) -> Self {
        BTreeMap::new()
    }
    fn insert_new(&mut self, key: K, value: V) -> bool {
        self.insert(key, value).is_none()
    }
    fn count(&self) -> usize {
        BTreeMap::len(self)
    }
    fn entries(&self) -> impl Iterator<Item = (&K, &V)> {
        self.iter()
    }
}

/// A map key type: how it appears in an error path.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the key of a map in a #[secure_request] type",
    label = "not a string, integer or #[secure_request] unit-only enum",
    note = "map keys must be strings (with `keys(len = ..)`), integers (with `keys(range = ..)`) or unit-only enums"
)]
pub trait MapKey {
    /// The key as it appears in a path (`metadata.color`).
    fn key_text(&self) -> Cow<'_, str>;
}

impl MapKey for String {
    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl MapKey for Box<str> {
    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl MapKey for Cow<'_, str> {
    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

macro_rules! int_map_keys {
    ($($t:ty),*) => {$(
        impl MapKey for $t {
            fn key_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
int_map_keys!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, bool, char);

struct MapVisitor<'r, 'c, 'p, KR, VR, M> {
    rules: &'r MapRules<KR, VR>,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<fn() -> M>,
}

impl<KR, VR, M> MapVisitor<'_, '_, '_, KR, VR, M> {
    const EXPECTING: &'static str = "an object";
}

impl<'de, KR, VR, M> Visitor<'de> for MapVisitor<'_, '_, '_, KR, VR, M>
where
    M: MapLike,
    M::Key: MapKey,
    KR: Read<'de, M::Key>,
    VR: Read<'de, M::Value>,
{
    type Value = Option<M>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<M>, A::Error> {
        let max = self.rules.max_items;
        let capacity = map.size_hint().unwrap_or(0).min(max).min(MAX_PREALLOCATION);
        let mut out = M::with_capacity(capacity);
        let mut valid = true;
        let mut count = 0;
        loop {
            if count == max {
                if map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value::<IgnoredAny>()?;
                    too_many(self.cx, self.at, max);
                    drain_map(map)?;
                    return Ok(None);
                }
                break;
            }
            // Keys are text in JSON and in query strings alike: integer keys parse from it.
            let mode = self.cx.set_mode(Mode::Query);
            let key = map.next_key_seed(ReadSeed::new(&self.rules.keys, self.cx, self.at));
            self.cx.set_mode(mode);
            let key = match key? {
                None => break,
                Some(Some(key)) => key,
                Some(None) => {
                    valid = false;
                    map.next_value::<IgnoredAny>()?;
                    count += 1;
                    continue;
                }
            };
            let text = key.key_text();
            let at = self.at.entry(&text, count);
            let value = map.next_value_seed(ReadSeed::new(&self.rules.each, self.cx, &at))?;
            if let Some(value) = value {
                if valid {
                    drop(text);
                    if !out.insert_new(key, value) {
                        self.cx.report(self.at, ErrorCode::DuplicateField, "has a key more than once");
                        valid = false;
                    }
                }
            } else {
                valid = false;
            }
            count += 1;
        }
        Ok(valid.then_some(out))
    }

    reject_unexpected!(bool, int, float, str, bytes, unit, seq);
}

impl<'de, KR, VR, M> Read<'de, M> for MapRules<KR, VR>
where
    M: MapLike,
    M::Key: MapKey,
    KR: Read<'de, M::Key>,
    VR: Read<'de, M::Value>,
{
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<M>, D::Error> {
        de.deserialize_any(MapVisitor { rules: self, cx, at, marker: PhantomData })
    }
}

impl<KR, VR, M> Check<M> for MapRules<KR, VR>
where
    M: MapLike,
    M::Key: MapKey,
    KR: Check<M::Key>,
    VR: Check<M::Value>,
{
    fn check(&self, value: &M, cx: &mut Cx, at: &Path<'_>) {
        if value.count() > self.max_items {
            too_many(cx, at, self.max_items);
            return;
        }
        for (n, (key, value)) in value.entries().enumerate() {
            let before = cx.error_count();
            self.keys.check(key, cx, at);
            if cx.error_count() == before {
                let text = key.key_text();
                self.each.check(value, cx, &at.entry(&text, n));
            }
        }
    }
}

// --------------------------------------------------------------------- Option

struct OptionVisitor<'r, 'c, 'p, R, T> {
    rules: &'r OptionRules<R>,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<fn() -> T>,
}

impl<'de, R: Read<'de, T>, T> Visitor<'de> for OptionVisitor<'_, '_, '_, R, T> {
    type Value = Option<Option<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an optional value")
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(Some(None))
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(Some(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        Ok(self.rules.0.read(de, self.cx, self.at)?.map(Some))
    }
}

impl<'de, R: Read<'de, T>, T> Read<'de, Option<T>> for OptionRules<R> {
    const REPEATABLE: bool = R::REPEATABLE;

    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<Option<T>>, D::Error> {
        de.deserialize_option(OptionVisitor { rules: self, cx, at, marker: PhantomData })
    }

    fn read_repeated<D: Deserializer<'de>>(
        &self,
        de: D,
        slot: &mut Slot<Option<T>>,
        cx: &mut Cx,
        at: &Path<'_>,
    ) -> Result<(), D::Error> {
        let mut inner = match std::mem::replace(slot, Slot::Invalid) {
            Slot::Value(Some(v)) => Slot::Value(v),
            Slot::Value(None) | Slot::Absent => Slot::Absent,
            Slot::Invalid => Slot::Invalid,
        };
        if matches!(inner, Slot::Absent) {
            inner = match self.0.read(de, cx, at)? {
                Some(v) => Slot::Value(v),
                None => Slot::Invalid,
            };
        } else {
            self.0.read_repeated(de, &mut inner, cx, at)?;
        }
        *slot = match inner {
            Slot::Value(v) => Slot::Value(Some(v)),
            Slot::Absent => Slot::Value(None),
            Slot::Invalid => Slot::Invalid,
        };
        Ok(())
    }

    fn absent(&self) -> Option<Option<T>> {
        Some(None)
    }
}

impl<R: Check<T>, T> Check<Option<T>> for OptionRules<R> {
    fn check(&self, value: &Option<T>, cx: &mut Cx, at: &Path<'_>) {
        if let Some(v) = value {
            self.0.check(v, cx, at);
        }
    }
}

// ------------------------------------------------------------------------ Box

impl<'de, R: Read<'de, T>, T> Read<'de, Box<T>> for BoxRules<R> {
    const REPEATABLE: bool = false;

    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<Box<T>>, D::Error> {
        Ok(self.0.read(de, cx, at)?.map(Box::new))
    }
}

impl<R: Check<T>, T> Check<Box<T>> for BoxRules<R> {
    fn check(&self, value: &Box<T>, cx: &mut Cx, at: &Path<'_>) {
        self.0.check(value, cx, at);
    }
}

// --------------------------------------------------------------------- Secret

/// The rules of a [`Secret<T>`](crate::Secret): those of `T`. The value is
/// wrapped as soon as it is read, so it is zeroized when dropped.
#[derive(Debug, Clone, Copy)]
pub struct SecretRules<R>(pub R);

impl<'de, R: Read<'de, T>, T: zeroize::Zeroize> Read<'de, crate::Secret<T>> for SecretRules<R> {
    fn read<D: Deserializer<'de>>(
        &self,
        de: D,
        cx: &mut Cx,
        at: &Path<'_>,
    ) -> Result<Option<crate::Secret<T>>, D::Error> {
        Ok(self.0.read(de, cx, at)?.map(crate::Secret::new))
    }
}

impl<R: Check<T>, T: zeroize::Zeroize> Check<crate::Secret<T>> for SecretRules<R> {
    fn check(&self, value: &crate::Secret<T>, cx: &mut Cx, at: &Path<'_>) {
        self.0.check(value.expose_secret(), cx, at);
    }
}
