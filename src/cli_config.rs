//! From parsed flags to settings: each command's flags ([`crate::cli`])
//! become a [`Layer`], the same shape the config file becomes, and
//! [`Config::build`] merges the two into the validated [`Config`] that
//! `compare` runs on (the flag wins for every option). `score`,
//! `baseline write`, `review sample`, `agreement`, `plan`, `monitor` and
//! `--github` take their settings from the same layers. What only the
//! command line knows (which flags name the files, which suite `--suite`
//! picks) is checked here.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{
    AgreementArgs, BaselineWriteArgs, BertScoreArgs, CheckArgs, ColorChoice, CompareArgs,
    ExactMatchArgs, FieldArgs, GithubArgs, JudgeArgs, MonitorArgs, PlanArgs, ReviewSampleArgs,
    ScoreArgs, ScoringArgs, SheetFormat, TextMetricArgs,
};
use crate::config::{
    self, Config, FieldsLayer, FileConfig, Layer, MetricLayer, ScoringLayer, SuiteKey,
};
use crate::error::{Error, Result};
use crate::load::FieldMap;
use crate::metrics::{Direction, MetricOptions};
use crate::publish::GithubOptions;

impl BaselineWriteArgs {
    /// Field map and writer options from the config file and the flags.
    pub fn options(&self) -> Result<(FieldMap, crate::baseline::WriteOptions)> {
        let file = config::read_file(self.config.as_deref())?;
        let (fields, metric_options) = config::scoring(file, self.scoring.layer())?;
        let options = crate::baseline::WriteOptions {
            metrics: self.metrics.clone(),
            metric_options,
            commit: self.commit.clone(),
            source: self.from.iter().map(|p| p.display().to_string()).collect(),
        };
        Ok((fields, options))
    }
}

/// A flag that is on sets its option; off, it leaves the option to the
/// layers below.
fn on(flag: bool) -> Option<bool> {
    flag.then_some(true)
}

/// A repeatable flag given at least once sets its list.
fn list<T: Clone>(values: &[T]) -> Option<Vec<T>> {
    (!values.is_empty()).then(|| values.to_vec())
}

impl ScoringArgs {
    /// The layer of these flags: field names and metric options.
    fn layer(&self) -> Layer {
        let mut layer = Layer {
            fields: self.fields.layer(),
            ..Layer::default()
        };
        let s = &mut layer.scoring;
        self.exact_match.add_to(s);
        self.checks.add_to(s);
        self.text_metrics.add_to(s);
        self.bertscore.add_to(s);
        self.judge.add_to(s);
        layer
    }
}

impl JudgeArgs {
    fn add_to(&self, layer: &mut ScoringLayer) {
        layer.judge_flags = Some(crate::metrics::llm::JudgeSettings {
            model: self.judge_model.clone(),
            base_url: self.judge_base_url.clone(),
            api_key_env: self.judge_api_key_env.clone(),
            rubric_file: self.judge_rubric.clone(),
            samples: self.judge_samples,
            concurrency: self.judge_concurrency,
            timeout_s: self.judge_timeout,
            max_retries: self.judge_max_retries,
            response_format: self.judge_response_format,
            ..Default::default()
        });
    }
}

impl TextMetricArgs {
    fn add_to(&self, layer: &mut ScoringLayer) {
        layer.rouge_stemmer = on(self.rouge_stemmer);
        layer.bleu_tokenize.clone_from(&self.bleu_tokenize);
        layer.bleu_lowercase = on(self.bleu_lowercase);
        layer.chrf_lowercase = on(self.chrf_lowercase);
        layer.chrf_whitespace = on(self.chrf_whitespace);
    }
}

impl BertScoreArgs {
    fn add_to(&self, layer: &mut ScoringLayer) {
        layer.bertscore_model.clone_from(&self.bertscore_model);
        layer.bertscore_layers = self.bertscore_layers;
        layer.idf = on(self.idf);
        layer.rescale_baseline.clone_from(&self.rescale_baseline);
        layer.batch_size = self.batch_size;
    }
}

impl CheckArgs {
    fn add_to(&self, layer: &mut ScoringLayer) {
        use crate::metrics::checks::CheckSpec;
        if let Some(schema) = &self.json_schema {
            layer.checks.push((
                "json_schema".into(),
                CheckSpec::JsonSchema {
                    schema: schema.clone(),
                },
            ));
        }
        if let Some(pattern) = &self.regex {
            layer.checks.push((
                "regex".into(),
                CheckSpec::Regex {
                    pattern: pattern.clone(),
                    full_match: self.regex_full_match,
                    ignore_case: self.check_ignore_case,
                },
            ));
        }
        if self.contains.is_some() || self.check_ignore_case {
            layer.checks.push((
                "contains".into(),
                CheckSpec::Contains {
                    text: self.contains.clone(),
                    ignore_case: self.check_ignore_case,
                },
            ));
        }
        if let Some(command) = &self.exec {
            let command = command.split_whitespace().map(str::to_string).collect();
            layer.checks.push((
                "exec".into(),
                CheckSpec::Exec {
                    command,
                    timeout_s: self
                        .exec_timeout
                        .unwrap_or(crate::metrics::checks::EXEC_TIMEOUT_S),
                },
            ));
        } else {
            // Without --exec, the timeout is that of the config file's exec checks.
            layer.exec_timeout = self.exec_timeout;
        }
        if self.no_exec_cache {
            layer.exec_cache = Some(false);
        }
    }
}

impl GithubArgs {
    /// The `--github` settings, when `--github` is on.
    pub fn options(&self) -> Option<GithubOptions> {
        self.github.then(|| GithubOptions {
            comment: self.comment,
            timeout: std::time::Duration::from_secs(self.github_timeout),
            verbose: self.verbose,
        })
    }
}

fn pair(flag: &str, raw: &str) -> Result<(String, String)> {
    match raw.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(Error::Config(format!(
            "--{flag} expects NAME=VALUE, got \"{raw}\""
        ))),
    }
}

fn number(flag: &str, raw: &str) -> Result<(String, f64)> {
    let (k, v) = pair(flag, raw)?;
    let x: f64 = v
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| Error::Config(format!("--{flag} {k}=…: \"{v}\" is not a finite number")))?;
    Ok((k, x))
}

/// The `--direction NAME=higher|lower` flags in the order given (a later
/// flag for a name wins, as any later layer does).
fn directions(raw: &[String]) -> Result<Vec<(String, MetricLayer)>> {
    raw.iter()
        .map(|r| {
            let (k, v) = pair("direction", r)?;
            let d = match v.as_str() {
                "higher" => Direction::Higher,
                "lower" => Direction::Lower,
                _ => {
                    return Err(Error::Config(format!(
                        "--direction {k}={v}: the direction must be \"higher\" or \"lower\""
                    )))
                }
            };
            let layer = MetricLayer {
                direction: Some(d),
                ..MetricLayer::default()
            };
            Ok((k, layer))
        })
        .collect()
}

/// The `--tolerance`, `--min` and `--max` flags, in that order.
fn thresholds(
    tolerance: &[String],
    min: &[String],
    max: &[String],
) -> Result<Vec<(String, MetricLayer)>> {
    let mut out = Vec::new();
    for raw in tolerance {
        let (k, v) = number("tolerance", raw)?;
        let layer = MetricLayer {
            tolerance: Some(v),
            ..MetricLayer::default()
        };
        out.push((k, layer));
    }
    for raw in min {
        let (k, v) = number("min", raw)?;
        let layer = MetricLayer {
            min: Some(v),
            ..MetricLayer::default()
        };
        out.push((k, layer));
    }
    for raw in max {
        let (k, v) = number("max", raw)?;
        let layer = MetricLayer {
            max: Some(v),
            ..MetricLayer::default()
        };
        out.push((k, layer));
    }
    Ok(out)
}

impl FieldArgs {
    fn layer(&self) -> FieldsLayer {
        FieldsLayer {
            id: self.id_field.clone(),
            prediction: self.prediction_field.clone(),
            reference: self.reference_field.clone(),
            input: self.input_field.clone(),
            format: self.input_format,
        }
    }
}

impl ExactMatchArgs {
    fn add_to(&self, layer: &mut ScoringLayer) {
        layer.ignore_case = on(self.ignore_case);
        layer.ignore_punctuation = on(self.ignore_punctuation);
        layer.ignore_numbers = on(self.ignore_numbers);
        layer.regexes_to_ignore = list(&self.ignore_regex);
    }
}

impl CompareArgs {
    /// The config file (if any) and these flags, merged and validated.
    pub fn into_config(self) -> Result<Config> {
        let current = config::expand_globs(&self.current)?;
        let baseline = config::expand_baseline(&self.baseline)?;
        let mut file = config::read_file(self.config.as_deref())?;
        let suites = self.check_sources(file.as_mut())?;
        let mut flags = self.layer(suites)?;
        flags.baseline = list(&baseline);
        flags.current = list(&current);
        Config::build(file, flags)
    }

    /// These flags as a layer; with `[[suite]]`s, `--suite` picks one
    /// instead of naming the one suite.
    fn layer(self, suites: bool) -> Result<Layer> {
        let mut layer = self.scoring.layer();
        layer.by_metric = thresholds(&self.tolerance, &self.min, &self.max)?;
        layer.by_metric.extend(directions(&self.direction)?);
        let variant = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| crate::load::promptfoo::VariantSpec::parse(flag, v))
                .transpose()
        };
        layer.variants = [
            variant("--baseline-variant", &self.baseline_variant)?,
            variant("--current-variant", &self.current_variant)?,
        ];
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Ok(Layer {
            human: self.human.zip(self.human_key),
            artifact: Some(crate::load::artifact::ArtifactSettings {
                workflow: self.artifact.artifact_workflow,
                branch: self.artifact.artifact_branch,
                timeout: std::time::Duration::from_secs(self.github.github_timeout),
                verbose: self.github.verbose,
            }),
            history: self.history,
            alpha: self.alpha,
            confidence: self.confidence,
            resamples: self.resamples,
            seed: self.seed,
            test: self.test,
            resampler: self.resampler,
            slice_by: list(&self.slice_by),
            cluster_by: self.cluster_by,
            min_examples: self.min_examples,
            metrics: list(&self.metrics),
            fail_on: self.fail_on,
            allow_missing: on(self.allow_missing),
            strict_dataset: on(self.strict_dataset),
            flaky_threshold: self.flaky_threshold,
            suite: if suites { None } else { self.suite },
            suite_comments: self.suite_comments,
            format: Some(self.format),
            color: Some(color),
            top_k: self.top_k,
            markdown_out: self.markdown_out,
            json_out: self.json_out,
            html_out: self.html_out,
            rerun_out: self.rerun_out,
            ..layer
        })
    }

    /// Either the flags name the files, or the config's `[[suite]]`s do
    /// (`--suite` then picks one of them); whether there are suites.
    fn check_sources(&self, file: Option<&mut FileConfig>) -> Result<bool> {
        let suites = match file.and_then(|f| f.suite.as_mut()) {
            Some(SuiteKey::Suites(suites)) if !suites.is_empty() => suites,
            _ => {
                return match (self.baseline.is_empty(), self.current.is_empty()) {
                    (false, false) => Ok(false),
                    _ => Err(Error::Config(
                        "compare needs --baseline and --current, or [[suite]] sections in benchgate.toml".into(),
                    )),
                };
            }
        };
        let names: Vec<String> = suites.iter().map(|s| s.name.clone()).collect();
        if !self.baseline.is_empty() || !self.current.is_empty() {
            return Err(Error::Config(format!(
                "benchgate.toml declares suites ({}), which name their own files; drop --baseline and --current, or pick a suite with --suite NAME",
                names.join(", ")
            )));
        }
        if let Some(only) = &self.suite {
            if !names.contains(only) {
                return Err(Error::Config(format!(
                    "--suite {only}: benchgate.toml declares no such suite; its suites are {}",
                    names.join(", ")
                )));
            }
            suites.retain(|s| &s.name == only);
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in &names {
            if !seen.insert(name) {
                return Err(Error::Config(format!(
                    "benchgate.toml declares the suite \"{name}\" twice; each [[suite]] needs its own name"
                )));
            }
        }
        Ok(true)
    }
}

impl MonitorArgs {
    /// The validated settings of `monitor`.
    pub fn into_config(self) -> Result<crate::monitor::MonitorConfig> {
        use crate::monitor::{window, MonitorConfig, Sources};
        let sources = if self.logs.is_empty() {
            Sources::Explicit {
                reference: config::expand_globs(&self.reference)?,
                current: config::expand_globs(&self.current)?,
            }
        } else {
            Sources::Logs {
                logs: config::expand_globs(&self.logs)?,
                window: window::Span::parse(&self.window)?,
                against: window::Against::parse(&self.against)?,
            }
        };
        let mut c = MonitorConfig::new(sources);
        c.benchmark = if self.benchmark.is_empty() {
            Vec::new()
        } else {
            config::expand_globs(&self.benchmark)?
        };
        let mut flags = Layer {
            fields: self.fields.layer(),
            by_metric: directions(&self.direction)?,
            ..Layer::default()
        };
        self.checks.add_to(&mut flags.scoring);
        flags.merge_scoring(&mut c.fields, &mut c.metric_options);
        c.time_field = self.time_field;
        c.metrics = self.metrics;
        c.slice_by = self.slice_by;
        for raw in &self.tolerance {
            let (k, v) = number("tolerance", raw)?;
            c.tolerances.insert(k, v);
        }
        c.alpha = self.alpha;
        c.resamples = self.resamples;
        c.seed = self.seed;
        c.min_rows = self.min_rows;
        c.novel = self.novel;
        c.alarm_on = self.alarm_on;
        c.validate()?;
        Ok(c)
    }
}

impl PlanArgs {
    /// The settings to read and score the runs, and what to plan.
    pub fn into_request(self) -> Result<(Config, crate::PlanRequest)> {
        let mut flags = self.scoring.layer();
        flags.by_metric = directions(&self.direction)?;
        let (fields, metric_options) = config::scoring(config::read_file(None)?, flags)?;
        let second = !self.current.is_empty();
        let current = if second {
            config::expand_globs(&self.current)?
        } else {
            config::expand_globs(&self.baseline)?
        };
        let mut b = Config::builder(PathBuf::new(), current);
        b.inputs.baseline = config::expand_globs(&self.baseline)?;
        b.inputs.fields = fields;
        b.gate.metric_options = metric_options;
        b.gate.metrics = vec![self.metric.clone()];
        b.stats.alpha = self.alpha;
        b.stats.cluster_by = self.cluster_by;
        let c = b.build()?;
        let size = match (self.drop, self.examples, self.clusters) {
            (Some(x), _, _) => crate::PlanSize::Drop(x),
            (_, Some(n), _) => crate::PlanSize::Examples(n),
            (_, _, Some(k)) => crate::PlanSize::Clusters(k),
            _ => {
                return Err(Error::Config(
                    "give --drop, --examples or --clusters".into(),
                ))
            }
        };
        let request = crate::PlanRequest {
            metric: self.metric,
            size,
            power: self.power,
            tolerance: self.tolerance,
            second_run: second,
        };
        Ok((c, request))
    }
}

impl ScoreArgs {
    /// Field map and metric options from the config file and the flags.
    pub fn options(&self) -> Result<(FieldMap, MetricOptions)> {
        let mut flags = self.scoring.layer();
        flags.by_metric = directions(&self.direction)?;
        config::scoring(config::read_file(self.config.as_deref())?, flags)
    }

    /// The shard of `--shard K/N`.
    pub fn shard(&self) -> Result<Option<crate::align::Shard>> {
        self.shard
            .as_deref()
            .map(crate::align::Shard::parse)
            .transpose()
    }
}

impl ReviewSampleArgs {
    /// The validated settings.
    pub fn into_config(self) -> Result<crate::review::sample::SampleConfig> {
        let mut fields = FieldMap::default();
        let mut options = MetricOptions::default();
        let mut flags = Layer {
            fields: self.fields.layer(),
            by_metric: directions(&self.direction)?,
            ..Layer::default()
        };
        self.exact_match.add_to(&mut flags.scoring);
        self.text_metrics.add_to(&mut flags.scoring);
        flags.merge_scoring(&mut fields, &mut options);
        Ok(crate::review::sample::SampleConfig {
            baseline: self.baseline,
            current: self.current,
            fields,
            metrics: self.metrics,
            options,
            n: self.n,
            shares: [
                self.regressed_share,
                self.improved_share,
                self.unchanged_share,
            ],
            seed: self.seed,
        })
    }

    /// Where the key goes.
    pub fn key_path(&self) -> PathBuf {
        self.key.clone().unwrap_or_else(|| {
            let name = self
                .out
                .file_stem()
                .map_or_else(|| "review".into(), |s| s.to_string_lossy().into_owned());
            self.out.with_file_name(format!("{name}.key.json"))
        })
    }

    /// The sheet's format.
    pub fn sheet_format(&self) -> SheetFormat {
        self.format.unwrap_or_else(|| {
            if self
                .out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md"))
            {
                SheetFormat::Markdown
            } else {
                SheetFormat::Csv
            }
        })
    }
}

impl AgreementArgs {
    /// The validated settings.
    pub fn into_config(self) -> Result<crate::agreement::AgreementConfig> {
        let mut c = crate::agreement::defaults(&self.input);
        let mut flags = Layer {
            by_metric: directions(&self.direction)?,
            ..Layer::default()
        };
        self.exact_match.add_to(&mut flags.scoring);
        self.text_metrics.add_to(&mut flags.scoring);
        self.judge.add_to(&mut flags.scoring);
        let file = config::read_file(self.config.as_deref())?;
        (_, c.options) = config::scoring(file, flags)?;
        // The file's [fields] are those of result files, not of the ratings.
        self.fields.layer().merge_into(&mut c.fields);
        c.system_field = self.system_field;
        c.humans = self.humans;
        c.metrics = self.metrics;
        c.resampling = self.resample_by;
        c.resamples = self.resamples;
        c.seed = self.seed;
        c.confidence = self.confidence;
        c.test_correlation = self.test_correlation;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    /// `compare` settings from a config file's text and flags.
    fn compare(file: &str, flags: &[&str]) -> Config {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("benchgate.toml");
        std::fs::write(&path, file).expect("write");
        let config = format!("--config={}", path.display());
        let mut args = vec![
            "benchgate",
            "compare",
            "--baseline",
            "b.jsonl",
            "--current",
            "c.jsonl",
            &config,
        ];
        args.extend_from_slice(flags);
        match Cli::try_parse_from(args).expect("parses").command {
            Command::Compare(a) => a.into_config().expect("valid"),
            _ => unreachable!("a compare command"),
        }
    }

    #[test]
    fn a_direction_flag_beats_the_config_file_for_every_metric() {
        let file = "[metric.sentiment]\ndirection = \"higher\"\n[metric.latency_ms]\ndirection = \"higher\"\n";
        let c = compare(
            file,
            &[
                "--direction",
                "sentiment=lower",
                "--direction",
                "latency_ms=lower",
            ],
        );
        // A built-in metric (sentiment) and a numeric field follow one rule.
        for name in ["sentiment", "latency_ms"] {
            assert_eq!(
                c.gate.metric_options.direction(name),
                Some(Direction::Lower),
                "{name}"
            );
        }
        let c = compare(file, &[]);
        assert_eq!(
            c.gate.metric_options.direction("sentiment"),
            Some(Direction::Higher)
        );
    }

    #[test]
    fn the_last_direction_flag_wins_in_every_command() {
        let flags = ["--direction", "m=higher", "--direction", "m=lower"];
        let c = compare("", &flags);
        assert_eq!(c.gate.metric_options.direction("m"), Some(Direction::Lower));
        let mut args = vec!["benchgate", "score", "--input", "x.jsonl", "--metric", "m"];
        args.extend_from_slice(&flags);
        let Command::Score(score) = Cli::try_parse_from(args).expect("parses").command else {
            unreachable!("a score command")
        };
        let (_, options) = score.options().expect("valid");
        assert_eq!(options.direction("m"), Some(Direction::Lower));
    }

    #[test]
    fn a_flag_beats_the_file_for_cluster_by_and_the_statistics() {
        let file = "cluster_by = \"doc_id\"\nalpha = 0.1\nslice_by = [\"category\"]\n";
        let c = compare(file, &[]);
        assert_eq!(c.stats.cluster_by.as_deref(), Some("doc_id"));
        assert_eq!(c.stats.alpha, 0.1);
        let c = compare(
            file,
            &[
                "--cluster-by",
                "thread",
                "--alpha",
                "0.01",
                "--slice-by",
                "lang",
            ],
        );
        assert_eq!(c.stats.cluster_by.as_deref(), Some("thread"));
        assert_eq!(c.stats.alpha, 0.01);
        assert_eq!(c.stats.slice_by, vec!["lang".to_string()]);
    }
}
