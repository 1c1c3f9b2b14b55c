//! [`Section`]: the three trees of quick phrases, and the conversation's stage.

/// Which tree of quick phrases a node belongs to; also the stage of a conversation
/// ([`Session::stage`](crate::Session::stage)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Section {
    /// 售前: questions before an order.
    Presale,
    /// 售中: paying, address changes, urging shipment.
    Insale,
    /// 售后: returns, logistics, complaints.
    Aftersale,
}

impl Section {
    /// Every section, in the order a rule file lists them.
    pub const ALL: [Section; 3] = [Section::Presale, Section::Insale, Section::Aftersale];

    /// The key of this section in a rule file (`presale`, `insale`, `aftersale`).
    pub fn key(self) -> &'static str {
        match self {
            Section::Presale => "presale",
            Section::Insale => "insale",
            Section::Aftersale => "aftersale",
        }
    }
    /// The Chinese name shops use (售前, 售中, 售后).
    pub fn label(self) -> &'static str {
        match self {
            Section::Presale => "售前",
            Section::Insale => "售中",
            Section::Aftersale => "售后",
        }
    }
    /// Whether the conversation is about an order (in-sale or after-sale): the stage
    /// selection compares nodes with.
    pub(crate) fn is_order(self) -> bool {
        !matches!(self, Section::Presale)
    }
}
