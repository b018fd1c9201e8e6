//! The fuzz campaign on a stable toolchain (issue 15): every seed of `fuzz/corpus/<target>/`
//! (and any finding saved there since) is replayed through the same target functions the
//! libFuzzer targets call, plus a fixed number of deterministic mutations of them. With
//! `FUZZ_SECONDS=N` each target instead mutates for N seconds, prints its executions and saves
//! any input that panics under `target/fuzz-findings/` (`bench/fuzz.sh` runs it that way).

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Mutations per target in the default (smoke) run.
const SMOKE_MUTATIONS: usize = 1_000;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// xorshift64*: deterministic, no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
}

/// Interesting bytes for our formats: YAML and JSON punctuation, JSONPath operators.
const TOKENS: &[&[u8]] = &[
    b"\n",
    b": ",
    b"- ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b"&a ",
    b"*a",
    b"${",
    b"$.",
    b"[?@",
    b"(",
    b")",
    b"\\",
    b"\x00",
    b"\xff",
    b"99999999999999999999",
    b"-1",
    b"null",
    b"true",
    b"\"$ref\": \"#\"",
    b"match(",
    b"\x1b[31m",
    b"\t",
];

fn mutate(rng: &mut Rng, seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].1.clone();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, t.iter().copied());
            }
            2 if !data.is_empty() => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 if !data.is_empty() => {
                let from = rng.below(data.len());
                let end = (from + rng.below(256)).min(data.len());
                let chunk = data[from..end].to_vec();
                data.splice(at..at, chunk);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let cut = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[cut..]);
            }
            _ => data.truncate(at),
        }
    }
    data
}

fn findings_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/fuzz-findings")
        .join(target)
}

#[test]
fn corpus_replays_and_mutations_hold() {
    let seconds: Option<u64> = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let only = std::env::var("FUZZ_TARGET").ok();
    let mut failures = Vec::new();
    for &(name, run) in targets::TARGETS {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let seeds = corpus(name);
        assert!(!seeds.is_empty(), "no seeds for {name}");
        for (file, data) in &seeds {
            if catch_unwind(AssertUnwindSafe(|| run(data))).is_err() {
                failures.push(format!("{name}: corpus file {file}"));
            }
        }
        let mut rng = Rng(0x5E55_C0F0 ^ name.len() as u64);
        let start = Instant::now();
        let (mut executions, mut found) = (seeds.len(), 0);
        loop {
            match seconds {
                Some(s) if start.elapsed() >= Duration::from_secs(s) => break,
                None if executions >= seeds.len() + SMOKE_MUTATIONS => break,
                _ => {}
            }
            let input = mutate(&mut rng, &seeds);
            executions += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&input))).is_err() {
                found += 1;
                let dir = findings_dir(name);
                let _ = std::fs::create_dir_all(&dir);
                let path = dir.join(format!("crash-{executions}"));
                let _ = std::fs::write(&path, &input);
                failures.push(format!("{name}: mutation saved to {}", path.display()));
            }
        }
        if seconds.is_some() {
            println!(
                "fuzz {name}: {executions} executions in {:.1} s, {found} findings",
                start.elapsed().as_secs_f64()
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
