//! What the bench targets share: which of their parts to run, and how a series is summarised.

/// The parts named after `--` in `cargo bench -p syncshell-e2e --bench NAME -- PART…` (empty:
/// all), or `None` when not run by `cargo bench`: `cargo test --all-targets` runs bench targets
/// too, and only `cargo bench` passes `--bench`.
pub fn parts() -> Option<Vec<String>> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmarks run with `cargo bench`");
        return None;
    }
    Some(
        std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with("--"))
            .collect(),
    )
}

/// Whether `part` is to run, given [`parts`]' answer.
pub fn wanted(parts: &[String], part: &str) -> bool {
    parts.is_empty() || parts.iter().any(|p| p == part)
}

/// The value at quantile `q` (0 to 1, nearest rank) of `values`, which it sorts.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}
