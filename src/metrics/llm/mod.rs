//! LLM judges: `llm_judge` grades each output on a rubric, `llm_pairwise`
//! asks which of the baseline's and the current run's outputs is better.
//! Both call an OpenAI-compatible chat-completions endpoint ([`client`]).
//!
//! **`llm_judge`** asks for an integer on the rubric's scale (default 1–5)
//! and a reason, given the input, the output and the references when the
//! example has them; the value is the score rescaled to [0, 1]
//! (`(score − min) / (max − min)`), averaged over `samples` repeated
//! judgements. It judges in [`Metric::prepare`], each distinct (input,
//! output, references) once, so an output both runs share costs one call;
//! and its values are stored in baseline files and reused like BERTScore's
//! ([`super::reuse`]): the settings hash covers the model, the rubric's text,
//! the scale, the temperature, the seed, the samples, the answer-length cap
//! and the prompt templates; the key covers the example's input, output and
//! references. A pull request that changes 10 of 1,000 outputs makes 10
//! calls (times `samples`).
//!
//! **`llm_pairwise`** is a *paired* metric ([`Metric::is_paired`]): it sees
//! both outputs of an aligned example. Identical outputs are a tie without a
//! call; a changed one is asked in both orders (baseline shown first, then
//! the current output first), so a judge that prefers a position cancels out.
//! Each order's winner counts 1 for the current run, ½ for a tie, 0 for the
//! baseline; the two orders together make a win (sum above 1), a tie (1) or
//! a loss, so the value is 1, ½ or 0 per judgement, averaged over samples.
//! The baseline side is ½ on every example: the corpus value of the current
//! run is its win rate (ties counted half) and the gate asks whether it is
//! below one half. The report says how often both orders chose the same
//! *position* (the judge's position bias).
//!
//! **Failures are loud** ([`JudgeError`]): an endpoint that cannot be
//! reached, a refusal, or an answer that is still not the JSON asked for
//! after the retries stops the run (exit 2) naming the example and the
//! cause; nothing judged by this run is kept (values are only ever stored by
//! `baseline write` after every call succeeded), and nothing is posted.
//!
//! Settings come from `[judge]` in `benchgate.toml`, `[metric.NAME]`
//! sections with `kind = "llm_judge"` or `"llm_pairwise"`, and `--judge-*`
//! flags, which win ([`LlmOptions`]). The endpoint is `OPENAI_BASE_URL` (else
//! OpenAI's) and the key `OPENAI_API_KEY`, the variables the official SDKs
//! read; `base_url` and `api_key_env` (the *name* of another variable: a key
//! never belongs in a file) override them.

pub mod client;
pub mod prompt;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::reuse::{KeyKind, Reuse, SettingsHasher};
use super::{Calls, Metric, MetricError};
use crate::error::{Error, Result};
use crate::load::Row;
use client::{CallError, Cost, Endpoint, Policy, Secret, Tokens};
use prompt::{Ask, Winner};

/// The default endpoint when neither the settings nor `OPENAI_BASE_URL` name one.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The variable holding the key, unless `api_key_env` names another.
pub const DEFAULT_KEY_ENV: &str = "OPENAI_API_KEY";

/// `[judge]`, a judge's `[metric.NAME]` keys, or the `--judge-*` flags: every
/// field optional, so that the three merge ([`JudgeSettings::or`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeSettings {
    /// The judge model ("gpt-4o-mini").
    pub model: Option<String>,
    /// The API's base URL [default: $OPENAI_BASE_URL, else OpenAI's].
    pub base_url: Option<String>,
    /// The name of the variable holding the API key [default: OPENAI_API_KEY].
    pub api_key_env: Option<String>,
    /// How the key is sent: "bearer" (`Authorization: Bearer`) or "api-key"
    /// (Azure OpenAI's header) [default: api-key on Azure's hosts, else bearer].
    pub auth: Option<client::Auth>,
    /// The rubric (llm_judge) or criterion (llm_pairwise), as text.
    pub rubric: Option<String>,
    /// The rubric, from a file.
    pub rubric_file: Option<PathBuf>,
    /// The rubric's integer scale, lowest and highest [default: 1 to 5].
    pub scale: Option<[i64; 2]>,
    /// Sampling temperature [default: 0].
    pub temperature: Option<f64>,
    /// The seed sent with each request (sample k gets seed + k).
    pub seed: Option<u64>,
    /// Judgements per output (their spread is the judge's own noise) [default: 1].
    pub samples: Option<usize>,
    /// Largest answer in tokens [default: the server's].
    pub max_tokens: Option<u64>,
    /// How the answer's JSON is asked for: "json_schema" (default),
    /// "json_object" (JSON mode with the schema beside it) or "none".
    pub response_format: Option<prompt::Format>,
    /// Requests in flight at once [default: 8].
    pub concurrency: Option<usize>,
    /// Seconds per request before it is retried [default: 60].
    pub timeout_s: Option<f64>,
    /// Retries of a failed request [default: 4].
    pub max_retries: Option<u32>,
    /// US dollars per million prompt tokens, for the report's cost line.
    pub input_cost_per_mtok: Option<f64>,
    /// US dollars per million completion tokens.
    pub output_cost_per_mtok: Option<f64>,
}

impl JudgeSettings {
    /// Each setting of `self`, else `fallback`'s.
    pub fn or(&self, fallback: &JudgeSettings) -> JudgeSettings {
        let (a, b) = (self.clone(), fallback.clone());
        // A rubric given one way hides the other way's in the fallback.
        let has_rubric = a.rubric.is_some() || a.rubric_file.is_some();
        JudgeSettings {
            model: a.model.or(b.model),
            base_url: a.base_url.or(b.base_url),
            api_key_env: a.api_key_env.or(b.api_key_env),
            auth: a.auth.or(b.auth),
            rubric: if has_rubric { a.rubric } else { b.rubric },
            rubric_file: if has_rubric {
                a.rubric_file
            } else {
                b.rubric_file
            },
            scale: a.scale.or(b.scale),
            temperature: a.temperature.or(b.temperature),
            seed: a.seed.or(b.seed),
            samples: a.samples.or(b.samples),
            max_tokens: a.max_tokens.or(b.max_tokens),
            response_format: a.response_format.or(b.response_format),
            concurrency: a.concurrency.or(b.concurrency),
            timeout_s: a.timeout_s.or(b.timeout_s),
            max_retries: a.max_retries.or(b.max_retries),
            input_cost_per_mtok: a.input_cost_per_mtok.or(b.input_cost_per_mtok),
            output_cost_per_mtok: a.output_cost_per_mtok.or(b.output_cost_per_mtok),
        }
    }
}

/// The two kinds of judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub enum Kind {
    /// A rubric score per output.
    #[serde(rename = "llm_judge")]
    Rubric,
    /// A preference between the two runs' outputs.
    #[serde(rename = "llm_pairwise")]
    Pairwise,
}

impl Kind {
    /// The kind named `kind` in a `[metric.NAME]` section.
    pub fn parse(kind: &str) -> Option<Kind> {
        match kind {
            "llm_judge" => Some(Kind::Rubric),
            "llm_pairwise" => Some(Kind::Pairwise),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Rubric => "llm_judge",
            Kind::Pairwise => "llm_pairwise",
        }
    }
}

/// Every judge's settings, in precedence order: the flags, a metric's own
/// section, `[judge]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LlmOptions {
    /// `[judge]`.
    pub judge: JudgeSettings,
    /// `[metric.NAME]` sections of judges: name, kind, their own settings.
    pub metrics: Vec<(String, Kind, JudgeSettings)>,
    /// The `--judge-*` flags.
    pub flags: JudgeSettings,
}

impl LlmOptions {
    /// Whether any setting names a judge for `name`: its own section, or a
    /// model in `[judge]` or the flags.
    pub fn configures(&self, name: &str) -> bool {
        self.metrics.iter().any(|(n, _, _)| n == name)
            || self.judge.model.is_some()
            || self.flags.model.is_some()
    }
}

/// Why judging failed: the run stops (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeError {
    /// A request failed for good.
    #[error("{metric}: judging example \"{id}\" failed: {cause}. Nothing was stored or posted.")]
    Call {
        /// The metric.
        metric: String,
        /// The example.
        id: String,
        /// What went wrong.
        cause: CallError,
    },
}

/// What a judge's calls cost in one run, for the report's footer.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Usage {
    /// Metric name.
    pub metric: String,
    /// `llm_judge` or `llm_pairwise`.
    pub kind: Kind,
    /// The judge model.
    pub model: String,
    /// Outputs (llm_judge: distinct input, output and references) or
    /// changed pairs (llm_pairwise) judged by calls in this run.
    pub judged: usize,
    /// Judgements per output or pair (and order).
    pub samples: usize,
    /// Requests answered (retries not counted).
    pub calls: usize,
    /// Requests sent again (429, 5xx, timeouts, unreadable answers).
    pub retries: usize,
    /// Prompt tokens, as the server counted them (every answered attempt).
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// The cost in US dollars, when `[judge]` gives token prices.
    pub cost_usd: Option<f64>,
    /// llm_pairwise: examples whose outputs were identical (a tie without a call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identical: Option<usize>,
    /// llm_pairwise: judgements (each asked in both orders) whose two orders
    /// both chose the response shown first: the judge preferred a position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_first: Option<usize>,
    /// llm_pairwise: judgements whose two orders both chose the response shown second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_second: Option<usize>,
}

/// A judge's settings, resolved and checked.
#[derive(Debug, Clone)]
struct Judge {
    name: String,
    kind: Kind,
    model: String,
    rubric: String,
    scale: (i64, i64),
    temperature: f64,
    seed: Option<u64>,
    samples: usize,
    max_tokens: Option<u64>,
    format: prompt::Format,
    base_url: String,
    key_env: String,
    auth: Option<client::Auth>,
    policy: Policy,
    prices: (Option<f64>, Option<f64>),
}

/// The judge named `name`, if it is one: `llm_judge`, `llm_pairwise`, or a
/// `[metric.NAME]` section of either kind.
pub fn build(name: &str, options: &LlmOptions) -> Option<Result<Box<dyn Metric>>> {
    let (kind, own) = match options.metrics.iter().rev().find(|(n, _, _)| n == name) {
        Some((_, kind, own)) => (*kind, own.clone()),
        None => (Kind::parse(name)?, JudgeSettings::default()),
    };
    let settings = options.flags.or(&own).or(&options.judge);
    Some(
        Judge::resolve(name, kind, &settings).map(|judge| -> Box<dyn Metric> {
            match kind {
                Kind::Rubric => Box::new(LlmJudge {
                    judge,
                    judged: HashMap::new(),
                    usage: None,
                }),
                Kind::Pairwise => Box::new(LlmPairwise {
                    judge,
                    reasons: HashMap::new(),
                    usage: None,
                }),
            }
        }),
    )
}

impl Judge {
    fn resolve(name: &str, kind: Kind, s: &JudgeSettings) -> Result<Judge> {
        let bad = |message: String| Error::Settings(format!("{name}: {message}"));
        let model = s.model.clone().filter(|m| !m.trim().is_empty()).ok_or_else(|| {
            bad(format!(
                "no judge model; set [judge] model = \"gpt-4o-mini\" in benchgate.toml (or model in [metric.{name}]), or --judge-model NAME"
            ))
        })?;
        let rubric = match (&s.rubric, &s.rubric_file) {
            (Some(text), _) => text.clone(),
            (None, Some(path)) => std::fs::read_to_string(path).map_err(|cause| Error::Io {
                path: path.clone(),
                cause,
            })?,
            (None, None) => match kind {
                Kind::Rubric => prompt::DEFAULT_RUBRIC.to_string(),
                Kind::Pairwise => prompt::DEFAULT_CRITERION.to_string(),
            },
        };
        if rubric.trim().is_empty() {
            return Err(bad("the rubric is empty".into()));
        }
        let [lo, hi] = s.scale.unwrap_or([1, 5]);
        if lo >= hi {
            return Err(bad(format!(
                "scale = [{lo}, {hi}]: the lowest score must be below the highest"
            )));
        }
        let temperature = s.temperature.unwrap_or(0.0);
        if !(temperature.is_finite() && (0.0..=2.0).contains(&temperature)) {
            return Err(bad(format!(
                "temperature {temperature}: must be from 0 to 2"
            )));
        }
        let samples = s.samples.unwrap_or(1);
        if samples == 0 {
            return Err(bad("samples must be at least 1".into()));
        }
        let concurrency = s.concurrency.unwrap_or(8);
        if concurrency == 0 {
            return Err(bad("concurrency must be at least 1".into()));
        }
        let timeout = s.timeout_s.unwrap_or(60.0);
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(bad(format!(
                "timeout_s {timeout}: must be a positive number of seconds"
            )));
        }
        for (what, price) in [
            ("input_cost_per_mtok", s.input_cost_per_mtok),
            ("output_cost_per_mtok", s.output_cost_per_mtok),
        ] {
            if price.is_some_and(|p| !(p.is_finite() && p >= 0.0)) {
                return Err(bad(format!("{what} must be a price of 0 or more")));
            }
        }
        let base_url = s
            .base_url
            .clone()
            .or_else(|| {
                std::env::var("OPENAI_BASE_URL")
                    .ok()
                    .filter(|v| !v.trim().is_empty())
            })
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        Endpoint::new(&base_url, None, s.auth).map_err(|e| bad(format!("{e}: \"{base_url}\"")))?;
        Ok(Judge {
            name: name.to_string(),
            kind,
            model,
            rubric,
            scale: (lo, hi),
            temperature,
            seed: s.seed,
            samples,
            max_tokens: s.max_tokens,
            format: s.response_format.unwrap_or_default(),
            base_url,
            key_env: s
                .api_key_env
                .clone()
                .unwrap_or_else(|| DEFAULT_KEY_ENV.to_string()),
            auth: s.auth,
            policy: Policy {
                max_retries: s.max_retries.unwrap_or(4),
                timeout: Duration::from_secs_f64(timeout),
                concurrency,
                base_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(30),
            },
            prices: (s.input_cost_per_mtok, s.output_cost_per_mtok),
        })
    }

    fn ask(&self) -> Ask<'_> {
        Ask {
            model: &self.model,
            rubric: &self.rubric,
            scale: self.scale,
            temperature: self.temperature,
            seed: self.seed,
            max_tokens: self.max_tokens,
            format: self.format,
        }
    }

    /// Everything that changes the judge's values (not where it is reached,
    /// nor how patiently).
    fn settings_hash(&self) -> String {
        let mut h = SettingsHasher::new(self.kind.name());
        h.text(&self.model)
            .text(&self.rubric)
            .text(&format!("{}..{}", self.scale.0, self.scale.1))
            .text(&self.temperature.to_string())
            .text(&format!("{:?}", self.seed))
            .text(&self.samples.to_string())
            .text(&format!("{:?}", self.max_tokens))
            .text(self.format.name())
            .text(&prompt::template_text());
        h.finish()
    }

    /// The endpoint with the key read now (only when there is something to
    /// judge: a run that reuses every value needs no key).
    fn endpoint(&self) -> Result<Endpoint> {
        let key = std::env::var(&self.key_env).ok().and_then(Secret::new);
        Endpoint::new(&self.base_url, key, self.auth)
            .map_err(|e| Error::Settings(format!("{}: {e}", self.name)))
    }

    /// Sends `bodies`; a failure names the example `ids[i]` of body `i`.
    fn run<T: Send>(
        &self,
        bodies: Vec<serde_json::Value>,
        id_of: &dyn Fn(usize) -> String,
        check: &(dyn Fn(&serde_json::Value) -> std::result::Result<T, String> + Sync),
        calls: Calls<'_>,
    ) -> Result<Vec<(T, Cost)>> {
        let endpoint = self.endpoint()?;
        client::run_all(&endpoint, self.policy, bodies, check, calls).map_err(|(i, cause)| {
            Error::Judge(Box::new(JudgeError::Call {
                metric: self.name.clone(),
                id: id_of(i),
                cause,
            }))
        })
    }

    fn usage(&self, judged: usize, costs: &[Cost]) -> Usage {
        let mut tokens = Tokens::default();
        let mut retries = 0;
        for c in costs {
            tokens += c.tokens;
            retries += c.retries as usize;
        }
        let cost_usd = match self.prices {
            (None, None) => None,
            (input, output) => Some(
                (tokens.prompt as f64 * input.unwrap_or(0.0)
                    + tokens.completion as f64 * output.unwrap_or(0.0))
                    / 1e6,
            ),
        };
        Usage {
            metric: self.name.clone(),
            kind: self.kind,
            model: self.model.clone(),
            judged,
            samples: self.samples,
            calls: costs.len(),
            retries,
            prompt_tokens: tokens.prompt,
            completion_tokens: tokens.completion,
            cost_usd,
            identical: None,
            preferred_first: None,
            preferred_second: None,
        }
    }

    fn signature(&self) -> String {
        let hash = self.settings_hash();
        format!(
            "{}:{}|{}",
            self.name,
            self.model,
            hash.get(..13).unwrap_or(&hash)
        )
    }
}

/// One output's rubric judgements.
#[derive(Debug, Clone)]
struct Judged {
    scores: Vec<i64>,
    reason: String,
}

/// `llm_judge`: a rubric score per output.
pub struct LlmJudge {
    judge: Judge,
    judged: HashMap<u128, Judged>,
    usage: Option<Usage>,
}

/// What a rubric judgement of `row` depends on: its input, output and references.
fn row_key(row: &Row) -> u128 {
    KeyKind::Judged.key(std::slice::from_ref(row))
}

impl Metric for LlmJudge {
    fn name(&self) -> &str {
        &self.judge.name
    }

    fn needs_rows(&self) -> bool {
        true
    }

    fn prepare(&mut self, rows: &[&Row], _idf_rows: &[&Row], calls: Calls<'_>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        let todo: Vec<(u128, &Row)> = rows
            .iter()
            .map(|r| (row_key(r), *r))
            .filter(|(k, _)| !self.judged.contains_key(k) && seen.insert(*k))
            .collect();
        let samples = self.judge.samples;
        let ask = self.judge.ask();
        let bodies = todo
            .iter()
            .flat_map(|(_, row)| (0..samples).map(|s| ask.rubric_request(row, s)))
            .collect();
        let scale = self.judge.scale;
        let answers = self.judge.run(
            bodies,
            &|i| todo[i / samples].1.id.to_string(),
            &|v| prompt::read_graded(v, scale),
            calls,
        )?;
        let costs: Vec<Cost> = answers.iter().map(|(_, c)| *c).collect();
        for (i, (graded, _)) in answers.into_iter().enumerate() {
            let entry = self.judged.entry(todo[i / samples].0).or_insert(Judged {
                scores: Vec::with_capacity(samples),
                reason: graded.reason.clone(),
            });
            entry.scores.push(graded.score);
        }
        let usage = self.judge.usage(todo.len(), &costs);
        self.usage = Some(match self.usage.take() {
            None => usage,
            Some(before) => Usage {
                judged: before.judged + usage.judged,
                calls: before.calls + usage.calls,
                retries: before.retries + usage.retries,
                prompt_tokens: before.prompt_tokens + usage.prompt_tokens,
                completion_tokens: before.completion_tokens + usage.completion_tokens,
                cost_usd: before.cost_usd.zip(usage.cost_usd).map(|(a, b)| a + b),
                ..usage
            },
        });
        Ok(())
    }

    fn stats(&self, row: &Row, out: &mut [f64]) -> std::result::Result<(), MetricError> {
        let values = self.judgements(row).ok_or_else(|| MetricError {
            field: "prediction".into(),
            message: "not judged: the metric was not prepared with this row".into(),
        })?;
        out[0] = values.iter().sum::<f64>() / values.len().max(1) as f64;
        Ok(())
    }

    fn judgements_per_sample(&self) -> usize {
        self.judge.samples
    }

    /// Each judgement's score, rescaled to [0, 1].
    fn judgements(&self, row: &Row) -> Option<Vec<f64>> {
        let judged = self.judged.get(&row_key(row))?;
        let (lo, hi) = self.judge.scale;
        let range = (hi - lo) as f64;
        Some(
            judged
                .scores
                .iter()
                .map(|&s| (s - lo) as f64 / range)
                .collect(),
        )
    }

    fn reason(&self, row: &Row) -> Option<String> {
        let judged = self.judged.get(&row_key(row))?;
        let scores: Vec<String> = judged.scores.iter().map(i64::to_string).collect();
        let (lo, hi) = self.judge.scale;
        let label = if scores.len() == 1 { "score" } else { "scores" };
        Some(format!(
            "{label} {} on {lo}–{hi}: {}",
            scores.join(", "),
            judged.reason
        ))
    }

    fn signature(&self) -> Option<String> {
        Some(self.judge.signature())
    }

    fn reuse(&self, _idf_rows: &[&Row]) -> Option<Reuse> {
        Some(Reuse {
            settings: self.judge.settings_hash(),
            key: KeyKind::Judged,
        })
    }

    fn judge_usage(&self) -> Option<Usage> {
        Some(
            self.usage
                .clone()
                .unwrap_or_else(|| self.judge.usage(0, &[])),
        )
    }
}

/// `llm_pairwise`: which of the two runs' outputs is better.
pub struct LlmPairwise {
    judge: Judge,
    /// Why, by (id, current output) of the examples judged.
    reasons: HashMap<(String, String), String>,
    usage: Option<Usage>,
}

/// The current run's outcome of a winner when its output was shown as `current_shown`.
fn outcome(w: Winner, current_shown: Winner) -> f64 {
    match w {
        Winner::Tie => 0.5,
        w if w == current_shown => 1.0,
        _ => 0.0,
    }
}

fn preference_words(w: Winner, current_shown: Winner) -> &'static str {
    match outcome(w, current_shown) {
        x if x > 0.5 => "prefers this PR's",
        x if x < 0.5 => "prefers the baseline's",
        _ => "a tie",
    }
}

impl Metric for LlmPairwise {
    fn name(&self) -> &str {
        &self.judge.name
    }

    fn stats(&self, _row: &Row, _out: &mut [f64]) -> std::result::Result<(), MetricError> {
        Err(MetricError {
            field: "prediction".into(),
            message: format!(
                "{} compares the current run's output with the baseline's: it scores in `compare` only",
                self.judge.name
            ),
        })
    }

    fn is_paired(&self) -> bool {
        true
    }

    fn score_pairs(
        &mut self,
        pairs: &[(&[Row], &[Row])],
        calls: Calls<'_>,
    ) -> Result<Vec<[f64; 2]>> {
        // (example, sample pair) of every changed pair, in example order.
        let mut changed: Vec<(usize, usize)> = Vec::new();
        let mut identical = 0;
        for (i, (base, cur)) in pairs.iter().enumerate() {
            let n = base.len().min(cur.len());
            let before = changed.len();
            for j in 0..n {
                if base[j].prediction != cur[j].prediction {
                    changed.push((i, j));
                }
            }
            identical += usize::from(changed.len() == before);
        }
        let samples = self.judge.samples;
        let ask = self.judge.ask();
        // Per changed pair and sample: the baseline shown first, then the
        // current output first.
        let mut bodies = Vec::with_capacity(changed.len() * samples * 2);
        for &(i, j) in &changed {
            let (b, c) = (&pairs[i].0[j], &pairs[i].1[j]);
            for s in 0..samples {
                bodies.push(ask.pairwise_request(b, &b.prediction, &c.prediction, s));
                bodies.push(ask.pairwise_request(b, &c.prediction, &b.prediction, s));
            }
        }
        let per_pair = samples * 2;
        let answers = self.judge.run(
            bodies,
            &|k| pairs[changed[k / per_pair].0].0[0].id.to_string(),
            &prompt::read_preference,
            calls,
        )?;
        let costs: Vec<Cost> = answers.iter().map(|(_, c)| *c).collect();
        let mut sums = vec![(0.0f64, 0usize); pairs.len()];
        let (mut first, mut second) = (0, 0);
        for (k, judgement) in answers.chunks(2).enumerate() {
            let [(ab, _), (ba, _)] = judgement else {
                continue;
            };
            let (i, j) = changed[k / samples];
            // Baseline first: the current output is B; current first: A.
            let total = outcome(ab.winner, Winner::B) + outcome(ba.winner, Winner::A);
            let value = if total > 1.0 {
                1.0
            } else if total < 1.0 {
                0.0
            } else {
                0.5
            };
            sums[i].0 += value;
            sums[i].1 += 1;
            match (ab.winner, ba.winner) {
                (Winner::A, Winner::A) => first += 1,
                (Winner::B, Winner::B) => second += 1,
                _ => {}
            }
            if j == 0 && k % samples == 0 {
                let c = &pairs[i].1[0];
                self.reasons.insert(
                    (c.id.to_string(), c.prediction.to_string()),
                    format!(
                        "{} (baseline shown first: {} — {}; this PR's shown first: {} — {})",
                        match value {
                            x if x > 0.5 => "a win",
                            x if x < 0.5 => "a loss",
                            _ => "a tie",
                        },
                        preference_words(ab.winner, Winner::B),
                        ab.reason,
                        preference_words(ba.winner, Winner::A),
                        ba.reason
                    ),
                );
            }
        }
        let mut usage = self.judge.usage(changed.len(), &costs);
        usage.identical = Some(identical);
        usage.preferred_first = Some(first);
        usage.preferred_second = Some(second);
        self.usage = Some(usage);
        Ok(sums
            .into_iter()
            .map(|(sum, n)| [0.5, if n == 0 { 0.5 } else { sum / n as f64 }])
            .collect())
    }

    fn reason(&self, row: &Row) -> Option<String> {
        self.reasons
            .get(&(row.id.to_string(), row.prediction.to_string()))
            .cloned()
    }

    fn signature(&self) -> Option<String> {
        Some(self.judge.signature())
    }

    fn judge_usage(&self) -> Option<Usage> {
        Some(
            self.usage
                .clone()
                .unwrap_or_else(|| self.judge.usage(0, &[])),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(model: Option<&str>) -> LlmOptions {
        LlmOptions {
            judge: JudgeSettings {
                model: model.map(str::to_string),
                base_url: Some("http://127.0.0.1:9/v1".into()),
                ..JudgeSettings::default()
            },
            ..LlmOptions::default()
        }
    }

    #[test]
    fn settings_merge_flags_over_sections_over_judge() {
        let mut o = options(Some("base-model"));
        o.metrics.push((
            "tone".into(),
            Kind::Rubric,
            JudgeSettings {
                model: Some("section-model".into()),
                rubric: Some("polite?".into()),
                ..JudgeSettings::default()
            },
        ));
        let sig = |o: &LlmOptions, name: &str| {
            build(name, o)
                .expect("a judge")
                .expect("valid")
                .signature()
                .expect("signature")
        };
        assert!(sig(&o, "tone").starts_with("tone:section-model|"));
        assert!(sig(&o, "llm_judge").starts_with("llm_judge:base-model|"));
        o.flags.model = Some("flag-model".into());
        assert!(sig(&o, "tone").starts_with("tone:flag-model|"));
        assert!(build("rouge1", &o).is_none());
    }

    #[test]
    fn the_hash_moves_with_what_changes_values_only() {
        let hash = |s: JudgeSettings| {
            Judge::resolve("llm_judge", Kind::Rubric, &s)
                .expect("valid")
                .settings_hash()
        };
        let base = JudgeSettings {
            model: Some("m".into()),
            base_url: Some("http://127.0.0.1:9/v1".into()),
            ..JudgeSettings::default()
        };
        let h = hash(base.clone());
        for changed in [
            JudgeSettings {
                model: Some("n".into()),
                ..base.clone()
            },
            JudgeSettings {
                rubric: Some("other".into()),
                ..base.clone()
            },
            JudgeSettings {
                scale: Some([0, 10]),
                ..base.clone()
            },
            JudgeSettings {
                temperature: Some(0.7),
                ..base.clone()
            },
            JudgeSettings {
                samples: Some(3),
                ..base.clone()
            },
            JudgeSettings {
                seed: Some(1),
                ..base.clone()
            },
        ] {
            assert_ne!(hash(changed.clone()), h, "{changed:?}");
        }
        for same in [
            JudgeSettings {
                base_url: Some("https://gateway.example/v1".into()),
                ..base.clone()
            },
            JudgeSettings {
                concurrency: Some(2),
                ..base.clone()
            },
            JudgeSettings {
                timeout_s: Some(5.0),
                max_retries: Some(0),
                ..base.clone()
            },
        ] {
            assert_eq!(hash(same.clone()), h, "{same:?}");
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let err = |s: JudgeSettings| {
            Judge::resolve("llm_judge", Kind::Rubric, &s)
                .expect_err("invalid")
                .to_string()
        };
        assert!(err(JudgeSettings::default()).contains("no judge model"));
        let m = JudgeSettings {
            model: Some("m".into()),
            ..JudgeSettings::default()
        };
        assert!(err(JudgeSettings {
            scale: Some([5, 1]),
            ..m.clone()
        })
        .contains("scale"));
        assert!(err(JudgeSettings {
            samples: Some(0),
            ..m.clone()
        })
        .contains("samples"));
        assert!(err(JudgeSettings {
            base_url: Some("localhost:8080".into()),
            ..m.clone()
        })
        .contains("http://"));
        assert!(err(JudgeSettings {
            rubric_file: Some("no/such/rubric.md".into()),
            ..m
        })
        .contains("no/such/rubric.md"));
    }

    #[test]
    fn a_numeric_field_named_llm_judge_stays_a_field_until_a_judge_is_configured() {
        let mut data = crate::metrics::DataInfo::default();
        data.numeric_fields.insert("llm_judge".into());
        let mut options = crate::metrics::MetricOptions::default();
        let m = crate::metrics::build("llm_judge", &options, &data).expect("a field");
        assert!(m.judge_usage().is_none(), "the file's own scores");
        options.llm = self::options(Some("m"));
        let m = crate::metrics::build("llm_judge", &options, &data).expect("a judge");
        assert!(m.judge_usage().is_some());
    }

    #[test]
    fn both_orders_cancel_a_position_preference() {
        // A judge that always answers "A": the current output wins when
        // shown first and loses when shown second: a tie.
        let total = outcome(Winner::A, Winner::B) + outcome(Winner::A, Winner::A);
        assert_eq!(total, 1.0);
        assert_eq!(
            outcome(Winner::B, Winner::B) + outcome(Winner::A, Winner::A),
            2.0
        );
        assert_eq!(outcome(Winner::Tie, Winner::B), 0.5);
    }
}
