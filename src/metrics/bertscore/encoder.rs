//! The model side of BERTScore: a Hugging Face model directory loaded with
//! candle (CPU, f32) and its `tokenizer.json` with the tokenizers crate, turning
//! sentences into token ids and L2-normalised hidden states.
//!
//! As bert-score 0.3.13 does: inputs are `strip()`ped, encoded with special
//! tokens and truncated at the tokenizer's `model_max_length` (512 for BERT);
//! token type ids are 0; the hidden states are those after the first N layers
//! (N = 0 gives the embedding layer). A `tokenizer.json` may carry fixed padding
//! and a shorter truncation (sentence-transformers ships 128): both are replaced.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config as BertConfig};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::greedy::Embedding;
use crate::error::{Error, Result};
use crate::metrics::normalize::is_py_space;

/// A loaded model and tokenizer.
pub struct Encoder {
    model: BertModel,
    tokenizer: Tokenizer,
    /// Ids of the [CLS] and [SEP] tokens (weight 0).
    pub specials: (u32, u32),
    pad: u32,
    /// Layers used.
    pub layers: usize,
}

fn model_error(dir: &Path, message: impl std::fmt::Display) -> Error {
    Error::Config(format!("--bertscore-model {}: {message}", dir.display()))
}

impl Encoder {
    /// Loads `dir` (config.json, tokenizer.json, model.safetensors, checked to
    /// exist by the caller), keeping the
    /// first `layers` layers (all when `None`).
    pub fn load(dir: &Path, layers: Option<usize>) -> Result<Encoder> {
        let read = |name: &str| -> Result<String> {
            let path: PathBuf = dir.join(name);
            std::fs::read_to_string(&path).map_err(|cause| Error::Io { path, cause })
        };
        let config_text = read("config.json")?;
        let raw: serde_json::Value = serde_json::from_str(&config_text)
            .map_err(|e| model_error(dir, format!("config.json is not valid JSON: {e}")))?;
        let model_type = raw["model_type"].as_str().unwrap_or("bert");
        if model_type != "bert" {
            return Err(model_error(
                dir,
                format!(
                    "config.json: model_type \"{model_type}\" is not supported; evalgate's BERTScore loads BERT-family models (model_type \"bert\": BERT, MiniLM, …)"
                ),
            ));
        }
        let mut config: BertConfig = serde_json::from_value(raw.clone())
            .map_err(|e| model_error(dir, format!("config.json: {e}")))?;
        let model_layers = config.num_hidden_layers;
        let layers = layers.unwrap_or(model_layers);
        if layers > model_layers {
            return Err(model_error(
                dir,
                format!("--bertscore-layers {layers}: the model has {model_layers} layers; use 0 to {model_layers}"),
            ));
        }
        // Only the first `layers` layers are loaded and run, as bert-score drops the rest.
        config.num_hidden_layers = layers;

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| model_error(dir, format!("tokenizer.json: {e}")))?;
        let max_len = tokenizer_max_len(dir)
            .unwrap_or(usize::MAX)
            .min(config.max_position_embeddings);
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| model_error(dir, format!("tokenizer.json: {e}")))?;
        let special = |names: &[&str]| names.iter().find_map(|n| tokenizer.token_to_id(n));
        let specials = match (special(&["[CLS]", "<s>"]), special(&["[SEP]", "</s>"])) {
            (Some(cls), Some(sep)) => (cls, sep),
            _ => {
                return Err(model_error(
                    dir,
                    "tokenizer.json has no [CLS]/[SEP] (or <s>/</s>) token",
                ))
            }
        };
        let pad = u32::try_from(config.pad_token_id).unwrap_or(0);

        let weights = dir.join("model.safetensors");
        // Read into memory: memory-mapping would need `unsafe`, which the crate forbids.
        let tensors = candle_core::safetensors::load(&weights, &Device::Cpu)
            .map_err(|e| model_error(dir, format!("model.safetensors: {e}")))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let model = BertModel::load(vb, &config).map_err(|e| {
            model_error(
                dir,
                format!(
                    "model.safetensors does not hold the BERT weights config.json describes: {e}"
                ),
            )
        })?;
        Ok(Encoder {
            model,
            tokenizer,
            specials,
            pad,
            layers,
        })
    }

    /// Token ids of each sentence (stripped, with special tokens, truncated).
    pub fn tokenize(&self, sentences: &[&str]) -> Result<Vec<Vec<u32>>> {
        let stripped: Vec<&str> = sentences
            .iter()
            .map(|s| s.trim_matches(is_py_space))
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(stripped, true)
            .map_err(|e| Error::Config(format!("bertscore: cannot tokenize: {e}")))?;
        Ok(encodings
            .into_iter()
            .map(|e| e.get_ids().to_vec())
            .collect())
    }

    /// Normalised hidden states of each sentence of one batch (padded to its
    /// longest sentence; the padding is masked and cut off again).
    pub fn embed(&self, batch: &[&[u32]]) -> Result<Vec<Embedding>> {
        let fail =
            |e: candle_core::Error| Error::Config(format!("bertscore: the model failed: {e}"));
        let width = batch.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * width);
        let mut mask = Vec::with_capacity(batch.len() * width);
        for s in batch {
            ids.extend_from_slice(s);
            ids.extend(std::iter::repeat_n(self.pad, width - s.len()));
            mask.extend(std::iter::repeat_n(1u32, s.len()));
            mask.extend(std::iter::repeat_n(0u32, width - s.len()));
        }
        let shape = (batch.len(), width);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu).map_err(fail)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu).map_err(fail)?;
        let types = ids.zeros_like().map_err(fail)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .and_then(|h| h.to_dtype(DType::F32))
            .map_err(fail)?;
        let dim = hidden.dim(2).map_err(fail)?;
        let flat: Vec<f32> = hidden
            .flatten_all()
            .and_then(|t| t.to_vec1())
            .map_err(fail)?;
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
