//! Learned noise: values that differ between two calls to the baseline (request ids, fresh
//! tokens, clock-derived fields) are ignored when the baseline is compared with the candidate.
//!
//! Only value changes are learned. When the two baseline responses differ in status or structure
//! (a key or array element appears or disappears) the exchange is not repeatable and nothing is
//! learned from it: marking whole arrays as noise would hide exactly the differences that matter.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::diff::{Change, compare};
use super::pointer::Pattern;
use super::rules::Rules;

/// Longest example value kept, in characters.
const EXAMPLE_CHARS: usize = 60;

/// One learned noise pattern.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoiseEntry {
    /// Generalised JSON Pointer (array indices as `*`).
    pub pattern: String,
    /// Where it was learned: `suite::case step N`, or a golden file.
    pub learned_at: String,
    /// The two baseline values, shortened.
    pub example: (String, String),
    /// Set when the entry was carried over from another exchange of the same endpoint or API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited: Option<String>,
    #[serde(skip)]
    matcher: Option<Pattern>,
}

impl NoiseEntry {
    /// A new entry for `pattern`.
    pub fn new(pattern: &str, learned_at: &str, example: (String, String)) -> Self {
        Self {
            pattern: pattern.to_owned(),
            learned_at: learned_at.to_owned(),
            example,
            inherited: None,
            matcher: Pattern::parse(pattern).ok(),
        }
    }

    fn matches(&self, pointer: &str) -> bool {
        match &self.matcher {
            Some(m) => m.matches(pointer),
            None => Pattern::parse(&self.pattern).is_ok_and(|p| p.matches(pointer)),
        }
    }

    /// A copy marked as carried over (`why`: e.g. `same endpoint`).
    pub fn inherit(&self, why: &str) -> Self {
        let mut e = self.clone();
        if e.inherited.is_none() {
            e.inherited = Some(why.to_owned());
        }
        e
    }

    /// Restores the compiled matcher after deserialising.
    pub fn compiled(mut self) -> Self {
        self.matcher = Pattern::parse(&self.pattern).ok();
        self
    }
}

/// The noise that applies to one exchange.
#[derive(Debug, Clone, Default)]
pub struct NoiseSet {
    entries: Vec<NoiseEntry>,
}

impl NoiseSet {
    /// Adds an entry unless its pattern is already present.
    pub fn add(&mut self, e: NoiseEntry) {
        if !self.entries.iter().any(|x| x.pattern == e.pattern) {
            self.entries.push(e);
        }
    }

    /// The entry matching `pointer`.
    pub fn find(&self, pointer: &str) -> Option<&NoiseEntry> {
        self.entries.iter().find(|e| e.matches(pointer))
    }

    /// The entry with exactly this pattern.
    pub fn get(&self, pattern: &str) -> Option<&NoiseEntry> {
        self.entries.iter().find(|e| e.pattern == pattern)
    }

    /// Every entry.
    pub fn entries(&self) -> &[NoiseEntry] {
        &self.entries
    }

    /// True when nothing is learned.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What two calls to the baseline taught.
#[derive(Debug, Clone)]
pub enum Learning {
    /// Same status and structure; these values varied.
    Stable(Vec<NoiseEntry>),
    /// Not repeatable: nothing learned, and why.
    Unstable(String),
}

/// Learns noise from two baseline exchange documents (`{status, headers, body}`), under the
/// declared rules (what a rule already accepts is not noise).
pub fn learn(first: &Value, second: &Value, rules: &Rules, learned_at: &str) -> Learning {
    let c = compare(first, second, rules, None);
    if let Some(d) = c.differences.iter().find(|d| d.pointer == "/status") {
        return Learning::Unstable(format!(
            "status {} then {}",
            short(d.baseline.as_ref()),
            short(d.candidate.as_ref())
        ));
    }
    if let Some(d) = c.differences.iter().find(|d| d.change != Change::Changed) {
        let which = if d.change == Change::Added {
            "second"
        } else {
            "first"
        };
        return Learning::Unstable(format!(
            "structure changed between the two calls: {} only in the {which}",
            d.pointer
        ));
    }
    let mut seen: BTreeMap<String, NoiseEntry> = BTreeMap::new();
    for d in c.differences {
        seen.entry(d.pattern.clone()).or_insert_with(|| {
            NoiseEntry::new(
                &d.pattern,
                learned_at,
                (short(d.baseline.as_ref()), short(d.candidate.as_ref())),
            )
        });
    }
    Learning::Stable(seen.into_values().collect())
}

/// A value as short text for summaries.
pub fn short(v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "(absent)".to_owned();
    };
    let text = v.to_string();
    if text.chars().count() <= EXAMPLE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(EXAMPLE_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(status: u16, body: Value) -> Value {
        json!({"status": status, "headers": {}, "body": body})
    }

    #[test]
    fn learns_value_changes_generalised() {
        let a = doc(
            200,
            json!({"request_id": "r1", "sessions": [{"id": "s1", "seen": "t1"}, {"id": "s2", "seen": "t2"}]}),
        );
        let b = doc(
            200,
            json!({"request_id": "r2", "sessions": [{"id": "s1", "seen": "t3"}, {"id": "s2", "seen": "t4"}]}),
        );
        let Learning::Stable(n) = learn(&a, &b, &Rules::default(), "s::c step 1") else {
            panic!("unstable")
        };
        let pats: Vec<&str> = n.iter().map(|e| e.pattern.as_str()).collect();
        assert_eq!(pats, vec!["/body/request_id", "/body/sessions/*/seen"]);
        assert_eq!(n[0].example, ("\"r1\"".to_owned(), "\"r2\"".to_owned()));
        let mut set = NoiseSet::default();
        for e in n {
            set.add(e);
        }
        assert!(set.find("/body/sessions/7/seen").is_some());
        assert!(set.find("/body/sessions/7/id").is_none());
    }

    #[test]
    fn status_or_structure_changes_are_unstable() {
        let a = doc(200, json!({"x": [1, 2]}));
        match learn(&a, &doc(404, json!({})), &Rules::default(), "c") {
            Learning::Unstable(why) => assert_eq!(why, "status 200 then 404"),
            other => panic!("{other:?}"),
        }
        match learn(
            &a,
            &doc(200, json!({"x": [1, 2, 3]})),
            &Rules::default(),
            "c",
        ) {
            Learning::Unstable(why) => {
                assert!(why.contains("/body/x/2 only in the second"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn noise_needs_both_sides_and_same_type() {
        use crate::compat::diff::compare;
        let mut set = NoiseSet::default();
        set.add(NoiseEntry::new(
            "/body/request_id",
            "c",
            ("1".into(), "2".into()),
        ));
        let a = doc(200, json!({"request_id": "a"}));
        let c = compare(
            &a,
            &doc(200, json!({"request_id": "b"})),
            &Rules::default(),
            Some(&set),
        );
        assert!(c.differences.is_empty());
        assert_eq!(c.suppressed.len(), 1);
        let c = compare(&a, &doc(200, json!({})), &Rules::default(), Some(&set));
        assert_eq!(c.differences.len(), 1);
        let c = compare(
            &a,
            &doc(200, json!({"request_id": 5})),
            &Rules::default(),
            Some(&set),
        );
        assert_eq!(c.differences.len(), 1);
    }
}
