//! The pipeline a message goes through: the compiled tree of quick phrases (`tree`),
//! one scan of the message (`matcher`), reading it (`reading`: small talk, word sense,
//! negation, the follow-up frame, confidence), choosing the node (`select`), and
//! choosing the opening and the variant to send (`compose`).
//!
//! Pure functions over compiled tables and what they are given; never reads or writes
//! a session (the engine hands over what the session remembers and records what the
//! pipeline chose). Depends on `basics`, `template` and `shop`.

pub(crate) mod compose;
pub(crate) mod matcher;
pub(crate) mod reading;
pub(crate) mod select;
pub(crate) mod tree;
