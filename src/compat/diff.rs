//! Structural comparison of two JSON documents, keyed by JSON Pointer: object key order is
//! ignored, arrays are compared in order unless a `set` rule applies, numbers compare
//! numerically. Declared rules and learned noise suppress differences; every suppression is kept
//! so the summary can say what was ignored and why.

use serde_json::Value;

use super::noise::NoiseSet;
use super::pointer::{self, generalise};
use super::rules::{Rule, RuleKind, Rules};

/// Arrays longer than this are compared in order even under a `set` rule (pairing is quadratic).
const MAX_SET_LEN: usize = 1000;

/// How a value differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Present on both sides with different values (or types).
    Changed,
    /// Only the candidate has it.
    Added,
    /// Only the baseline has it.
    Removed,
}

/// One real difference.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Concrete JSON Pointer, e.g. `/body/sessions/2/status`.
    pub pointer: String,
    /// The pointer with array indices replaced by `*`.
    pub pattern: String,
    /// What changed.
    pub change: Change,
    /// Baseline value (none when added).
    pub baseline: Option<Value>,
    /// Candidate value (none when removed).
    pub candidate: Option<Value>,
}

/// Why a difference was not counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Because {
    /// A declared rule (its display form).
    Rule(String),
    /// Learned noise (the noise pattern).
    Noise(String),
}

impl Because {
    /// A short placeholder for masked displays.
    pub fn placeholder(&self) -> String {
        match self {
            Because::Rule(r) => format!("<ignored by rule {r}>"),
            Because::Noise(_) => "<noise>".to_owned(),
        }
    }
}

/// A difference that a rule or learned noise suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    /// Concrete pointer.
    pub pointer: String,
    /// Generalised pointer (array indices as `*`).
    pub pattern: String,
    /// Why.
    pub because: Because,
}

/// The result of comparing two documents.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Real differences, in document order.
    pub differences: Vec<Difference>,
    /// Suppressed differences.
    pub suppressed: Vec<Suppressed>,
    /// Pointers of arrays compared as sets (for displays).
    pub sets: Vec<String>,
}

/// Compares `baseline` and `candidate` under `rules` and optional learned `noise`.
pub fn compare(
    baseline: &Value,
    candidate: &Value,
    rules: &Rules,
    noise: Option<&NoiseSet>,
) -> Comparison {
    let mut w = Walker {
        rules,
        noise,
        out: Comparison::default(),
    };
    let mut arr = Vec::new();
    w.walk("", &mut arr, Some(baseline), Some(candidate));
    w.out
}

struct Walker<'a> {
    rules: &'a Rules,
    noise: Option<&'a NoiseSet>,
    out: Comparison,
}

impl Walker<'_> {
    fn suppress(&mut self, ptr: &str, arr: &[usize], because: Because) {
        self.out.suppressed.push(Suppressed {
            pointer: ptr.to_owned(),
            pattern: generalise(ptr, arr),
            because,
        });
    }

    fn differ(
        &mut self,
        ptr: &str,
        arr: &[usize],
        change: Change,
        a: Option<&Value>,
        b: Option<&Value>,
    ) {
        self.out.differences.push(Difference {
            pointer: ptr.to_owned(),
            pattern: generalise(ptr, arr),
            change,
            baseline: a.cloned(),
            candidate: b.cloned(),
        });
    }

    fn walk(&mut self, ptr: &str, arr: &mut Vec<usize>, a: Option<&Value>, b: Option<&Value>) {
        if let Some(rule) = self.rules.ignored(ptr) {
            if !opt_eq(a, b) {
                self.suppress(ptr, arr, Because::Rule(rule.to_string()));
            }
            return;
        }
        // Learned noise means "this value varies", not "this field may be missing" or "may
        // change type": those stay differences.
        if let (Some(x), Some(y)) = (a, b) {
            if same_type(x, y) {
                if let Some(n) = self.noise.and_then(|n| n.find(ptr)) {
                    if !json_eq(x, y) {
                        self.suppress(ptr, arr, Because::Noise(n.pattern.clone()));
                    }
                    return;
                }
            }
        }
        let (a, b) = match (a, b) {
            (None, None) => return,
            (Some(a), None) => return self.differ(ptr, arr, Change::Removed, Some(a), None),
            (None, Some(b)) => return self.differ(ptr, arr, Change::Added, None, Some(b)),
            (Some(a), Some(b)) => (a, b),
        };
        match (a, b) {
            (Value::Object(ma), Value::Object(mb)) => {
                let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let child = pointer::push(ptr, k);
                    self.walk(&child, arr, ma.get(k), mb.get(k));
                }
            }
            (Value::Array(va), Value::Array(vb)) => {
                let set = va.len().max(vb.len()) <= MAX_SET_LEN
                    && self.rules.find(ptr, |k| *k == RuleKind::Set).is_some();
                if set {
                    self.out.sets.push(ptr.to_owned());
                    self.walk_set(ptr, arr, va, vb);
                } else {
                    self.walk_seq(ptr, arr, va.iter().enumerate(), vb.iter().enumerate());
                }
            }
            (Value::String(sa), Value::String(sb)) => {
                if sa == sb {
                    return;
                }
                if let Some(rule) = self.rules.find(ptr, |k| *k == RuleKind::Uuid) {
                    if mask_uuids(sa) == mask_uuids(sb) {
                        return self.suppress(ptr, arr, Because::Rule(rule.to_string()));
                    }
                }
                if let Some(rule) = self.timestamp_rule(ptr) {
                    if let (Some(ta), Some(tb)) = (rfc3339_ms(sa), rfc3339_ms(sb)) {
                        if within(ta, tb, rule) {
                            return self.suppress(ptr, arr, Because::Rule(rule.to_string()));
                        }
                    }
                }
                self.differ(ptr, arr, Change::Changed, Some(a), Some(b));
            }
            (Value::Number(na), Value::Number(nb)) => {
                if num_eq(na, nb) {
                    return;
                }
                if let Some(rule) = self.timestamp_rule(ptr) {
                    if let (Some(ta), Some(tb)) = (epoch_ms(na), epoch_ms(nb)) {
                        if within(ta, tb, rule) {
                            return self.suppress(ptr, arr, Because::Rule(rule.to_string()));
                        }
                    }
                }
                self.differ(ptr, arr, Change::Changed, Some(a), Some(b));
            }
            _ => {
                if !json_eq(a, b) {
                    self.differ(ptr, arr, Change::Changed, Some(a), Some(b));
                }
            }
        }
    }

    fn timestamp_rule(&self, ptr: &str) -> Option<&Rule> {
        self.rules
            .find(ptr, |k| matches!(k, RuleKind::Timestamp(_)))
    }

    fn walk_seq<'v>(
        &mut self,
        ptr: &str,
        arr: &mut Vec<usize>,
        a: impl Iterator<Item = (usize, &'v Value)>,
        b: impl Iterator<Item = (usize, &'v Value)>,
    ) {
        let a: Vec<_> = a.collect();
        let b: Vec<_> = b.collect();
        let depth = pointer::tokens(ptr).len();
        arr.push(depth);
        for i in 0..a.len().max(b.len()) {
            let (ai, bi) = (a.get(i), b.get(i));
            // Report at the baseline's index when there is one, else at the candidate's.
            let idx = ai.or(bi).map_or(i, |(k, _)| *k);
            let child = pointer::push(ptr, &idx.to_string());
            self.walk(&child, arr, ai.map(|(_, v)| *v), bi.map(|(_, v)| *v));
        }
        arr.pop();
    }

    /// Pairs equal elements (under the same rules and noise) first; what is left is compared in
    /// order.
    fn walk_set(&mut self, ptr: &str, arr: &mut Vec<usize>, va: &[Value], vb: &[Value]) {
        let mut used = vec![false; vb.len()];
        let mut left_a = Vec::new();
        let depth = pointer::tokens(ptr).len();
        for (i, x) in va.iter().enumerate() {
            let child = pointer::push(ptr, &i.to_string());
            let mut found = None;
            for (j, y) in vb.iter().enumerate() {
                if used[j] {
                    continue;
                }
                let mut sub = Walker {
                    rules: self.rules,
                    noise: self.noise,
                    out: Comparison::default(),
                };
                let mut sub_arr = arr.clone();
                sub_arr.push(depth);
                sub.walk(&child, &mut sub_arr, Some(x), Some(y));
                if sub.out.differences.is_empty() {
                    found = Some((j, sub.out));
                    break;
                }
            }
            match found {
                Some((j, sub)) => {
                    used[j] = true;
                    self.out.suppressed.extend(sub.suppressed);
                    self.out.sets.extend(sub.sets);
                }
                None => left_a.push(i),
            }
        }
        let left_b: Vec<usize> = (0..vb.len()).filter(|j| !used[*j]).collect();
        self.walk_seq(
            ptr,
            arr,
            left_a.iter().map(|&i| (i, &va[i])),
            left_b.iter().map(|&j| (j, &vb[j])),
        );
    }
}

fn opt_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => json_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Deep equality with numbers compared numerically (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num_eq(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn num_eq(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn within(a_ms: i128, b_ms: i128, rule: &Rule) -> bool {
    match rule.kind {
        RuleKind::Timestamp(tol) => (a_ms - b_ms).unsigned_abs() <= tol.as_millis(),
        _ => false,
    }
}

/// Milliseconds since the epoch of an RFC 3339 string.
pub(crate) fn rfc3339_ms(s: &str) -> Option<i128> {
    if s.len() < 20 || !s.as_bytes()[4].eq(&b'-') {
        return None;
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos() / 1_000_000)
}

/// An integer that looks like epoch milliseconds (years 1973 to 5138).
pub(crate) fn epoch_ms(n: &serde_json::Number) -> Option<i128> {
    let v = n.as_i64()?;
    (100_000_000_000..100_000_000_000_000)
        .contains(&v)
        .then_some(i128::from(v))
}

/// Replaces every UUID (8-4-4-4-12 hex) inside `s` with `<uuid>`.
pub fn mask_uuids(s: &str) -> String {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'outer: while i < b.len() {
        if i + 36 <= b.len() && (i == 0 || !b[i - 1].is_ascii_hexdigit()) {
            let mut j = i;
            let mut ok = true;
            for (g, len) in GROUPS.iter().enumerate() {
                if !b[j..j + len].iter().all(u8::is_ascii_hexdigit) {
                    ok = false;
                    break;
                }
                j += len;
                if g < 4 {
                    if b[j] != b'-' {
                        ok = false;
                        break;
                    }
                    j += 1;
                }
            }
            if ok && (j == b.len() || !b[j].is_ascii_hexdigit()) {
                out.push_str("<uuid>");
                i = j;
                continue 'outer;
            }
        }
        // Copy one whole UTF-8 character.
        let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&s[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// A copy with object keys sorted at every level (the canonical form that is diffed and saved).
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::with_capacity(m.len());
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Pretty canonical JSON text.
pub fn canonical_text(v: &Value) -> String {
    serde_json::to_string_pretty(&canonical(v)).unwrap_or_else(|_| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::rules::Rule;
    use serde_json::json;

    fn rules(specs: &[&str]) -> Rules {
        Rules {
            rules: specs.iter().map(|s| Rule::parse_cli(s).unwrap()).collect(),
            ..Rules::default()
        }
    }

    fn ptrs(c: &Comparison) -> Vec<&str> {
        c.differences.iter().map(|d| d.pointer.as_str()).collect()
    }

    #[test]
    fn key_order_ignored_numbers_numeric() {
        let a = json!({"a": 1, "b": {"x": [1, 2], "y": 1.0}});
        let b = json!({"b": {"y": 1, "x": [1, 2]}, "a": 1});
        let c = compare(&a, &b, &Rules::default(), None);
        assert!(c.differences.is_empty(), "{:?}", c.differences);
    }

    #[test]
    fn reports_changed_added_removed_by_pointer() {
        let a = json!({"a": 1, "gone": true, "list": [1, 2, 3], "t": "x"});
        let b = json!({"a": 2, "new": null, "list": [1, 3], "t": 5});
        let c = compare(&a, &b, &Rules::default(), None);
        assert_eq!(
            ptrs(&c),
            vec!["/a", "/gone", "/list/1", "/list/2", "/new", "/t"]
        );
        let kinds: Vec<Change> = c.differences.iter().map(|d| d.change).collect();
        assert_eq!(
            kinds,
            vec![
                Change::Changed,
                Change::Removed,
                Change::Changed,
                Change::Removed,
                Change::Added,
                Change::Changed
            ]
        );
        assert_eq!(c.differences[2].pattern, "/list/*");
    }

    #[test]
    fn arrays_in_order_unless_set() {
        let a = json!({"s": [{"id": "a"}, {"id": "b"}]});
        let b = json!({"s": [{"id": "b"}, {"id": "a"}]});
        let c = compare(&a, &b, &Rules::default(), None);
        assert_eq!(ptrs(&c), vec!["/s/0/id", "/s/1/id"]);
        let c = compare(&a, &b, &rules(&["set:/s"]), None);
        assert!(c.differences.is_empty());
        // A set still reports a real difference, and extra elements.
        let b2 = json!({"s": [{"id": "b"}, {"id": "c"}, {"id": "d"}]});
        let c = compare(&a, &b2, &rules(&["set:/s"]), None);
        assert_eq!(ptrs(&c), vec!["/s/0/id", "/s/2"]);
    }

    #[test]
    fn ignore_uuid_and_timestamp_rules_suppress_with_reasons() {
        let a = json!({"request_id": "r1", "id": "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
                       "at": "2024-01-01T00:00:00Z", "ms": 1_716_883_200_000_i64, "status": 200});
        let b = json!({"request_id": "r2", "id": "session-test-00000000-6286-479f-8a4f-b046a6c46509",
                       "at": "2024-01-01T00:00:30.5Z", "ms": 1_716_883_230_000_i64, "status": 201});
        let r = rules(&["ignore:/request_id", "uuid", "timestamp:/**:60s"]);
        let c = compare(&a, &b, &r, None);
        assert_eq!(ptrs(&c), vec!["/status"]);
        let sup: Vec<&str> = c.suppressed.iter().map(|s| s.pointer.as_str()).collect();
        assert_eq!(sup, vec!["/at", "/id", "/ms", "/request_id"]);
        assert!(matches!(&c.suppressed[3].because, Because::Rule(r) if r == "ignore:/request_id"));
        // Beyond the tolerance, or a prefix change around the UUID, is a difference.
        let tight = rules(&["uuid", "timestamp:/**:10s"]);
        let b3 = json!({"id": "member-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
                        "at": "2024-01-01T00:00:30Z", "ms": 1_716_883_200, "request_id": "r1", "status": 200});
        let c = compare(&a, &b3, &tight, None);
        assert_eq!(ptrs(&c), vec!["/at", "/id", "/ms"]);
    }

    #[test]
    fn masks_uuids_only_when_delimited() {
        assert_eq!(
            mask_uuids("user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd/x"),
            "user-test-<uuid>/x"
        );
        assert_eq!(mask_uuids("no uuid é here"), "no uuid é here");
        assert_eq!(
            mask_uuids("ae3795c81-f849-4167-bfda-e4a6e9c280fd"),
            "ae3795c81-f849-4167-bfda-e4a6e9c280fd"
        );
    }

    #[test]
    fn canonical_sorts_keys() {
        let t = canonical_text(&json!({"b": 1, "a": {"d": 1, "c": 2}}));
        assert!(t.find("\"a\"").unwrap() < t.find("\"b\"").unwrap());
        assert!(t.find("\"c\"").unwrap() < t.find("\"d\"").unwrap());
    }
}
