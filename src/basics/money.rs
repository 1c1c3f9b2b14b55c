//! Money: [`Amount`], integer cents, never a float.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An amount of money in integer cents (分), never a float.
///
/// Parsed from yuan as shops write them (`399`, `399.5`, `399.00`, `¥399`) and
/// displayed with two decimals (`399.00`); serialized as the number of cents.
///
/// ```
/// let a: kefu::Amount = "399.5".parse()?;
/// assert_eq!(a.cents(), 39_950);
/// assert_eq!(a.to_string(), "399.50");
/// # Ok::<(), kefu::ParseAmountError>(())
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Amount(u64);

impl Amount {
    /// An amount of `cents` (分).
    pub const fn from_cents(cents: u64) -> Amount {
        Amount(cents)
    }
    /// The amount in cents (分).
    pub const fn cents(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Why a text is not an amount; its `Display` says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseAmountError(String);

impl fmt::Display for ParseAmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid amount '{}'; write yuan with at most two decimals, like 500 or 399.90",
            self.0
        )
    }
}

impl std::error::Error for ParseAmountError {}

impl FromStr for Amount {
    type Err = ParseAmountError;
    fn from_str(s: &str) -> Result<Amount, ParseAmountError> {
        let err = || ParseAmountError(s.to_owned());
        let t = s.trim();
        let t = t
            .strip_prefix('¥')
            .or_else(|| t.strip_prefix('￥'))
            .unwrap_or(t);
        let (yuan, fen) = t.split_once('.').unwrap_or((t, "0"));
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        if !digits(yuan) || !digits(fen) || fen.len() > 2 {
            return Err(err());
        }
        let yuan: u64 = yuan.parse().map_err(|_| err())?;
        let fen: u64 = format!("{fen:0<2}").parse().map_err(|_| err())?;
        yuan.checked_mul(100)
            .and_then(|c| c.checked_add(fen))
            .map(Amount)
            .ok_or_else(err)
    }
}
