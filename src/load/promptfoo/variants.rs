//! Matching the variants (provider × prompt) of two promptfoo runs, and
//! picking one variant of a file (`--baseline-variant`, `--current-variant`).
//!
//! The reader names each row `test [provider | prompt]` with the parts that
//! vary within its file. Two runs are paired by those names, never by
//! position, after this step has made the names agree:
//!
//! 1. a side with a `--…-variant` keeps only that variant's rows;
//! 2. a part (provider, prompt) that has one value on each side is dropped
//!    from both sides' ids: one provider against another is the comparison of
//!    two models, one prompt against another that of a prompt change (a pull
//!    request that edits the prompt is the main case), whatever their names;
//! 3. a part with several values on a side stays, and pairs by name: the
//!    provider's label or id, the prompt's label or file path. Prompts without
//!    a label are named by their text, so when their text changed nothing can
//!    pair them: that is an error asking for labels or for the variant to
//!    compare.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::load::{Dataset, Row, Text};

/// One variant of a file, as `--baseline-variant` names it:
/// `provider=ID`, `prompt=LABEL` or `provider=ID,prompt=LABEL`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VariantSpec {
    /// The provider's label or id (`gpt-5` matches `openai:gpt-5`).
    pub provider: Option<String>,
    /// The prompt's label, file path or (quoted or not) text.
    pub prompt: Option<String>,
}

impl VariantSpec {
    /// Parses the value of `flag` (named in errors).
    pub fn parse(flag: &str, text: &str) -> Result<VariantSpec> {
        let bad = || {
            Error::Usage(format!(
                "{flag} {text}: expected provider=ID, prompt=LABEL or provider=ID,prompt=LABEL"
            ))
        };
        let mut spec = VariantSpec::default();
        let (first, second) = if let Some(rest) = text.strip_prefix("provider=") {
            match rest.rsplit_once(",prompt=") {
                Some((p, q)) => (("provider", p), Some(("prompt", q))),
                None => (("provider", rest), None),
            }
        } else if let Some(rest) = text.strip_prefix("prompt=") {
            match rest.rsplit_once(",provider=") {
                Some((q, p)) => (("prompt", q), Some(("provider", p))),
                None => (("prompt", rest), None),
            }
        } else {
            return Err(bad());
        };
        for (key, value) in std::iter::once(first).chain(second) {
            let value = value.trim();
            if value.is_empty() {
                return Err(bad());
            }
            match key {
                "provider" => spec.provider = Some(value.to_string()),
                _ => spec.prompt = Some(value.to_string()),
            }
        }
        Ok(spec)
    }

    fn matches(&self, provider: &str, prompt: &str) -> bool {
        let provider_ok = self.provider.as_deref().is_none_or(|want| {
            provider == want
                || provider
                    .strip_suffix(want)
                    .is_some_and(|head| head.ends_with(':'))
        });
        let prompt_ok = self.prompt.as_deref().is_none_or(|want| {
            prompt == want
                || prompt.strip_prefix('"').and_then(|p| p.strip_suffix('"')) == Some(want)
        });
        provider_ok && prompt_ok
    }
}

impl std::fmt::Display for VariantSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.provider, &self.prompt) {
            (Some(p), Some(q)) => write!(f, "provider={p},prompt={q}"),
            (Some(p), None) => write!(f, "provider={p}"),
            (None, Some(q)) => write!(f, "prompt={q}"),
            (None, None) => Ok(()),
        }
    }
}

/// A row's test name and variant, its id taken apart.
struct Parts {
    test: String,
    provider: String,
    prompt: String,
}

fn parts(row: &Row) -> Option<Parts> {
    let provider = row.tags.get("provider")?.to_string();
    let prompt = row.tags.get("prompt")?.to_string();
    let id = row.id.as_str();
    let suffixes = [
        format!(" [{provider} | {prompt}]"),
        format!(" [{provider}]"),
        format!(" [{prompt}]"),
    ];
    let test = suffixes
        .iter()
        .find_map(|s| id.strip_suffix(s.as_str()))
        .unwrap_or(id)
        .to_string();
    Some(Parts {
        test,
        provider,
        prompt,
    })
}

fn is_promptfoo(data: &Dataset) -> bool {
    data.tool
        .as_ref()
        .is_some_and(|t| t.tool.split('+').any(|x| x == "promptfoo"))
}

/// Makes the ids of two runs' promptfoo rows agree (see the module doc), and
/// keeps only the variants `specs` (baseline, current) pick.
pub fn pair_variants(
    baseline: Dataset,
    current: Dataset,
    specs: &[Option<VariantSpec>; 2],
) -> Result<(Dataset, Dataset)> {
    let flags = ["--baseline-variant", "--current-variant"];
    let mut sides = [baseline, current];
    for (side, (spec, flag)) in sides.iter().zip(specs.iter().zip(flags)) {
        if let Some(spec) = spec {
            if !is_promptfoo(side) {
                return Err(Error::Usage(format!(
                    "{flag} {spec}: {} is not a promptfoo result file; variants (provider × prompt) are promptfoo's",
                    side.path.display()
                )));
            }
        }
    }
    if !sides.iter().any(is_promptfoo) {
        let [b, c] = sides;
        return Ok((b, c));
    }
    // Each side's rows taken apart; a side whose rows do not all carry a
    // variant (a plain file) keeps its ids.
    let mut split: [Option<Vec<Parts>>; 2] = [None, None];
    for (i, side) in sides.iter_mut().enumerate() {
        let all: Option<Vec<Parts>> = side.rows.iter().map(parts).collect();
        let Some(mut all) = all else { continue };
        if let Some(spec) = &specs[i] {
            let keep: Vec<bool> = all
                .iter()
                .map(|p| spec.matches(&p.provider, &p.prompt))
                .collect();
            if !keep.iter().any(|k| *k) {
                return Err(Error::Usage(format!(
                    "{} {spec}: {} has no such variant; its variants are {}",
                    flags[i],
                    side.path.display(),
                    listing(&all)
                )));
            }
            let mut flags_iter = keep.iter();
            side.rows.retain(|_| *flags_iter.next().unwrap_or(&false));
            let mut flags_iter = keep.iter();
            all.retain(|_| *flags_iter.next().unwrap_or(&false));
        }
        split[i] = Some(all);
    }
    let [Some(base), Some(cur)] = &split else {
        let [b, c] = sides;
        return Ok((b, c));
    };
    let values = |parts: &[Parts], provider: bool| -> BTreeSet<String> {
        parts
            .iter()
            .map(|p| if provider { &p.provider } else { &p.prompt }.clone())
            .collect()
    };
    let (pb, pc) = (values(base, true), values(cur, true));
    let (qb, qc) = (values(base, false), values(cur, false));
    let keep_provider = pb.len() > 1 || pc.len() > 1;
    let keep_prompt = qb.len() > 1 || qc.len() > 1;
    let path = |i: usize| sides[i].path.display().to_string();
    if keep_prompt && qb != qc {
        let only_base: Vec<&String> = qb.difference(&qc).collect();
        let only_cur: Vec<&String> = qc.difference(&qb).collect();
        let unlabelled = only_base
            .iter()
            .chain(&only_cur)
            .any(|q| q.starts_with('"'));
        if unlabelled || qb.is_disjoint(&qc) {
            return Err(Error::Settings(format!(
                "the prompts of the two runs do not match: {} has {} that {} has not, which has {}; prompts without a label are named by their text, so an edited prompt matches nothing: give each prompt a `label:` in promptfooconfig (or keep it in a file), or compare one prompt of each run with --baseline-variant prompt=… --current-variant prompt=…",
                path(0),
                names(&only_base),
                path(1),
                names(&only_cur),
            )));
        }
    }
    if keep_provider && pb.is_disjoint(&pc) {
        return Err(Error::Settings(format!(
            "no provider of {} ({}) is in {} ({}); compare one provider of each run with --baseline-variant provider=… --current-variant provider=…",
            path(0),
            names(&pb.iter().collect::<Vec<_>>()),
            path(1),
            names(&pc.iter().collect::<Vec<_>>()),
        )));
    }
    let rename = |side: &mut Dataset, parts: &[Parts]| {
        for (row, p) in side.rows.iter_mut().zip(parts) {
            let id = super::with_variant(
                &p.test,
                keep_provider.then_some(p.provider.as_str()),
                keep_prompt.then_some(p.prompt.as_str()),
            );
            if id != row.id.as_str() {
                row.id = Text::from(id);
            }
        }
    };
    let [mut b, mut c] = sides;
    rename(&mut b, base);
    rename(&mut c, cur);
    Ok((b, c))
}

fn names(values: &[&String]) -> String {
    if values.is_empty() {
        return "none".to_string();
    }
    values
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A file's variants as `--…-variant` values.
fn listing(parts: &[Parts]) -> String {
    let variants: BTreeSet<(String, String)> = parts
        .iter()
        .map(|p| (p.provider.clone(), p.prompt.clone()))
        .collect();
    variants
        .iter()
        .map(|(p, q)| format!("provider={p},prompt={q}"))
        .collect::<Vec<_>>()
        .join("; ")
}
