//! Turns comparisons into report data: one finding per real difference with a `similar` unified
//! diff of the canonical JSON around it, and the tally of what noise and rules suppressed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::compare::{Because, Change, Comparison, Difference};
use super::noise::{NoiseSet, short};
use super::pointer;
use crate::canonical::{canonical, canonical_text};
use crate::case::model::Level;
use crate::engine::PlannedCase;
use crate::redact::Redactor;
use crate::result::compat::NoiseLine;
use crate::result::{Finding, FindingKind};
use crate::text_diff::labelled_diff;

/// Longest diff kept per group, in lines.
const MAX_DIFF_LINES: usize = 80;

/// Counts what each rule and noise pattern suppressed, and where.
#[derive(Debug, Default)]
pub(crate) struct NoiseTally {
    /// Keyed by (path, source); the first explanation seen is kept.
    lines: BTreeMap<(String, String), NoiseLine>,
}

impl NoiseTally {
    /// Adds the suppressions of one comparison of `case`.
    pub fn add(&mut self, case: &str, c: &Comparison, noise: &NoiseSet) {
        for s in &c.suppressed {
            let line = match &s.because {
                Because::Rule(r) => NoiseLine {
                    path: s.pattern.clone(),
                    source: "rule".to_owned(),
                    why: format!("rule {r}"),
                    rule: Some(r.clone()),
                    example: None,
                    learned_at: None,
                    suppressed: 0,
                    cases: Vec::new(),
                },
                Because::Paired(origin) => NoiseLine {
                    path: s.pattern.clone(),
                    source: "paired".to_owned(),
                    why: format!(
                        "the same value generated on both sides by one earlier request ({origin})"
                    ),
                    rule: None,
                    example: None,
                    learned_at: Some(origin.clone()),
                    suppressed: 0,
                    cases: Vec::new(),
                },
                Because::Noise(p) => {
                    let e = noise.get(p);
                    let why = match e {
                        Some(e) => {
                            let mut w = format!(
                                "differed between two baseline calls ({} vs {}) at {}",
                                e.example.0, e.example.1, e.learned_at
                            );
                            if let Some(i) = &e.inherited {
                                w.push_str(&format!("; applied elsewhere because: {i}"));
                            }
                            w
                        }
                        None => "differed between two baseline calls".to_owned(),
                    };
                    NoiseLine {
                        path: p.clone(),
                        source: "learned".to_owned(),
                        why,
                        rule: None,
                        example: e.map(|e| e.example.clone()),
                        learned_at: e.map(|e| e.learned_at.clone()),
                        suppressed: 0,
                        cases: Vec::new(),
                    }
                }
            };
            let slot = self
                .lines
                .entry((line.path.clone(), line.source.clone()))
                .or_insert(line);
            slot.suppressed += 1;
            if !slot.cases.iter().any(|c| c == case) {
                slot.cases.push(case.to_owned());
            }
        }
    }

    /// Summary lines, learned noise first, then rules; each group by path.
    pub fn lines(&self, redactor: &Redactor) -> Vec<NoiseLine> {
        let mut out: Vec<NoiseLine> = self.lines.values().cloned().collect();
        let rank = |s: &str| match s {
            "learned" => 0,
            "paired" => 1,
            _ => 2,
        };
        out.sort_by(|a, b| {
            (rank(&a.source), &a.rule, &a.path).cmp(&(rank(&b.source), &b.rule, &b.path))
        });
        for l in &mut out {
            l.why = redactor.redact(&l.why);
            if let Some((x, y)) = &mut l.example {
                *x = redactor.redact(x);
                *y = redactor.redact(y);
            }
        }
        out
    }
}

/// One finding per real difference of every compared step; the first finding of each group of
/// differences under the same parent carries the unified diff of that parent.
pub(crate) fn case_findings(
    pc: &PlannedCase,
    comparisons: &[(usize, Comparison, Value, Value)],
    redactor: &Redactor,
) -> Vec<Finding> {
    let case = pc.case();
    let multi = case.steps.len() > 1;
    let mut out = Vec::new();
    for (step, c, base, cand) in comparisons {
        let step_label = if multi {
            let name = case.steps.get(*step).map_or("", |s| s.name.as_str());
            format!("{name}: ")
        } else {
            String::new()
        };
        // The same path differing in many elements (every timestamp of a list, say) is one
        // finding: "differs at N places", with the first place's diff.
        let mut by_pattern: Vec<(&str, Vec<&Difference>)> = Vec::new();
        for d in &c.differences {
            match by_pattern.iter_mut().find(|(p, _)| *p == d.pattern) {
                Some((_, list)) => list.push(d),
                None => by_pattern.push((&d.pattern, vec![d])),
            }
        }
        let mut groups: Vec<(String, Vec<&Difference>)> = Vec::new();
        for d in &c.differences {
            let repeated = by_pattern
                .iter()
                .find(|(p, _)| *p == d.pattern)
                .filter(|(_, list)| list.len() >= GROUP_AT);
            if let Some((pattern, list)) = repeated {
                if !std::ptr::eq(list[0], d) {
                    continue;
                }
                let mut f = finding(&step_label, d, *step, redactor);
                f.message = redactor.redact(&format!(
                    "{step_label}{pattern}: differs at {} places, e.g. {}",
                    list.len(),
                    message("", d)
                ));
                f.path = Some((*pattern).to_owned());
                f.detail =
                    Some(redactor.redact(&unified(&display_root(&d.pointer), c, base, cand)));
                out.push(f);
                continue;
            }
            let root = display_root(&d.pointer);
            match groups.iter_mut().find(|(r, _)| *r == root) {
                Some((_, list)) => list.push(d),
                None => groups.push((root, vec![d])),
            }
        }
        for (root, diffs) in groups {
            let detail = unified(&root, c, base, cand);
            for (i, d) in diffs.iter().enumerate() {
                let mut f = finding(&step_label, d, *step, redactor);
                if i == 0 && !detail.is_empty() {
                    f.detail = Some(redactor.redact(&detail));
                }
                out.push(f);
            }
        }
    }
    out
}

/// A path differing at this many places is reported once.
const GROUP_AT: usize = 3;

fn message(step_label: &str, d: &Difference) -> String {
    match d.change {
        Change::Changed => format!(
            "{step_label}{}: {} → {}",
            d.pointer,
            short(d.baseline.as_ref()),
            short(d.candidate.as_ref())
        ),
        Change::Removed => format!(
            "{step_label}{}: only in the baseline ({})",
            d.pointer,
            short(d.baseline.as_ref())
        ),
        Change::Reordered => format!(
            "{step_label}{}: the same {} elements in a different order",
            d.pointer,
            d.baseline
                .as_ref()
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        ),
        Change::Added => format!(
            "{step_label}{}: only in the candidate ({})",
            d.pointer,
            short(d.candidate.as_ref())
        ),
    }
}

fn finding(step_label: &str, d: &Difference, step: usize, redactor: &Redactor) -> Finding {
    let mut f = Finding::new(
        FindingKind::Difference,
        Level::Fail,
        redactor.redact(&message(step_label, d)),
    );
    f.path = Some(d.pointer.clone());
    f.expected = Some(redactor.redact(&short(d.baseline.as_ref())));
    f.actual = Some(redactor.redact(&short(d.candidate.as_ref())));
    f.step = step;
    f
}

/// The node whose canonical JSON is shown around a difference: its parent, or the node itself
/// for top-level members (`/status`, `/body`).
fn display_root(ptr: &str) -> String {
    let parent = pointer::parent(ptr);
    if parent.is_empty() {
        ptr.to_owned()
    } else {
        parent.to_owned()
    }
}

/// A unified diff of the subtree at `root` on both sides, suppressed values masked with a
/// placeholder on both sides and `set` arrays sorted, so only real differences show.
fn unified(root: &str, c: &Comparison, base: &Value, cand: &Value) -> String {
    let mask = |doc: &Value| -> Value {
        let mut d = canonical(doc);
        for s in &c.suppressed {
            pointer::replace(&mut d, &s.pointer, Value::String(s.because.placeholder()));
        }
        for set in &c.sets {
            if let Some(Value::Array(items)) = d.pointer_mut(set) {
                items.sort_by_cached_key(std::string::ToString::to_string);
            }
        }
        d
    };
    let (mb, mc) = (mask(base), mask(cand));
    let text = |v: Option<&Value>| match v {
        Some(v) => canonical_text(v) + "\n",
        None => "(absent)\n".to_owned(),
    };
    let container = |v: Option<&Value>| matches!(v, Some(Value::Object(_) | Value::Array(_)));
    if !container(mb.pointer(root)) && !container(mc.pointer(root)) {
        // Two scalars: the finding's message already shows both.
        return String::new();
    }
    let (tb, tc) = (text(mb.pointer(root)), text(mc.pointer(root)));
    let shown = if root.is_empty() { "/" } else { root };
    labelled_diff(
        &tb,
        &tc,
        &format!("baseline {shown}"),
        &format!("candidate {shown}"),
        MAX_DIFF_LINES,
    )
    .map(|d| d.trim_end().to_owned())
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::compare::compare;
    use crate::compat::noise::NoiseEntry;
    use crate::compat::rules::Rules;
    use serde_json::json;

    #[test]
    fn unified_diff_masks_noise_and_shows_the_parent() {
        let base = json!({"status": 200, "body": {"request_id": "r1", "session": {"id": "s1", "status": "active", "a": 1, "b": 2, "c": 3, "d": 4}}});
        let cand = json!({"status": 200, "body": {"request_id": "r2", "session": {"id": "s1", "status": "revoked", "a": 1, "b": 2, "c": 3, "d": 4}}});
        let mut noise = NoiseSet::default();
        noise.add(NoiseEntry::new(
            "/body/request_id",
            "x step 1",
            ("\"r1\"".into(), "\"r3\"".into()),
        ));
        let c = compare(&base, &cand, &Rules::default(), Some(&noise));
        assert_eq!(c.differences.len(), 1);
        let d = unified("/body/session", &c, &base, &cand);
        assert!(d.contains("--- baseline /body/session"), "{d}");
        assert!(d.contains("-  \"status\": \"active\""), "{d}");
        assert!(d.contains("+  \"status\": \"revoked\""), "{d}");
        assert!(!d.contains("r1") && !d.contains("r2"), "{d}");
        let mut t = NoiseTally::default();
        t.add("s::c", &c, &noise);
        let lines = t.lines(&Redactor::default());
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].path, "/body/request_id");
        assert!(
            lines[0].why.contains("differed between two baseline calls"),
            "{}",
            lines[0].why
        );
    }
}
