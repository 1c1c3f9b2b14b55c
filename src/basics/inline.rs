//! Fixed-capacity containers kept inline, so a reply and a session update allocate
//! nothing for their small lists: [`InlineVec`] (at most `N` items), [`Few`] (inline
//! up to `N`, else on the heap) and [`ShortStr`] (an id of at most 32 bytes).
//!
//! One implementation of "a short list in an array with its length": the session's
//! recent topics, rotation slots and segment scores, a reply's hits and candidates
//! and an inline id are all built on [`InlineVec`].

use serde::{Serialize, Serializer};

/// At most `N` (≤ 255) `Copy` items in an array, in order. Pushing past `N` is refused
/// (the caller decides what to evict); nothing here allocates. Two lists are equal when
/// their items are (what lies past the length is never read).
#[derive(Clone, Copy)]
pub(crate) struct InlineVec<T, const N: usize> {
    len: u8,
    items: [T; N],
}

impl<T: Copy + Default, const N: usize> Default for InlineVec<T, N> {
    fn default() -> Self {
        const { assert!(N <= u8::MAX as usize) };
        InlineVec {
            len: 0,
            items: [T::default(); N],
        }
    }
}

impl<T: Copy + Default, const N: usize> InlineVec<T, N> {
    /// The items of `list`, or `None` when it has more than `N`.
    #[inline]
    pub(crate) fn from_slice(list: &[T]) -> Option<Self> {
        if list.len() > N {
            return None;
        }
        Some(Self::from_short(list))
    }

    /// The items of `list`, which has at most `N` (more are dropped).
    #[inline(always)]
    fn from_short(list: &[T]) -> Self {
        const { assert!(N <= u8::MAX as usize) };
        let len = list.len().min(N);
        let mut items = [T::default(); N];
        items[..len].copy_from_slice(&list[..len]);
        InlineVec {
            len: len as u8,
            items,
        }
    }
}

impl<T: Copy, const N: usize> InlineVec<T, N> {
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.items[..usize::from(self.len).min(N)]
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items[..usize::from(self.len).min(N)]
    }

    pub(crate) fn len(&self) -> usize {
        usize::from(self.len).min(N)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `item`; `false` (and nothing changes) when full.
    pub(crate) fn push(&mut self, item: T) -> bool {
        let len = self.len();
        match self.items.get_mut(len) {
            Some(slot) => {
                *slot = item;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// Keeps the items `keep` accepts, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut w = 0;
        for r in 0..self.len() {
            let item = self.items[r];
            if keep(&item) {
                self.items[w] = item;
                w += 1;
            }
        }
        self.len = w as u8;
    }

    /// Puts `item` first, most recent first: the item `same` finds moves up (and is
    /// replaced); else, when full, the last (oldest) falls off.
    pub(crate) fn put_first(&mut self, item: T, same: impl Fn(&T) -> bool) {
        if N == 0 {
            return;
        }
        let end = match self.as_slice().iter().position(same) {
            Some(i) => i,
            None => {
                self.len = (self.len() + 1).min(N) as u8;
                self.len() - 1
            }
        };
        self.items.copy_within(..end, 1);
        self.items[0] = item;
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for InlineVec<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + Eq, const N: usize> Eq for InlineVec<T, N> {}

impl<T: Copy + std::hash::Hash, const N: usize> std::hash::Hash for InlineVec<T, N> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_slice().hash(h);
    }
}

impl<T: Copy + std::fmt::Debug, const N: usize> std::fmt::Debug for InlineVec<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Copy + Serialize, const N: usize> Serialize for InlineVec<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.as_slice())
    }
}

/// A short list kept inline when it has at most `N` items (the usual case), else on
/// the heap: a reply carries its candidates and hits without an allocation.
#[derive(Debug, Clone)]
pub(crate) enum Few<T: Copy, const N: usize> {
    Inline(InlineVec<T, N>),
    Heap(Vec<T>),
}

impl<T: Copy + Default, const N: usize> Default for Few<T, N> {
    fn default() -> Self {
        Few::Inline(InlineVec::default())
    }
}

impl<T: Copy + Default, const N: usize> Few<T, N> {
    #[inline]
    pub(crate) fn from_slice(list: &[T]) -> Self {
        if list.len() > N {
            Few::Heap(list.to_vec())
        } else {
            Few::Inline(InlineVec::from_short(list))
        }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Few::Inline(v) => v.as_slice(),
            Few::Heap(v) => v,
        }
    }

    /// Becomes the items of `list`, written in place when they fit inline (no list is
    /// built and moved).
    #[inline]
    pub(crate) fn fill(&mut self, list: &[T]) {
        match self {
            Few::Inline(v) if list.len() <= N => {
                v.items[..list.len()].copy_from_slice(list);
                v.len = list.len() as u8;
            }
            _ => *self = Few::from_slice(list),
        }
    }
}

/// A short ASCII-or-UTF-8 id (a topic, segment or product id) of at most `N` bytes,
/// kept inline: a session stores its recent topics and current product without an
/// allocation.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub(crate) struct ShortStr<const N: usize>(InlineVec<u8, N>);

impl<const N: usize> ShortStr<N> {
    /// `None` when `s` is longer than `N` bytes.
    pub(crate) fn new(s: &str) -> Option<Self> {
        InlineVec::from_slice(s.as_bytes()).map(ShortStr)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Always whole UTF-8: copied from a `&str` in full.
        std::str::from_utf8(self.0.as_slice()).unwrap_or("")
    }
}

impl<const N: usize> std::fmt::Debug for ShortStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl<const N: usize> Serialize for ShortStr<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_first_keeps_the_most_recent_n() {
        let mut v: InlineVec<u32, 4> = InlineVec::default();
        for t in [1, 2, 3, 4, 5, 6, 3] {
            v.put_first(t, |x| *x == t);
        }
        assert_eq!(v.as_slice(), &[3, 6, 5, 4]);
    }

    #[test]
    fn push_retain_and_refusal_when_full() {
        let mut v: InlineVec<u8, 2> = InlineVec::default();
        assert!(v.push(1) && v.push(2));
        assert!(!v.push(3));
        v.retain(|x| *x != 1);
        assert_eq!(v.as_slice(), &[2]);
        assert!(InlineVec::<u8, 2>::from_slice(&[1, 2, 3]).is_none());
    }

    #[test]
    fn few_goes_to_the_heap_only_past_n() {
        assert!(matches!(Few::<u8, 2>::from_slice(&[1, 2]), Few::Inline(_)));
        let heap = Few::<u8, 2>::from_slice(&[1, 2, 3]);
        assert!(matches!(heap, Few::Heap(_)));
        assert_eq!(heap.as_slice(), &[1, 2, 3]);
    }

    #[test]
    fn short_str_holds_up_to_n_bytes() {
        assert_eq!(
            ShortStr::<4>::new("size").map(|s| s.as_str().to_owned()),
            Some("size".into())
        );
        assert!(ShortStr::<4>::new("sizes").is_none());
        assert_eq!(
            ShortStr::<6>::new("尺码").map(|s| s.as_str().len()),
            Some(6)
        );
    }
}
