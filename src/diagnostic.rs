//! What a run tells the user besides its numbers: why the gate failed (the
//! report's `reasons`) and what did not fail it but should be known (its
//! `warnings`), each a [`Diagnostic`] with a stable [`Code`].
//!
//! As in ruff, each kind of diagnostic is a code whose doc comment is its
//! documentation: the JSON schema of the report (`docs/src/report.schema.json`)
//! carries these comments, and a program reading the report matches on the
//! code, never on the wording. The message is the sentence the terminal, the
//! PR comment and the HTML report print; where that sentence ends in advice
//! after a `; ` (`…; consider --cluster-by doc_id`), the advice is the
//! diagnostic's `hint`, and the printed text is `message; hint` as before.
//!
//! Bottom layer: loaders, metrics and the judge all raise diagnostics, so it
//! imports nothing of benchgate.

use std::fmt;

use serde::Serialize;

/// The kind of a reason or warning: a stable kebab-case name in the JSON
/// report. New codes may be added in a minor release; a code's meaning does
/// not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Code {
    // Reasons: what fails the gate (a warning when `--fail-on never`).
    /// A metric's whole interval of the delta lies beyond its tolerance on
    /// the bad side.
    Regressed,
    /// A metric regressed within one slice (`--slice-by`).
    SliceRegressed,
    /// A metric's current value is worse than its absolute bound (`--min` or
    /// `--max`), whatever the baseline.
    MetricBelowFloor,
    /// A metric's interval still allows a drop beyond its tolerance, or it has
    /// too few examples, and `--fail-on inconclusive` fails on that.
    Inconclusive,
    /// As `inconclusive`, within one slice.
    SliceInconclusive,
    /// Examples of the baseline are missing from the current run: a reason
    /// unless `--allow-missing`, then a warning.
    MissingExamples,
    /// The human win rate of a review sheet (`--human`) is below its floor.
    HumanBelowFloor,

    // Warnings about the comparison.
    /// A slice has fewer examples than `--min-examples`, so it is not tested.
    SliceTooSmall,
    /// The resamples are too few for the intervals to reach the level the
    /// tests need, so no row can be decided; the hint names enough.
    TooFewResamples,
    /// Some metrics' directions (higher or lower is better) were guessed from
    /// their names; the hint says how to set them.
    DirectionsGuessed,
    /// With `--cluster-by`, some examples have no such field; each is a
    /// cluster of its own.
    ClusterFieldMissing,
    /// With `--cluster-by`, so few clusters that every interval is wide.
    FewClusters,
    /// Without `--cluster-by`, the examples look clustered by a field, so
    /// the intervals are too narrow; the hint names the flag to try.
    LooksClustered,
    /// Examples were added or edited since the baseline; the comparison uses
    /// the unchanged ones.
    DatasetChanged,
    /// `--history` names a file that does not exist yet, so the report has no
    /// trend.
    NoHistory,
    /// Stored metric values were computed with other settings, so every
    /// prediction was scored again.
    StaleStoredValues,
    /// A metric has a value in only one of the two runs for some examples;
    /// those examples are left out of it.
    OneSidedValues,
    /// BERTScore met empty predictions or references, which score 0.
    EmptyTexts,

    // Warnings about the input files.
    /// Some values of a metric are NaN or infinite; they are left out of it.
    NonFiniteValues,
    /// The baseline's ids took their task from its file name, so examples are
    /// paired by document id.
    TaskFromFileName,
    /// The run that wrote the file did not finish (an error, a stop, a
    /// missing final record); its samples are compared as they are.
    RunIncomplete,
    /// Some samples or results of the run ended in an error.
    SamplesErrored,
    /// A metric errored on some test cases, which are missing for it.
    MetricErrored,
    /// The tool's own summary of the run (a results file) cannot be read or
    /// says nothing of a task, so the samples are not checked against it.
    SummaryUnreadable,
    /// The tool's own summary of the run disagrees with what benchgate reads
    /// from the samples.
    SummaryMismatch,
    /// A per-sample correctness the tool logged does not match the prediction
    /// and reference benchgate read.
    PredictionMismatch,
    /// Per-sample values that only feed a corpus-level aggregate benchgate
    /// does not compute are not compared.
    ListMetricSkipped,
    /// Conversational test cases are not compared.
    ConversationalSkipped,
    /// Score values that are not a known grade or a number, read as 0.
    UnrecognisedValues,
    /// The tool reduced repeated epochs otherwise than by their mean, so its
    /// values differ from benchgate's.
    EpochReducer,
    /// A metric's thresholds say nothing of its direction, which is guessed
    /// from its name.
    ThresholdUnusable,
    /// Variants of a run are told apart only by their order.
    VariantsByOrder,
}

impl Code {
    /// Every code, in the order of the enum.
    pub const ALL: &'static [Code] = &[
        Code::Regressed,
        Code::SliceRegressed,
        Code::MetricBelowFloor,
        Code::Inconclusive,
        Code::SliceInconclusive,
        Code::MissingExamples,
        Code::HumanBelowFloor,
        Code::SliceTooSmall,
        Code::TooFewResamples,
        Code::DirectionsGuessed,
        Code::ClusterFieldMissing,
        Code::FewClusters,
        Code::LooksClustered,
        Code::DatasetChanged,
        Code::NoHistory,
        Code::StaleStoredValues,
        Code::OneSidedValues,
        Code::EmptyTexts,
        Code::NonFiniteValues,
        Code::TaskFromFileName,
        Code::RunIncomplete,
        Code::SamplesErrored,
        Code::MetricErrored,
        Code::SummaryUnreadable,
        Code::SummaryMismatch,
        Code::PredictionMismatch,
        Code::ListMetricSkipped,
        Code::ConversationalSkipped,
        Code::UnrecognisedValues,
        Code::EpochReducer,
        Code::ThresholdUnusable,
        Code::VariantsByOrder,
    ];

    /// The code as the JSON report writes it (`looks-clustered`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Regressed => "regressed",
            Code::SliceRegressed => "slice-regressed",
            Code::MetricBelowFloor => "metric-below-floor",
            Code::Inconclusive => "inconclusive",
            Code::SliceInconclusive => "slice-inconclusive",
            Code::MissingExamples => "missing-examples",
            Code::HumanBelowFloor => "human-below-floor",
            Code::SliceTooSmall => "slice-too-small",
            Code::TooFewResamples => "too-few-resamples",
            Code::DirectionsGuessed => "directions-guessed",
            Code::ClusterFieldMissing => "cluster-field-missing",
            Code::FewClusters => "few-clusters",
            Code::LooksClustered => "looks-clustered",
            Code::DatasetChanged => "dataset-changed",
            Code::NoHistory => "no-history",
            Code::StaleStoredValues => "stale-stored-values",
            Code::OneSidedValues => "one-sided-values",
            Code::EmptyTexts => "empty-texts",
            Code::NonFiniteValues => "non-finite-values",
            Code::TaskFromFileName => "task-from-file-name",
            Code::RunIncomplete => "run-incomplete",
            Code::SamplesErrored => "samples-errored",
            Code::MetricErrored => "metric-errored",
            Code::SummaryUnreadable => "summary-unreadable",
            Code::SummaryMismatch => "summary-mismatch",
            Code::PredictionMismatch => "prediction-mismatch",
            Code::ListMetricSkipped => "list-metric-skipped",
            Code::ConversationalSkipped => "conversational-skipped",
            Code::UnrecognisedValues => "unrecognised-values",
            Code::EpochReducer => "epoch-reducer",
            Code::ThresholdUnusable => "threshold-unusable",
            Code::VariantsByOrder => "variants-by-order",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason or warning: its kind, the sentence a person reads, and the
/// advice that ends it, if any. Displayed as the renderers print it:
/// `message`, then `; ` and `hint` when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What kind of reason or warning this is.
    pub code: Code,
    /// What happened, as the reports print it (before the hint).
    pub message: String,
    /// What to do about it; printed after the message and `; `.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Why the gate failed (one entry of the report's `reasons`).
pub type Reason = Diagnostic;

/// Something the user should know that did not fail the gate (one entry of
/// the report's `warnings`).
pub type Warning = Diagnostic;

impl Diagnostic {
    /// A diagnostic of kind `code` without a hint.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// The same diagnostic with `hint`, printed after the message and `; `.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic with `prefix` before its message (a suite's name
    /// and `/` when several suites' reports are merged).
    #[must_use]
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }

    /// The same diagnostic with `suffix` after its printed text (after the
    /// hint when there is one): `(not gating: --fail-on never)`.
    #[must_use]
    pub fn suffixed(mut self, suffix: &str) -> Self {
        match &mut self.hint {
            Some(h) => h.push_str(suffix),
            None => self.message.push_str(suffix),
        }
        self
    }
}

/// The printed text of each of `diagnostics`, in order.
pub fn texts(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(ToString::to_string).collect()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_message_then_hint() {
        let d = Diagnostic::new(Code::LooksClustered, "clustered")
            .with_hint("consider --cluster-by doc_id");
        assert_eq!(d.to_string(), "clustered; consider --cluster-by doc_id");
        assert_eq!(
            d.clone().suffixed(" (not gating)").to_string(),
            "clustered; consider --cluster-by doc_id (not gating)"
        );
        assert_eq!(
            d.prefixed("a/").to_string(),
            "a/clustered; consider --cluster-by doc_id"
        );
    }

    #[test]
    fn serialises_the_kebab_case_code() {
        let d = Diagnostic::new(Code::NonFiniteValues, "m");
        assert_eq!(
            serde_json::to_string(&d).expect("json"),
            r#"{"code":"non-finite-values","message":"m"}"#
        );
        // as_str and serde agree for every code the JSON may hold.
        for &code in Code::ALL {
            assert_eq!(
                serde_json::to_value(code).expect("json"),
                serde_json::Value::from(code.as_str())
            );
        }
    }
}
