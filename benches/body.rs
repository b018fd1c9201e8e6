//! Micro-benchmark: parse + validate + free one response body, as a `serde_json::Value` (what a
//! naive engine does) and as sessconform's tape. Uses the peers' bodies and schema from
//! `../shared/bench/` (or `SESSCONFORM_SHARED`). Run: `cargo bench --bench body`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sessconform::tape::{Tape, TapeJson};

fn per_iteration(iterations: u32, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed() / iterations
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shared = std::env::var_os("SESSCONFORM_SHARED")
        .map_or_else(|| PathBuf::from("../shared"), PathBuf::from)
        .join("bench");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shared.join("sessions.schema.json"))?)?;
    let on_value = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)?;
    let on_tape = jsonschema::options_for::<TapeJson>()
        .should_validate_formats(true)
        .build(&schema)?;
    println!("| body | serde_json::Value | tape | tape, parse only |");
    println!("| --- | --- | --- | --- |");
    for (name, iterations) in [("small.json", 20_000), ("large.json", 50)] {
        let body = std::fs::read(shared.join(name))?;
        let value = per_iteration(iterations, || {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            black_box(on_value.is_valid(&v));
        });
        let tape = per_iteration(iterations, || {
            if let Ok(t) = Tape::parse(&body) {
                black_box(on_tape.is_valid(t.root()));
            }
        });
        let parse = per_iteration(iterations, || {
            black_box(Tape::parse(&body).map(|t| t.len()).unwrap_or(0));
        });
        println!(
            "| {name} ({} bytes) | {value:?} | {tape:?} | {parse:?} |",
            body.len()
        );
    }
    Ok(())
}
