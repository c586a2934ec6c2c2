//! From parsed flags to settings: each command's flags ([`crate::cli`]) merged
//! with `benchgate.toml` into the validated [`Config`] that `compare` runs on,
//! and into the settings of `score`, `baseline write`, `review sample`,
//! `agreement` and `--github`. Flags win over the file; `Config::validate`
//! has the last word.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{
    AgreementArgs, BaselineWriteArgs, BertScoreArgs, CheckArgs, ColorChoice, CompareArgs,
    ExactMatchArgs, FieldArgs, GithubArgs, JudgeArgs, MonitorArgs, PlanArgs, ReviewSampleArgs,
    ScoreArgs, ScoringArgs, SheetFormat, TextMetricArgs,
};
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::load::FieldMap;
use crate::metrics::{Direction, MetricOptions};
use crate::publish::GithubOptions;

impl BaselineWriteArgs {
    /// Field map and writer options from the config file and the flags.
    pub fn options(&self) -> Result<(FieldMap, crate::baseline::WriteOptions)> {
        let (fields, metric_options) = self.scoring.standalone(self.config.as_deref())?;
        let options = crate::baseline::WriteOptions {
            metrics: self.metrics.clone(),
            metric_options,
            commit: self.commit.clone(),
            source: self.from.iter().map(|p| p.display().to_string()).collect(),
        };
        Ok((fields, options))
    }
}

/// The field map and metric options of a config file (`path`, else
/// `./benchgate.toml` when it exists), for the commands that score without
/// comparing: the same `[metric.NAME]`, `[judge]` and `[fields]` as `compare`
/// reads, so that `baseline write` stores values under the settings hash a
/// later `compare` computes.
fn file_scoring(path: Option<&std::path::Path>) -> Result<(FieldMap, MetricOptions)> {
    let mut c = Config::new(PathBuf::new(), Vec::new());
    if let Some(file) = config::read_file(path)? {
        c.apply_file(file)?;
    }
    Ok((c.fields, c.metric_options))
}

impl ScoringArgs {
    /// Applies the flags over what a config file set.
    fn apply(&self, fields: &mut FieldMap, options: &mut MetricOptions) {
        self.fields.apply(fields);
        self.exact_match.apply(options);
        self.checks.apply(options);
        self.text_metrics.apply(options);
        self.bertscore.apply(options);
        self.judge.apply(options);
    }

    /// Field map and metric options from the config file (`config`, else
    /// `./benchgate.toml` when it exists) and the flags over it, with the
    /// `exec` result cache on unless `--no-exec-cache`.
    fn standalone(&self, config: Option<&std::path::Path>) -> Result<(FieldMap, MetricOptions)> {
        let (mut fields, mut options) = file_scoring(config)?;
        self.apply(&mut fields, &mut options);
        Ok((fields, options))
    }
}

impl JudgeArgs {
    fn apply(&self, options: &mut MetricOptions) {
        let flags = crate::metrics::llm::JudgeSettings {
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
        };
        let llm = &mut options.llm;
        llm.flags = flags.or(&llm.flags);
    }
}

impl TextMetricArgs {
    fn apply(&self, options: &mut MetricOptions) {
        options.rouge.stemmer |= self.rouge_stemmer;
        let o = &mut options.sacrebleu;
        if self.bleu_tokenize.is_some() {
            o.tokenize.clone_from(&self.bleu_tokenize);
        }
        o.lowercase |= self.bleu_lowercase;
        o.chrf_lowercase |= self.chrf_lowercase;
        o.chrf_whitespace |= self.chrf_whitespace;
    }
}

impl BertScoreArgs {
    fn apply(&self, options: &mut MetricOptions) {
        let b = &mut options.bertscore;
        if self.bertscore_model.is_some() {
            b.model.clone_from(&self.bertscore_model);
        }
        b.layers = self.bertscore_layers.or(b.layers);
        b.idf |= self.idf;
        if self.rescale_baseline.is_some() {
            b.rescale_baseline.clone_from(&self.rescale_baseline);
        }
        b.batch_size = self.batch_size.or(b.batch_size);
    }
}

impl CheckArgs {
    fn apply(&self, options: &mut MetricOptions) {
        use crate::metrics::checks::CheckSpec;
        if let Some(schema) = &self.json_schema {
            options.checks.push((
                "json_schema".into(),
                CheckSpec::JsonSchema {
                    schema: schema.clone(),
                },
            ));
        }
        if let Some(pattern) = &self.regex {
            options.checks.push((
                "regex".into(),
                CheckSpec::Regex {
                    pattern: pattern.clone(),
                    full_match: self.regex_full_match,
                    ignore_case: self.check_ignore_case,
                },
            ));
        }
        if self.contains.is_some() || self.check_ignore_case {
            options.checks.push((
                "contains".into(),
                CheckSpec::Contains {
                    text: self.contains.clone(),
                    ignore_case: self.check_ignore_case,
                },
            ));
        }
        if let Some(command) = &self.exec {
            let command = command.split_whitespace().map(str::to_string).collect();
            options.checks.push((
                "exec".into(),
                CheckSpec::Exec {
                    command,
                    timeout_s: self
                        .exec_timeout
                        .unwrap_or(crate::metrics::checks::EXEC_TIMEOUT_S),
                },
            ));
        } else if let Some(t) = self.exec_timeout {
            for (_, spec) in &mut options.checks {
                if let CheckSpec::Exec { timeout_s, .. } = spec {
                    *timeout_s = t;
                }
            }
        }
        if self.no_exec_cache {
            options.exec_cache = None;
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

/// The `--direction NAME=higher|lower` flags in precedence order: the last
/// flag for a name first (see [`MetricOptions::direction`]).
fn directions(raw: &[String]) -> Result<Vec<(String, Direction)>> {
    raw.iter()
        .rev()
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
            Ok((k, d))
        })
        .collect()
}

impl FieldArgs {
    fn apply(&self, map: &mut FieldMap) {
        let one = |x: &Option<String>, target: &mut Vec<String>| {
            if let Some(x) = x {
                *target = vec![x.clone()];
            }
        };
        one(&self.id_field, &mut map.id);
        one(&self.prediction_field, &mut map.prediction);
        one(&self.reference_field, &mut map.reference);
        one(&self.input_field, &mut map.input);
        if let Some(format) = self.input_format {
            map.format = format;
        }
    }
}

impl ExactMatchArgs {
    fn apply(&self, options: &mut MetricOptions) {
        let em = &mut options.exact_match;
        em.ignore_case |= self.ignore_case;
        em.ignore_punctuation |= self.ignore_punctuation;
        em.ignore_numbers |= self.ignore_numbers;
        em.regexes_to_ignore
            .extend(self.ignore_regex.iter().cloned());
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

impl CompareArgs {
    /// Merges the config file (if any) and these flags into a validated config.
    pub fn into_config(self) -> Result<Config> {
        let current = config::expand_globs(&self.current)?;
        let mut c = Config::new(PathBuf::new(), current);
        c.baseline = config::expand_baseline(&self.baseline)?;
        if let Some(file) = config::read_file(self.config.as_deref())? {
            c.apply_file(file)?;
        }
        self.check_sources(&mut c)?;
        if !self.metrics.is_empty() {
            c.metrics = self.metrics.clone();
        }
        self.scoring.apply(&mut c.fields, &mut c.metric_options);
        // The flags first (they win), then the config file's.
        let mut stated = directions(&self.direction)?;
        stated.append(&mut c.metric_options.directions);
        c.metric_options.directions = stated;
        for raw in &self.tolerance {
            let (k, v) = number("tolerance", raw)?;
            c.flag_gate_names.push(k.clone());
            c.gates.entry(k).or_default().tolerance = v;
        }
        for raw in &self.min {
            let (k, v) = number("min", raw)?;
            c.flag_gate_names.push(k.clone());
            c.gates.entry(k).or_default().min = Some(v);
        }
        for raw in &self.max {
            let (k, v) = number("max", raw)?;
            c.flag_gate_names.push(k.clone());
            c.gates.entry(k).or_default().max = Some(v);
        }
        set(&mut c.alpha, self.alpha);
        set(&mut c.confidence, self.confidence);
        set(&mut c.resamples, self.resamples);
        set(&mut c.seed, self.seed);
        set(&mut c.test, self.test);
        set(&mut c.resampler, self.resampler);
        set(&mut c.top_k, self.top_k);
        set(&mut c.fail_on, self.fail_on);
        set(&mut c.min_examples, self.min_examples);
        set(&mut c.flaky_threshold, self.flaky_threshold);
        if c.suites.is_empty() {
            set(&mut c.suite, self.suite);
        }
        set(&mut c.suite_comments, self.suite_comments);
        if !self.slice_by.is_empty() {
            c.slice_by = self.slice_by;
        }
        if self.cluster_by.is_some() {
            c.cluster_by = self.cluster_by;
        }
        c.allow_missing |= self.allow_missing;
        c.strict_dataset |= self.strict_dataset;
        c.human = self.human.zip(self.human_key);
        let variant = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| crate::load::promptfoo::VariantSpec::parse(flag, v))
                .transpose()
        };
        c.variants = [
            variant("--baseline-variant", &self.baseline_variant)?,
            variant("--current-variant", &self.current_variant)?,
        ];
        c.format = self.format;
        c.markdown_out = self.markdown_out;
        c.json_out = self.json_out;
        c.html_out = self.html_out;
        c.rerun_out = self.rerun_out;
        c.history = self.history;
        c.artifact = crate::load::artifact::ArtifactSettings {
            workflow: self.artifact.artifact_workflow,
            branch: self.artifact.artifact_branch,
            timeout: std::time::Duration::from_secs(self.github.github_timeout),
            verbose: self.github.verbose,
        };
        c.color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        c.validate()?;
        Ok(c)
    }
}

impl CompareArgs {
    /// Either the flags name the files, or the config's `[[suite]]`s do
    /// (`--suite` then picks one of them).
    fn check_sources(&self, c: &mut Config) -> Result<()> {
        if c.suites.is_empty() {
            return match (self.baseline.is_empty(), self.current.is_empty()) {
                (false, false) => Ok(()),
                _ => Err(Error::Usage(
                    "compare needs --baseline and --current, or [[suite]] sections in benchgate.toml".into(),
                )),
            };
        }
        let names: Vec<String> = c.suites.iter().map(|s| s.name.clone()).collect();
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
            c.suites.retain(|s| &s.name == only);
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in &names {
            if !seen.insert(name) {
                return Err(Error::Settings(format!(
                    "benchgate.toml declares the suite \"{name}\" twice; each [[suite]] needs its own name"
                )));
            }
        }
        Ok(())
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
        self.fields.apply(&mut c.fields);
        self.checks.apply(&mut c.metric_options);
        c.metric_options.directions = directions(&self.direction)?;
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
        let (fields, mut options) = self.scoring.standalone(None)?;
        let mut stated = directions(&self.direction)?;
        stated.append(&mut options.directions);
        options.directions = stated;
        let second = !self.current.is_empty();
        let current = if second {
            config::expand_globs(&self.current)?
        } else {
            config::expand_globs(&self.baseline)?
        };
        let mut c = Config::new(PathBuf::new(), current);
        c.baseline = config::expand_globs(&self.baseline)?;
        c.fields = fields;
        c.metric_options = options;
        c.metrics = vec![self.metric.clone()];
        c.alpha = self.alpha;
        c.cluster_by = self.cluster_by;
        c.validate()?;
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
    /// Field map and metric options from the flags.
    pub fn options(&self) -> Result<(FieldMap, MetricOptions)> {
        let (fields, mut options) = self.scoring.standalone(self.config.as_deref())?;
        let mut stated = directions(&self.direction)?;
        stated.append(&mut options.directions);
        options.directions = stated;
        Ok((fields, options))
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
        self.fields.apply(&mut fields);
        let mut options = MetricOptions::default();
        self.exact_match.apply(&mut options);
        self.text_metrics.apply(&mut options);
        options.directions = directions(&self.direction)?;
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
        let (_, options) = file_scoring(self.config.as_deref())?;
        c.options = options;
        self.fields.apply(&mut c.fields);
        self.exact_match.apply(&mut c.options);
        self.text_metrics.apply(&mut c.options);
        self.judge.apply(&mut c.options);
        let mut stated = directions(&self.direction)?;
        stated.append(&mut c.options.directions);
        c.options.directions = stated;
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
                c.metric_options.direction(name),
                Some(Direction::Lower),
                "{name}"
            );
        }
        let c = compare(file, &[]);
        assert_eq!(
            c.metric_options.direction("sentiment"),
            Some(Direction::Higher)
        );
    }

    #[test]
    fn the_last_direction_flag_wins_in_every_command() {
        let flags = ["--direction", "m=higher", "--direction", "m=lower"];
        let c = compare("", &flags);
        assert_eq!(c.metric_options.direction("m"), Some(Direction::Lower));
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
        assert_eq!(c.cluster_by.as_deref(), Some("doc_id"));
        assert_eq!(c.alpha, 0.1);
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
        assert_eq!(c.cluster_by.as_deref(), Some("thread"));
        assert_eq!(c.alpha, 0.01);
        assert_eq!(c.slice_by, vec!["lang".to_string()]);
    }
}
