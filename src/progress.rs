//! Progress on stderr: a bar for each stage that runs longer than about a second
//! when stderr is a terminal, and one line per such stage with its time either
//! way (the only output in CI logs, where stderr is not a terminal).
//!
//! `--quiet` runs without a [`StderrProgress`], so nothing is printed.

use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Progress, Stage};

/// How long a stage runs before its bar and line appear.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(1);

/// Environment variable that overrides [`DEFAULT_DELAY`], in milliseconds
/// (`0` shows every stage: tests and benchmarks use it).
pub const DELAY_ENV: &str = "BENCHGATE_PROGRESS_DELAY_MS";

/// Bars (on a terminal) and stage lines on stderr.
pub struct StderrProgress {
    bars: bool,
    delay: Duration,
    current: Mutex<Option<Bar>>,
}

struct Bar {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl StderrProgress {
    /// Bars when stderr is a terminal; the delay from [`DELAY_ENV`] or the default.
    pub fn new() -> Self {
        let delay = std::env::var(DELAY_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_DELAY, Duration::from_millis);
        StderrProgress::with(std::io::stderr().is_terminal(), delay)
    }

    /// With or without bars, showing stages that run at least `delay`.
    pub fn with(bars: bool, delay: Duration) -> Self {
        StderrProgress {
            bars,
            delay,
            current: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Bar>> {
        // A panic elsewhere must not take progress reporting down with it.
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reveal(&self, bar: &mut Bar) {
        if !bar.shown && bar.start.elapsed() >= self.delay {
            bar.bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.bar.enable_steady_tick(Duration::from_millis(200));
            // Draw now: with a steady ticker installed, `tick()` leaves the first
            // draw to the ticker's thread, which a short stage can finish before.
            bar.bar.force_draw();
            bar.shown = true;
        }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        StderrProgress::new()
    }
}

fn style(stage: Stage) -> ProgressStyle {
    let counts = match stage {
        Stage::Load => "{binary_bytes}/{binary_total_bytes}",
        _ => "{human_pos}/{human_len}",
    };
    ProgressStyle::with_template(&format!(
        "benchgate: {{prefix:<8}} [{{bar:30}}] {counts} {{elapsed}} {{msg}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

impl Progress for StderrProgress {
    fn started(&self, stage: Stage, total: u64) {
        if !self.bars {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
            .with_style(style(stage))
            .with_prefix(stage.name());
        let mut bar = Bar {
            bar,
            start: Instant::now(),
            shown: false,
        };
        self.reveal(&mut bar);
        if let Some(old) = self.lock().replace(bar) {
            old.bar.finish_and_clear();
        }
    }

    fn advance(&self, units: u64) {
        let mut current = self.lock();
        if let Some(bar) = current.as_mut() {
            bar.bar.inc(units);
            self.reveal(bar);
        }
    }

    fn note(&self, text: &str) {
        let mut current = self.lock();
        if let Some(bar) = current.as_mut() {
            bar.bar.set_message(text.to_string());
            self.reveal(bar);
        }
    }

    fn finished(&self, stage: Stage, elapsed: Duration) {
        if let Some(bar) = self.lock().take() {
            bar.bar.finish_and_clear();
        }
        if elapsed >= self.delay {
            eprintln!(
                "benchgate: {} took {:.2} s",
                stage.name(),
                elapsed.as_secs_f64()
            );
        }
    }
}
