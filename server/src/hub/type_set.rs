//! [`TypeSet`]: a set of event types, what a client is subscribed to. The hub filters a
//! replay with it; the socket layer keeps one per socket and joins the matching rooms.

use agentcast_shared::{ALL_EVENT_TYPES, Pattern, expand};

/// A set of event types as bits, by position in `ALL_EVENT_TYPES` (fewer than 64 types).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeSet(u64);

impl TypeSet {
    pub fn of<'a>(types: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Self::default();
        for kind in types {
            if let Some(i) = ALL_EVENT_TYPES.iter().position(|t| *t == kind) {
                set.0 |= 1 << i;
            }
        }
        set
    }

    /// The types the patterns select.
    pub fn matching(patterns: &[Pattern]) -> Self {
        Self::of(expand(patterns))
    }

    pub fn contains(self, kind: &str) -> bool {
        ALL_EVENT_TYPES
            .iter()
            .position(|t| *t == kind)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// The types, in canonical order.
    pub fn types(self) -> Vec<&'static str> {
        ALL_EVENT_TYPES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, t)| *t)
            .collect()
    }

    pub fn minus(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_sets_keep_canonical_order() {
        let set = TypeSet::of(["tool.completed", "output.text", "nope"]);
        assert_eq!(set.types(), ["output.text", "tool.completed"]);
        assert!(set.contains("output.text") && !set.contains("tool.started"));
        let all = TypeSet::of(ALL_EVENT_TYPES.iter().copied());
        assert_eq!(all.minus(set).types().len(), ALL_EVENT_TYPES.len() - 2);
        assert!(ALL_EVENT_TYPES.len() < 64, "TypeSet holds at most 64 types");
    }
}
