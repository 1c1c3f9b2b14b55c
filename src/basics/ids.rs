//! Typed indices into the compiled tables: a node, a term of a node, a buyer segment, a
//! product. Each is made once, at load, from a position that is checked to fit; after
//! that an index is never converted with a silent `as` or a dropped `try_from`.
//!
//! Never holds data: an id is only meaningful for the rule set that made it.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($raw:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub(crate) struct $name($raw);

        // Every id gets the same small API; not every id uses all of it.
        #[allow(dead_code)]
        impl $name {
            /// The id of position `i`; `None` when `i` does not fit.
            #[inline]
            pub(crate) fn new(i: usize) -> Option<$name> {
                <$raw>::try_from(i).ok().map($name)
            }
            /// The id stored as its raw bits (an automaton value, a session slot).
            #[inline]
            pub(crate) const fn from_raw(raw: $raw) -> $name {
                $name(raw)
            }
            /// The position to index a table with.
            #[inline]
            pub(crate) fn index(self) -> usize {
                self.0 as usize
            }
            /// The raw bits, to pack or store.
            #[inline]
            pub(crate) const fn raw(self) -> $raw {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

id!(
    /// A node of the rule file, in file order (pre-sale, in-sale, after-sale; a parent
    /// before its children).
    NodeId(u32)
);
id!(
    /// A term of one node (its keywords, whole keywords and excludes, in file order), or
    /// of one product (name, then aliases), or a buyer signal of the rule set.
    TermId(u32)
);
id!(
    /// A buyer segment of `buyers.segments`; at most
    /// [`MAX_SEGMENTS`](crate::basics::limits::MAX_SEGMENTS) of them, one bit each in a
    /// scan.
    SegmentId(u8)
);
id!(
    /// A product of the `products:` table.
    ProductId(u32)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_only_from_positions_that_fit() {
        assert_eq!(NodeId::new(7).map(NodeId::index), Some(7));
        assert_eq!(
            NodeId::new(u32::MAX as usize).map(NodeId::raw),
            Some(u32::MAX)
        );
        assert_eq!(NodeId::new(u32::MAX as usize + 1), None);
        assert_eq!(SegmentId::new(255).map(SegmentId::raw), Some(255));
        assert_eq!(SegmentId::new(256), None);
    }
}
