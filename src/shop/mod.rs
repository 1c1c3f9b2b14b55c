//! The shop features, one module each, owning its compiled type and its run-time
//! logic: buyers (segments and anger), products, payment reminders (催付) and the
//! agents' hours. Their YAML and its validation are under `rules/` (load time only).
//!
//! Depends only on `basics` and `template`; never on the pipeline, the session or the
//! engine (which call in here).

pub(crate) mod buyers;
pub(crate) mod hours;
pub(crate) mod payment;
pub(crate) mod products;
