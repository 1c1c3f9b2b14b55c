//! The bottom layer: what every other part of kefu builds on and nothing here builds
//! on them. Errors, normalization, typed ids, limits, text cleaning and hashing, inline
//! containers, money, the clock, and the three sections.
//!
//! Never imports from another layer (`crate::shop`, `crate::pipeline` …); the layer
//! test (`tests/layers.rs`) fails if it does.

pub(crate) mod clock;
pub(crate) mod error;
pub(crate) mod ids;
pub(crate) mod inline;
pub(crate) mod limits;
pub(crate) mod money;
pub(crate) mod normalize;
pub(crate) mod section;
pub(crate) mod text;
