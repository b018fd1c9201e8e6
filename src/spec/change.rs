//! The drift report's data: one [`Change`] between our schema and the vendor's component, its
//! [`Kind`] and its [`Severity`] for a client of the API.

use serde::Serialize;

/// What changed, seen from our schema towards the vendor's current definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The vendor defines a member our schema does not list.
    FieldAdded,
    /// Our schema lists a member the vendor no longer defines.
    FieldRemoved,
    /// Our schema requires a member the vendor made optional.
    RequiredToOptional,
    /// The vendor requires a member our schema treats as optional.
    OptionalToRequired,
    /// The JSON types differ.
    TypeChanged,
    /// The vendor allows `null` where our schema does not.
    BecameNullable,
    /// Our schema allows `null` where the vendor no longer does.
    NoLongerNullable,
    /// The vendor's enum has a value our closed enum rejects (or no enum at all any more).
    EnumValueAdded,
    /// Our enum has a value the vendor no longer lists.
    EnumValueRemoved,
    /// `format` differs.
    FormatChanged,
    /// `pattern` differs.
    PatternChanged,
    /// `additionalProperties: false` on one side only.
    AdditionalPropertiesChanged,
    /// The cited component (or operation response) is gone from the document.
    ComponentMissing,
}

impl Kind {
    /// The kebab-case name used in output and in `x-source.accepted`.
    pub fn name(self) -> &'static str {
        match self {
            Self::FieldAdded => "field-added",
            Self::FieldRemoved => "field-removed",
            Self::RequiredToOptional => "required-to-optional",
            Self::OptionalToRequired => "optional-to-required",
            Self::TypeChanged => "type-changed",
            Self::BecameNullable => "became-nullable",
            Self::NoLongerNullable => "no-longer-nullable",
            Self::EnumValueAdded => "enum-value-added",
            Self::EnumValueRemoved => "enum-value-removed",
            Self::FormatChanged => "format-changed",
            Self::PatternChanged => "pattern-changed",
            Self::AdditionalPropertiesChanged => "additional-properties-changed",
            Self::ComponentMissing => "component-missing",
        }
    }
}

/// What a change means for a client that relies on our schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Responses the vendor now allows would fail our schema (or a promise we rely on is gone).
    Breaking,
    /// Our schema still accepts everything the vendor now allows.
    Compatible,
}

/// One difference at one place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Breaking or compatible.
    pub severity: Severity,
    /// Member path: `/attributes/ip_address`; `[]` stands for an array's items; `` is the root.
    pub at: String,
    /// What changed.
    pub kind: Kind,
    /// Human detail, e.g. `enum value "pending" added` or `string → integer`.
    pub detail: String,
}

impl Change {
    pub(crate) fn new(at: &str, kind: Kind, severity: Severity, detail: impl Into<String>) -> Self {
        Self {
            severity,
            at: at.to_owned(),
            kind,
            detail: detail.into(),
        }
    }
}
