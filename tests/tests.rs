//! The integration tests, one binary: a module per area (each file's own doc
//! says what it covers). `cargo test --test tests AREA::` runs one area.

mod common;
/// The fake GitHub API the `github` and `github_suites` tests talk to.
#[path = "github/fake.rs"]
mod fake;

mod agreement_goldens;
mod artifact_baseline;
mod atomic_outputs;
mod baseline;
#[cfg(feature = "bertscore")]
mod bertscore;
mod calibration;
mod cli;
mod determinism;
mod docs;
mod fuzz_corpus;
mod git_baseline;
mod github;
mod github_suites;
mod goldens;
mod history;
mod hostile;
mod html;
mod llm_judge;
mod loader_fuzz;
mod monitor;
mod noise;
mod progress;
mod properties;
mod render;
#[cfg(unix)]
mod reuse;
mod review;
mod rouge_goldens;
mod sacrebleu_goldens;
mod vader_goldens;
