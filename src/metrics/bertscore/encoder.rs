//! The model side of BERTScore: a Hugging Face model directory loaded with
//! candle (CPU, f32) and its `tokenizer.json` with the tokenizers crate, turning
//! sentences into token ids and L2-normalised hidden states.
//!
//! As bert-score 0.3.13 does: inputs are `strip()`ped, encoded with special
//! tokens and truncated at the tokenizer's `model_max_length` (512 for BERT and
//! RoBERTa); token type ids are 0; the hidden states are those after the first N
//! layers (N = 0 gives the embedding layer). A `tokenizer.json` may carry fixed
//! padding and a shorter truncation (sentence-transformers ships 128): both are
//! replaced.
//!
//! Two families load, told apart by `model_type` in config.json, and run on
//! [`super::transformer`]'s forward pass (their config structs are
//! candle-transformers'):
//! - `bert` (BERT, MiniLM, …): positions count from 0.
//! - `roberta` (RoBERTa, DistilRoBERTa, …): position ids count from
//!   `pad_token_id + 1` over the non-padding tokens and padding gets
//!   `pad_token_id` (transformers' `create_position_ids_from_input_ids`), so at
//!   most `max_position_embeddings - pad_token_id - 1` tokens fit (512 of 514).
//!   Weights may sit under `roberta.` (a `RobertaForMaskedLM` checkpoint such as
//!   roberta-large) or not (a saved `RobertaModel`). bert-score encodes with the
//!   slow `RobertaTokenizer` and `add_prefix_space=True`, which puts one space
//!   before the whole (non-empty) text; the fast tokenizer's own
//!   `add_prefix_space` puts one before every piece between special tokens
//!   (`a<s>b` would differ), so it is turned off and the space is added here.
//!   `<s>` and `</s>` weigh 0.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device};
use candle_nn::{Activation, VarBuilder};
use candle_transformers::models::bert::{Config as BertConfig, HiddenAct};
use candle_transformers::models::xlm_roberta::Config as RobertaConfig;
use tokenizers::{
    PreTokenizerWrapper, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy,
};

use super::greedy::Embedding;
use super::transformer::{Dims, Positions, Transformer};
use crate::error::{Error, Result};
use crate::metrics::normalize::is_py_space;

/// The `model_type`s that load, as the error for any other names them.
const SUPPORTED: &str = "\"bert\" (BERT, MiniLM, and the sentence-transformers models built on them) and \"roberta\" (RoBERTa, DistilRoBERTa, …); DeBERTa, DistilBERT, XLM-RoBERTa, ALBERT, ELECTRA and the rest are not supported yet";

/// transformers' `RobertaConfig` defaults, for keys an older config.json leaves
/// out (roberta-large's has no `position_embedding_type`).
const ROBERTA_DEFAULTS: [(&str, &str); 13] = [
    ("vocab_size", "50265"),
    ("hidden_size", "768"),
    ("num_hidden_layers", "12"),
    ("num_attention_heads", "12"),
    ("intermediate_size", "3072"),
    ("hidden_act", "\"gelu\""),
    ("hidden_dropout_prob", "0.1"),
    ("attention_probs_dropout_prob", "0.1"),
    ("max_position_embeddings", "512"),
    ("type_vocab_size", "2"),
    ("layer_norm_eps", "1e-12"),
    ("pad_token_id", "1"),
    ("position_embedding_type", "\"absolute\""),
];

/// The forward pass's [`Dims`] from a family's config struct (both name the
/// fields alike).
macro_rules! dims {
    ($c:expr, $activation:expr, $positions:expr) => {
        Dims {
            hidden: $c.hidden_size,
            heads: $c.num_attention_heads,
            intermediate: $c.intermediate_size,
            layers: $c.num_hidden_layers,
            eps: $c.layer_norm_eps,
            activation: $activation,
            positions: $positions,
        }
    };
}

/// A model's settings, by family.
enum Config {
    Bert(BertConfig),
    Roberta(RobertaConfig),
}

impl Config {
    /// Reads config.json's settings for its `model_type`.
    fn parse(dir: &Path, mut raw: serde_json::Value) -> Result<Config> {
        let model_type = raw["model_type"].as_str().unwrap_or("bert").to_string();
        let bad = |e: serde_json::Error| model_error(dir, format!("config.json: {e}"));
        match model_type.as_str() {
            "bert" => Ok(Config::Bert(serde_json::from_value(raw).map_err(bad)?)),
            "roberta" => {
                if let Some(fields) = raw.as_object_mut() {
                    for (key, value) in ROBERTA_DEFAULTS {
                        if fields.get(key).is_none_or(serde_json::Value::is_null) {
                            let value = serde_json::from_str(value).expect("a JSON constant");
                            fields.insert(key.to_string(), value);
                        }
                    }
                }
                let config: RobertaConfig = serde_json::from_value(raw).map_err(bad)?;
                // candle's RoBERTa adds absolute positions only: a relative_key
                // model would load and score wrong.
                if config.position_embedding_type != "absolute" {
                    return Err(model_error(
                        dir,
                        format!(
                            "config.json: position_embedding_type \"{}\" is not supported; benchgate's RoBERTa uses absolute position embeddings",
                            config.position_embedding_type
                        ),
                    ));
                }
                if config.max_position_embeddings <= config.pad_token_id as usize + 2 {
                    return Err(model_error(
                        dir,
                        format!(
                            "config.json: max_position_embeddings {} leaves no room for a sentence: RoBERTa's positions start at pad_token_id + 1 = {}",
                            config.max_position_embeddings,
                            config.pad_token_id + 1
                        ),
                    ));
                }
                Ok(Config::Roberta(config))
            }
            other => Err(model_error(
                dir,
                format!(
                    "config.json: model_type \"{other}\" is not supported; benchgate's BERTScore loads model_type {SUPPORTED}"
                ),
            )),
        }
    }

    fn layers(&self) -> usize {
        match self {
            Config::Bert(c) => c.num_hidden_layers,
            Config::Roberta(c) => c.num_hidden_layers,
        }
    }

    fn keep_layers(&mut self, layers: usize) {
        match self {
            Config::Bert(c) => c.num_hidden_layers = layers,
            Config::Roberta(c) => c.num_hidden_layers = layers,
        }
    }

    /// The most tokens (special tokens included) the position embeddings number.
    fn max_tokens(&self) -> usize {
        match self {
            Config::Bert(c) => c.max_position_embeddings,
            Config::Roberta(c) => c.max_position_embeddings - c.pad_token_id as usize - 1,
        }
    }

    /// The names of the two special tokens that weigh 0 (bert-score's
    /// `cls_token_id` and `sep_token_id`), in the order to look for them.
    fn specials(&self) -> [&'static [&'static str]; 2] {
        match self {
            Config::Bert(_) => [&["[CLS]", "<s>"], &["[SEP]", "</s>"]],
            Config::Roberta(_) => [&["<s>", "[CLS]"], &["</s>", "[SEP]"]],
        }
    }

    fn family(&self) -> &'static str {
        match self {
            Config::Bert(_) => "BERT",
            Config::Roberta(_) => "RoBERTa",
        }
    }

    fn load(&self, vb: VarBuilder) -> candle_core::Result<Transformer> {
        let (dims, vocab, positions, root) = match self {
            Config::Bert(c) => {
                let activation = match c.hidden_act {
                    HiddenAct::Gelu => Activation::Gelu,
                    HiddenAct::GeluApproximate => Activation::NewGelu,
                    HiddenAct::Relu => Activation::Relu,
                };
                let dims = dims!(c, activation, Positions::FromZero);
                let root = c.model_type.clone().unwrap_or_else(|| "bert".into());
                (dims, c.vocab_size, c.max_position_embeddings, root)
            }
            Config::Roberta(c) => {
                let dims = dims!(c, c.hidden_act, Positions::AfterPad(c.pad_token_id));
                (
                    dims,
                    c.vocab_size,
                    c.max_position_embeddings,
                    "roberta".into(),
                )
            }
        };
        // A bare encoder keeps its weights at the top; a checkpoint with a head
        // (BertForMaskedLM, RobertaForMaskedLM such as roberta-large) under `bert.`
        // or `roberta.` (or config.json's model_type).
        let vb = ["bert", "roberta", root.as_str()]
            .into_iter()
            .find(|p| {
                !vb.contains_tensor("embeddings.word_embeddings.weight")
                    && vb.contains_tensor(&format!("{p}.embeddings.word_embeddings.weight"))
            })
            .map_or_else(|| vb.clone(), |p| vb.pp(p));
        Transformer::load(&vb, dims, vocab, positions)
    }
}

/// Turns off the prefix space of a byte-level pre-tokenizer (alone or in a
/// sequence), as [`Encoder::tokenize`] adds it the slow tokenizer's way; false
/// when there is none.
fn no_prefix_space(tokenizer: &mut Tokenizer) -> bool {
    fn set(p: &mut PreTokenizerWrapper) -> bool {
        match p {
            PreTokenizerWrapper::ByteLevel(b) => {
                b.add_prefix_space = false;
                true
            }
            PreTokenizerWrapper::Sequence(s) => {
                s.as_mut().iter_mut().fold(false, |found, p| set(p) | found)
            }
            _ => false,
        }
    }
    let Some(mut pre) = tokenizer.get_pre_tokenizer().cloned() else {
        return false;
    };
    let found = set(&mut pre);
    tokenizer.with_pre_tokenizer(Some(pre));
    found
}

/// A loaded model and tokenizer.
pub struct Encoder {
    model: Transformer,
    tokenizer: Tokenizer,
    /// Ids of the [CLS] and [SEP] tokens (`<s>` and `</s>` in RoBERTa; weight 0).
    pub specials: (u32, u32),
    /// Put a space before each non-empty text (RoBERTa, as bert-score does).
    prefix_space: bool,
    /// Layers used.
    pub layers: usize,
}

fn model_error(dir: &Path, message: impl std::fmt::Display) -> Error {
    Error::Usage(format!("--bertscore-model {}: {message}", dir.display()))
}

impl Encoder {
    /// Loads `dir` (config.json, tokenizer.json, model.safetensors, checked to
    /// exist by the caller), keeping the first `layers` layers (all when `None`).
    pub fn load(dir: &Path, layers: Option<usize>) -> Result<Encoder> {
        let read = |name: &str| -> Result<String> {
            let path: PathBuf = dir.join(name);
            std::fs::read_to_string(&path).map_err(|cause| Error::Io { path, cause })
        };
        let config_text = read("config.json")?;
        let raw: serde_json::Value = serde_json::from_str(&config_text)
            .map_err(|e| model_error(dir, format!("config.json is not valid JSON: {e}")))?;
        let mut config = Config::parse(dir, raw)?;
        let model_layers = config.layers();
        let layers = layers.unwrap_or(model_layers);
        if layers > model_layers {
            return Err(model_error(
                dir,
                format!("--bertscore-layers {layers}: the model has {model_layers} layers; use 0 to {model_layers}"),
            ));
        }
        // Only the first `layers` layers are loaded and run, as bert-score drops the rest.
        config.keep_layers(layers);

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| model_error(dir, format!("tokenizer.json: {e}")))?;
        // bert-score truncates at model_max_length; the position embeddings bound it
        // too (a RoBERTa directory without tokenizer_config.json still gets 512).
        let max_len = tokenizer_max_len(dir)
            .unwrap_or(usize::MAX)
            .min(config.max_tokens());
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| model_error(dir, format!("tokenizer.json: {e}")))?;
        let prefix_space = matches!(config, Config::Roberta(_));
        if prefix_space && !no_prefix_space(&mut tokenizer) {
            return Err(model_error(
                dir,
                "tokenizer.json has no ByteLevel pre-tokenizer, which a RoBERTa tokenizer has (bert-score encodes with its add_prefix_space=True)",
            ));
        }
        let [cls_names, sep_names] = config.specials();
        let special = |names: &[&str]| names.iter().find_map(|n| tokenizer.token_to_id(n));
        let specials = match (special(cls_names), special(sep_names)) {
            (Some(cls), Some(sep)) => (cls, sep),
            _ => {
                return Err(model_error(
                    dir,
                    format!(
                        "tokenizer.json has no {} or no {} token",
                        cls_names.join(" / "),
                        sep_names.join(" / ")
                    ),
                ))
            }
        };

        let weights = dir.join("model.safetensors");
        // Read into memory: memory-mapping would need `unsafe`, which the crate forbids.
        let tensors = candle_core::safetensors::load(&weights, &Device::Cpu)
            .map_err(|e| model_error(dir, format!("model.safetensors: {e}")))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let model = config.load(vb).map_err(|e| {
            model_error(
                dir,
                format!(
                    "model.safetensors does not hold the {} weights config.json describes: {e}",
                    config.family()
                ),
            )
        })?;
        Ok(Encoder {
            model,
            tokenizer,
            specials,
            prefix_space,
            layers,
        })
    }

    /// Token ids of each sentence (stripped, with special tokens, truncated).
    pub fn tokenize(&self, sentences: &[&str]) -> Result<Vec<Vec<u32>>> {
        let stripped: Vec<String> = sentences
            .iter()
            .map(|s| {
                let s = s.trim_matches(is_py_space);
                // RobertaTokenizer.prepare_for_tokenization: one space before the
                // text; an empty text stays empty (bert-score gives it <s></s>).
                if self.prefix_space && !s.is_empty() {
                    format!(" {s}")
                } else {
                    s.to_string()
                }
            })
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(stripped, true)
            .map_err(|e| Error::Settings(format!("bertscore: cannot tokenize: {e}")))?;
        Ok(encodings
            .into_iter()
            .map(|e| e.get_ids().to_vec())
            .collect())
    }

    /// Normalised hidden states of each sentence of one batch (padded to its
    /// longest sentence; the padding is masked and cut off again).
    pub fn embed(&self, batch: &[&[u32]]) -> Result<Vec<Embedding>> {
        let fail =
            |e: candle_core::Error| Error::Settings(format!("bertscore: the model failed: {e}"));
        let width = batch.iter().map(|s| s.len()).max().unwrap_or(0);
        let flat = self.model.forward(batch, width).map_err(fail)?;
        let dim = self.model.hidden();
        Ok(batch
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let start = i * width * dim;
                let data = flat[start..start + s.len() * dim].to_vec();
                Embedding::normalised(s.len(), dim, data)
            })
            .collect())
    }
}

/// `model_max_length` of `tokenizer_config.json`, when the directory has one
/// (the length bert-score truncates at).
fn tokenizer_max_len(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join("tokenizer_config.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["model_max_length"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
}
