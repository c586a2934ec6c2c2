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
        _ => Err(Error::Usage(format!(
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
        .ok_or_else(|| Error::Usage(format!("--{flag} {k}=…: \"{v}\" is not a finite number")))?;
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
                    return Err(Error::Usage(format!(
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
                    _ => Err(Error::Usage(
                        "compare needs --baseline and --current, or [[suite]] sections in benchgate.toml".into(),
                    )),
                };
            }
        };
        let names: Vec<String> = suites.iter().map(|s| s.name.clone()).collect();
        if !self.baseline.is_empty() || !self.current.is_empty() {
            return Err(Error::Settings(format!(
                "benchgate.toml declares suites ({}), which name their own files; drop --baseline and --current, or pick a suite with --suite NAME",
                names.join(", ")
            )));
        }
        if let Some(only) = &self.suite {
            if !names.contains(only) {
                return Err(Error::Usage(format!(
                    "--suite {only}: benchgate.toml declares no such suite; its suites are {}",
                    names.join(", ")
                )));
            }
            suites.retain(|s| &s.name == only);
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in &names {
            if !seen.insert(name) {
                return Err(Error::Settings(format!(
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
            _ => return Err(Error::Usage("give --drop, --examples or --clusters".into())),
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
    use crate::config::FailOn;
    use clap::Parser;

    /// `compare` settings from a config file's text and flags.
    fn compare(file: &str, flags: &[&str]) -> Config {
        let mut args = vec!["--baseline", "b.jsonl", "--current", "c.jsonl"];
        args.extend_from_slice(flags);
        settings(file, &args)
    }

    /// `compare` settings from a config file's text and the whole command
    /// line after `compare --config FILE`.
    fn settings(file: &str, flags: &[&str]) -> Config {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("benchgate.toml");
        std::fs::write(&path, file).expect("write");
        let config = format!("--config={}", path.display());
        let mut args = vec!["benchgate", "compare", &config];
        args.extend_from_slice(flags);
        match Cli::try_parse_from(args).expect("parses").command {
            Command::Compare(a) => a.into_config().expect("valid"),
            _ => unreachable!("a compare command"),
        }
    }

    // One test per precedence rule (default < file < [[suite]] < flag), each
    // over every kind of option: a statistic, a path, a list, a per-metric
    // option, cluster_by, a field name, a metric option.

    #[test]
    fn the_file_beats_the_default() {
        let file =
            "alpha = 0.1\nresamples = 500\nslice_by = [\"category\"]\ncluster_by = \"doc_id\"\n\
                    fail_on = \"never\"\ntop_k = 9\n[fields]\nid = \"qid\"\n\
                    [metric.f1]\ntolerance = 0.02\n[metric.latency_ms]\ndirection = \"lower\"\n\
                    [metric.bleu]\ntokenize = \"intl\"\n";
        let (default, c) = (compare("", &[]), compare(file, &[]));
        assert_eq!(
            (default.stats.alpha, default.stats.resamples),
            (0.05, 10_000)
        );
        assert_eq!((c.stats.alpha, c.stats.resamples), (0.1, 500));
        assert!(default.stats.slice_by.is_empty() && default.stats.cluster_by.is_none());
        assert_eq!(c.stats.slice_by, ["category"]);
        assert_eq!(c.stats.cluster_by.as_deref(), Some("doc_id"));
        assert_eq!((c.gate.fail_on, c.outputs.top_k), (FailOn::Never, 9));
        assert_eq!(c.inputs.fields.id, ["qid"]);
        assert_eq!(default.gate.metric("f1").tolerance, 0.0);
        assert_eq!(c.gate.metric("f1").tolerance, 0.02);
        assert_eq!(default.gate.metric_options.direction("latency_ms"), None);
        let lower = Some(Direction::Lower);
        assert_eq!(c.gate.metric_options.direction("latency_ms"), lower);
        assert_eq!(
            c.gate.metric_options.sacrebleu.tokenize.as_deref(),
            Some("intl")
        );
    }

    #[test]
    fn a_flag_beats_the_file_for_a_statistic() {
        let c = compare(
            "alpha = 0.1\nresamples = 500\nseed = 7\n",
            &["--alpha", "0.01", "--resamples", "99"],
        );
        assert_eq!((c.stats.alpha, c.stats.resamples), (0.01, 99));
        // What the flags leave unset stays the file's.
        assert_eq!(c.stats.seed, 7);
    }

    #[test]
    fn a_flag_beats_the_file_and_the_default_for_a_path() {
        assert_eq!(compare("", &[]).outputs.markdown_out, None);
        let c = compare("", &["--markdown-out", "r.md", "--history", "h.jsonl"]);
        assert_eq!(c.outputs.markdown_out, Some(PathBuf::from("r.md")));
        assert_eq!(c.inputs.history, Some(PathBuf::from("h.jsonl")));
        // The file names no output paths; the layers below a flag do the same
        // for every option, paths included.
        let mut b = Config::builder(PathBuf::from("b"), vec![PathBuf::from("c")]);
        for (path, history) in [("file.md", Some("file.jsonl")), ("flag.md", None)] {
            b.merge(Layer {
                markdown_out: Some(PathBuf::from(path)),
                history: history.map(PathBuf::from),
                ..Layer::default()
            });
        }
        let c = b.build().expect("valid");
        assert_eq!(c.outputs.markdown_out, Some(PathBuf::from("flag.md")));
        assert_eq!(c.inputs.history, Some(PathBuf::from("file.jsonl")));
    }

    #[test]
    fn a_flag_list_replaces_the_file_list() {
        let file = "slice_by = [\"category\"]\nmetrics = [\"f1\"]\n";
        let c = compare(
            file,
            &[
                "--slice-by",
                "lang",
                "--slice-by",
                "team",
                "--metric",
                "exact_match",
            ],
        );
        assert_eq!(c.stats.slice_by, ["lang", "team"]);
        assert_eq!(c.gate.metrics, ["exact_match"]);
        let c = compare(file, &[]);
        assert_eq!(
            (c.stats.slice_by.as_slice(), c.gate.metrics.as_slice()),
            (&["category".to_string()][..], &["f1".to_string()][..])
        );
        // exact_match's regexes: a list like any other.
        let file = "[metric.exact_match]\nregexes_to_ignore = [\"a\"]\n";
        let c = compare(file, &["--ignore-regex", "b"]);
        assert_eq!(c.gate.metric_options.exact_match.regexes_to_ignore, ["b"]);
    }

    #[test]
    fn a_flag_beats_the_file_for_cluster_by() {
        let c = compare("cluster_by = \"doc_id\"\n", &["--cluster-by", "thread"]);
        assert_eq!(c.stats.cluster_by.as_deref(), Some("thread"));
    }

    #[test]
    fn a_flag_beats_the_file_for_a_per_metric_option() {
        let file = "[metric.f1]\ntolerance = 0.02\nmin = 0.5\n";
        let c = compare(file, &["--tolerance", "f1=0.05"]);
        assert_eq!(c.gate.metric("f1").tolerance, 0.05);
        // The floor the flags leave alone is the file's.
        assert_eq!(c.gate.metric("f1").min, Some(0.5));
        let c = compare(file, &["--tolerance", "f1=0.05", "--tolerance", "f1=0.01"]);
        assert_eq!(c.gate.metric("f1").tolerance, 0.01, "the last flag wins");
    }

    #[test]
    fn a_flag_beats_the_file_for_a_field_name_and_a_metric_option() {
        let file = "[fields]\nid = \"qid\"\nprediction = \"answer\"\n\
                    [metric.exact_match]\nignore_case = false\n[metric.bleu]\ntokenize = \"intl\"\n";
        let c = compare(
            file,
            &[
                "--id-field",
                "uid",
                "--ignore-case",
                "--bleu-tokenize",
                "char",
            ],
        );
        assert_eq!(c.inputs.fields.id, ["uid"]);
        assert_eq!(c.inputs.fields.prediction, ["answer"]);
        assert!(c.gate.metric_options.exact_match.ignore_case);
        assert_eq!(
            c.gate.metric_options.sacrebleu.tokenize.as_deref(),
            Some("char")
        );
    }

    #[test]
    fn a_flag_that_is_off_leaves_the_file_setting() {
        let c = compare("allow_missing = true\nstrict_dataset = true\n", &[]);
        assert!(c.gate.allow_missing && c.gate.strict_dataset);
        let c = compare("", &["--allow-missing"]);
        assert!(c.gate.allow_missing && !c.gate.strict_dataset);
    }

    const SUITES: &str = "resamples = 500\nslice_by = [\"category\"]\ncluster_by = \"doc_id\"\nmetrics = [\"f1\"]\n\
        [[suite]]\nname = \"one\"\nbaseline = \"b.jsonl\"\ncurrent = \"c.jsonl\"\n\
        slice_by = [\"lang\"]\ncluster_by = \"thread\"\nmetrics = [\"exact_match\"]\ninput_format = \"csv\"\n\
        [[suite]]\nname = \"two\"\nbaseline = \"b2.jsonl\"\ncurrent = [\"c2.jsonl\", \"c3.jsonl\"]\n";

    #[test]
    fn a_suite_beats_the_file() {
        let c = settings(SUITES, &[]);
        let [one, two] = c.suites() else {
            panic!("two suites")
        };
        assert_eq!(one.outputs.suite, "one");
        assert_eq!(one.inputs.baseline, [PathBuf::from("b.jsonl")]);
        assert_eq!(one.stats.slice_by, ["lang"]);
        assert_eq!(one.stats.cluster_by.as_deref(), Some("thread"));
        assert_eq!(one.gate.metrics, ["exact_match"]);
        assert_eq!(one.inputs.fields.format, crate::load::InputFormat::Csv);
        // What a suite leaves unset is the file's.
        assert_eq!((one.stats.resamples, two.stats.resamples), (500, 500));
        assert_eq!(two.stats.slice_by, ["category"]);
        assert_eq!(two.stats.cluster_by.as_deref(), Some("doc_id"));
        assert_eq!(two.gate.metrics, ["f1"]);
        assert_eq!(two.inputs.current.len(), 2);
    }

    #[test]
    fn a_flag_beats_a_suite() {
        let flags = [
            "--slice-by",
            "team",
            "--cluster-by",
            "user",
            "--metric",
            "rougeL",
            "--input-format",
            "jsonl",
            "--resamples",
            "7",
        ];
        let c = settings(SUITES, &flags);
        for suite in c.suites() {
            assert_eq!(suite.stats.slice_by, ["team"]);
            assert_eq!(suite.stats.cluster_by.as_deref(), Some("user"));
            assert_eq!(suite.gate.metrics, ["rougeL"]);
            assert_eq!(suite.inputs.fields.format, crate::load::InputFormat::Jsonl);
            assert_eq!(suite.stats.resamples, 7);
        }
        // --suite picks a suite instead of naming the one suite.
        let c = settings(SUITES, &["--suite", "two"]);
        let [two] = c.suites() else {
            panic!("one suite")
        };
        assert_eq!(two.outputs.suite, "two");
    }

    #[test]
    fn every_suite_is_validated_when_the_settings_are_built() {
        let file = "[[suite]]\nname = \"a--b\"\nbaseline = \"b.jsonl\"\ncurrent = \"c.jsonl\"\n";
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("benchgate.toml");
        std::fs::write(&path, file).expect("write");
        let config = format!("--config={}", path.display());
        let Command::Compare(a) = Cli::try_parse_from(["benchgate", "compare", &config])
            .expect("parses")
            .command
        else {
            unreachable!("a compare command")
        };
        let e = a
            .into_config()
            .expect_err("an invalid suite name")
            .to_string();
        assert!(e.contains("1 to 100 characters"), "{e}");
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
    fn a_flag_beats_the_file_for_cluster_by_and_the_statistics_together() {
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
