//! Rebuild when built-in suites or schemas change: they are embedded with `include_dir!`, which
//! does not notice added or removed files on its own.

fn main() {
    println!("cargo:rerun-if-changed=cases");
    println!("cargo:rerun-if-changed=specs");
}
