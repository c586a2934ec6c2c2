//! The encoder's forward pass, BERT's and RoBERTa's (the same post-norm
//! transformer; only the position ids differ), for BERTScore's one need: the
//! hidden states of a padded batch after the first N layers.
//!
//! candle-transformers' models build attention from generic tensor ops: a
//! division by √d, a broadcast mask addition and a softmax of five passes, each
//! a walk over batch × heads × length² floats with an allocation of its own,
//! and GELU as one scalar `erf` call per element. On 512-token texts those
//! passes cost as much as the matrix products. Here the products stay candle's
//! (gemm, with its AVX-512 kernels where the CPU has them) and the rest is fused:
//! Q, K and V are one product whose bias is added while splitting the heads;
//! scale, mask and softmax are one pass per row; bias and GELU one pass. The
//! `exp` and `erfc` below are branch-free polynomials the compiler vectorises.
//!
//! The arithmetic is transformers' up to float rounding: the same steps in the
//! same order (scores / √d, then exp(x − max) / Σ, with both divisions as
//! products by the reciprocal; `x · 0.5 · (1 + erf(x / √2))`); the BERTScore
//! goldens (1e-5 against bert-score) check the whole.

use candle_core::{bail, CpuStorage, CustomOp1, Layout, Module, Shape, Tensor};
// candle-nn's loaders, as candle-transformers' models use them: layer_norm
// also reads the `gamma`/`beta` names of older BERT checkpoints.
use candle_nn::{layer_norm, linear, Activation, LayerNorm, Linear, VarBuilder};

/// How position ids are numbered.
#[derive(Debug, Clone, Copy)]
pub enum Positions {
    /// BERT: 0, 1, 2, … over the whole padded row.
    FromZero,
    /// RoBERTa: `pad + 1`, `pad + 2`, … over the tokens that are not `pad`,
    /// which themselves get `pad` (transformers' `create_position_ids_from_input_ids`).
    AfterPad(u32),
}

/// What shapes a model: read from config.json by the caller.
#[derive(Debug, Clone)]
pub struct Dims {
    pub hidden: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub layers: usize,
    pub eps: f64,
    pub activation: Activation,
    pub positions: Positions,
}

struct Layer {
    /// Q, K and V stacked: a (3 · hidden, hidden) weight.
    qkv_weight: Tensor,
    qkv_bias: Vec<f32>,
    out: Linear,
    attention_norm: LayerNorm,
    up_weight: Tensor,
    up_bias: Vec<f32>,
    down: Linear,
    norm: LayerNorm,
}

/// A loaded encoder: embeddings and the layers kept.
pub struct Transformer {
    dims: Dims,
    word: Vec<f32>,
    position: Vec<f32>,
    /// Token type 0's embedding (bert-score's token type ids are all 0).
    token_type: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
}

fn flat(t: Tensor) -> candle_core::Result<Vec<f32>> {
    t.flatten_all()?.to_vec1()
}

impl Transformer {
    /// Loads the weights under `vb` (whose prefix holds `embeddings.` and `encoder.`).
    pub fn load(
        vb: &VarBuilder,
        dims: Dims,
        vocab: usize,
        positions: usize,
    ) -> candle_core::Result<Self> {
        let h = dims.hidden;
        if dims.heads == 0 || h % dims.heads != 0 {
            bail!(
                "hidden_size {h} is not a multiple of num_attention_heads {}",
                dims.heads
            );
        }
        let emb = vb.pp("embeddings");
        let word = flat(emb.get((vocab, h), "word_embeddings.weight")?)?;
        let position = flat(emb.get((positions, h), "position_embeddings.weight")?)?;
        let types = emb.get_unchecked("token_type_embeddings.weight")?;
        let token_type = flat(types.get(0)?)?;
        if token_type.len() != h {
            bail!(
                "token_type_embeddings has rows of {} values, not {h}",
                token_type.len()
            );
        }
        let embedding_norm = layer_norm(h, dims.eps, emb.pp("LayerNorm"))?;
        let layers = (0..dims.layers)
            .map(|i| {
                let vb = vb.pp(format!("encoder.layer.{i}"));
                let attention = vb.pp("attention");
                let own = attention.pp("self");
                let part = |name: &str| -> candle_core::Result<(Tensor, Tensor)> {
                    let p = own.pp(name);
                    Ok((p.get((h, h), "weight")?, p.get(h, "bias")?))
                };
                let (q, qb) = part("query")?;
                let (k, kb) = part("key")?;
                let (v, vb_) = part("value")?;
                let up = vb.pp("intermediate.dense");
                Ok(Layer {
                    qkv_weight: Tensor::cat(&[q, k, v], 0)?,
                    qkv_bias: flat(Tensor::cat(&[qb, kb, vb_], 0)?)?,
                    out: linear(h, h, attention.pp("output.dense"))?,
                    attention_norm: layer_norm(h, dims.eps, attention.pp("output.LayerNorm"))?,
                    up_weight: up.get((dims.intermediate, h), "weight")?,
                    up_bias: flat(up.get(dims.intermediate, "bias")?)?,
                    down: linear(dims.intermediate, h, vb.pp("output.dense"))?,
                    norm: layer_norm(h, dims.eps, vb.pp("output.LayerNorm"))?,
                })
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Transformer {
            dims,
            word,
            position,
            token_type,
            embedding_norm,
            layers,
        })
    }

    /// The size of a hidden state.
    pub fn hidden(&self) -> usize {
        self.dims.hidden
    }

    /// Hidden states (batch × width × hidden, flat) of sentences padded to
    /// `width` tokens; rows past a sentence's end are not meaningful.
    pub fn forward(&self, batch: &[&[u32]], width: usize) -> candle_core::Result<Vec<f32>> {
        let h = self.dims.hidden;
        let n = batch.len();
        let mut x = vec![0f32; n * width * h];
        for (sentence, row) in batch.iter().zip(x.chunks_mut(width * h)) {
            let mut next = 0u32;
            for (t, (&id, out)) in sentence.iter().zip(row.chunks_mut(h)).enumerate() {
                let position = match self.dims.positions {
                    Positions::FromZero => t,
                    Positions::AfterPad(p) if id == p => p as usize,
                    Positions::AfterPad(p) => {
                        next += 1;
                        (p + next) as usize
                    }
                };
                let word = self.row(&self.word, id as usize, "token id")?;
                let pos = self.row(&self.position, position, "position")?;
                for (((o, &w), &ty), &p) in out.iter_mut().zip(word).zip(&self.token_type).zip(pos)
                {
                    *o = (w + ty) + p;
                }
            }
            // Padding rows stay 0: they are masked as keys and cut off as outputs.
        }
        let mut x = self.embedding_norm.forward(&Tensor::from_vec(
            x,
            (n * width, h),
            &candle_core::Device::Cpu,
        )?)?;
        let lens: Vec<usize> = batch.iter().map(|s| s.len()).collect();
        for layer in &self.layers {
            x = self.layer(layer, &x, &lens, width)?;
        }
        flat(x)
    }

    fn row<'a>(&self, table: &'a [f32], i: usize, what: &str) -> candle_core::Result<&'a [f32]> {
        let h = self.dims.hidden;
        match table.get(i * h..(i + 1) * h) {
            Some(row) => Ok(row),
            None => bail!(
                "{what} {i} is past the model's embedding table: are tokenizer.json and model.safetensors from the same model?"
            ),
        }
    }

    /// One encoder layer over `x` (batch · width rows of hidden values).
    fn layer(
        &self,
        layer: &Layer,
        x: &Tensor,
        lens: &[usize],
        width: usize,
    ) -> candle_core::Result<Tensor> {
        let Dims {
            hidden: h, heads, ..
        } = self.dims;
        let n = lens.len();
        let d = h / heads;
        let qkv = x.matmul(&layer.qkv_weight.t()?)?;
        let split = SplitHeads {
            bias: &layer.qkv_bias,
            batch: n,
            width,
            heads,
        }
        .apply(&qkv)?;
        let (q, k, v) = (split.get(0)?, split.get(1)?, split.get(2)?);
        let scores = q.matmul(&k.t()?)?;
        let probs = MaskedSoftmax {
            lens,
            heads,
            scale: (d as f32).sqrt(),
        }
        .apply(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((n * width, h))?;
        let attended = layer
            .attention_norm
            .forward(&(layer.out.forward(&context)? + x)?)?;
        let up = attended.matmul(&layer.up_weight.t()?)?;
        let up = match self.dims.activation {
            Activation::Gelu => BiasGelu {
                bias: &layer.up_bias,
            }
            .apply(&up)?,
            other => other.forward(
                &up.broadcast_add(&Tensor::new(layer.up_bias.as_slice(), up.device())?)?,
            )?,
        };
        layer.norm.forward(&(layer.down.forward(&up)? + attended)?)
    }
}

/// A fused op: one pass over a contiguous f32 tensor's values into a new one.
trait Fused {
    const NAME: &'static str;

    /// The output values and their shape, from the input's values and layout.
    fn run(&self, src: &[f32], layout: &Layout) -> candle_core::Result<(Vec<f32>, Shape)>;

    /// Applies the op to `t` (CPU, f32, contiguous).
    fn apply(&self, t: &Tensor) -> candle_core::Result<Tensor>
    where
        Self: Sized,
    {
        t.apply_op1_no_bwd(&Op(self))
    }
}

/// The candle op of a [`Fused`] one.
struct Op<'a, F>(&'a F);

impl<F: Fused> CustomOp1 for Op<'_, F> {
    fn name(&self) -> &'static str {
        F::NAME
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else {
            bail!("{}: the encoder runs in f32", F::NAME);
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            bail!(
                "{}: the encoder's fused ops take contiguous tensors",
                F::NAME
            );
        };
        let (out, shape) = self.0.run(&data[start..end], layout)?;
        Ok((CpuStorage::F32(out), shape))
    }
}

/// (batch · width, 3 · hidden) plus the bias → (3, batch, heads, width, head size).
struct SplitHeads<'a> {
    bias: &'a [f32],
    batch: usize,
    width: usize,
    heads: usize,
}

impl Fused for SplitHeads<'_> {
    const NAME: &'static str = "split-heads";

    fn run(&self, src: &[f32], _: &Layout) -> candle_core::Result<(Vec<f32>, Shape)> {
        let three_h = self.bias.len();
        let d = three_h / 3 / self.heads;
        let (n, w) = (self.batch, self.width);
        if src.len() != n * w * three_h {
            bail!(
                "split-heads: {} values for {n} × {w} × {three_h}",
                src.len()
            );
        }
        let mut out = vec![0f32; src.len()];
        for (token, row) in src.chunks_exact(three_h).enumerate() {
            let (b, t) = (token / w, token % w);
            for (part, (values, bias)) in row
                .chunks_exact(d)
                .zip(self.bias.chunks_exact(d))
                .enumerate()
            {
                // part = which · heads + head; which is 0 (Q), 1 (K) or 2 (V).
                let (which, head) = (part / self.heads, part % self.heads);
                let at = (((which * n + b) * self.heads + head) * w + t) * d;
                for ((o, &v), &c) in out[at..at + d].iter_mut().zip(values).zip(bias) {
                    *o = v + c;
                }
            }
        }
        Ok((out, Shape::from((3, n, self.heads, w, d))))
    }
}

/// Attention scores (batch, heads, width, width) → probabilities: each row's
/// first `len` scores divided by √d and softmaxed, the padding's left 0 (as
/// transformers' mask of the dtype's minimum leaves them).
struct MaskedSoftmax<'a> {
    lens: &'a [usize],
    heads: usize,
    scale: f32,
}

impl Fused for MaskedSoftmax<'_> {
    const NAME: &'static str = "masked-softmax";

    fn run(&self, src: &[f32], layout: &Layout) -> candle_core::Result<(Vec<f32>, Shape)> {
        let width = layout.dims().last().copied().unwrap_or(0);
        let per_sentence = self.heads * width * width;
        if width == 0 || src.len() != self.lens.len() * per_sentence {
            bail!(
                "masked-softmax: {} scores for {} sentences of width {width}",
                src.len(),
                self.lens.len()
            );
        }
        // Filled row by row (not zeroed first: a 512-token sentence's rows are
        // 12.6 MB a layer).
        let mut out = Vec::with_capacity(src.len());
        for (src, &len) in src.chunks_exact(per_sentence).zip(self.lens) {
            for row in src.chunks_exact(width) {
                softmax(&row[..len], &mut out, self.scale);
                out.resize(out.len() + width - len, 0.0);
            }
        }
        Ok((out, layout.shape().clone()))
    }
}

/// (rows, intermediate) plus the bias → GELU (the erf form).
struct BiasGelu<'a> {
    bias: &'a [f32],
}

impl Fused for BiasGelu<'_> {
    const NAME: &'static str = "bias-gelu";

    fn run(&self, src: &[f32], layout: &Layout) -> candle_core::Result<(Vec<f32>, Shape)> {
        let width = self.bias.len();
        if width == 0 || src.len() % width != 0 {
            bail!("bias-gelu: {} values in rows of {width}", src.len());
        }
        let mut out = Vec::with_capacity(src.len());
        for row in src.chunks_exact(width) {
            out.extend(row.iter().zip(self.bias).map(|(&x, &b)| gelu(x + b)));
        }
        Ok((out, layout.shape().clone()))
    }
}

/// Appends the softmax of `scores / scale` to `out`: exp(x − max) / Σ, as torch
/// computes it, but with the two divisions as products by the reciprocal (one
/// rounding apart).
pub fn softmax(scores: &[f32], out: &mut Vec<f32>, scale: f32) {
    let inverse = 1.0 / scale;
    // x / scale is monotone in x, so the largest scaled score is the largest score scaled.
    let max = fold8(scores, f32::NEG_INFINITY, f32::max) * inverse;
    let start = out.len();
    out.extend(scores.iter().map(|&s| exp(s * inverse - max)));
    let row = &mut out[start..];
    let inverse_sum = 1.0 / fold8(row, 0.0, |a, b| a + b);
    for o in row.iter_mut() {
        *o *= inverse_sum;
    }
}

/// A reduction over eight interleaved lanes (which the compiler keeps in
/// vector registers), then over the lanes and the tail.
fn fold8(xs: &[f32], init: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [init; 8];
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane = f(*lane, x);
        }
    }
    lanes.into_iter().chain(tail.iter().copied()).fold(init, f)
}

/// e^x in f32 (Cephes' `expf`: x = n·ln 2 + r, a degree-6 polynomial in r, 2^n
/// from the exponent bits; within 2 ulp), without branches so that loops over
/// it vectorise. Saturates below −87 (≈ 1.6e-38, where softmax's inputs ≤ 0 end).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    // The integer n, from the low bits of t.
    let k = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = 1.987_569_2e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((k + 127) as u32) << 23)
}

/// erfc(x) (Numerical Recipes' `erfcc`, relative error below 1.2e-7), branch-free.
#[inline(always)]
pub fn erfc(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let p = 0.170_872_77;
    let p = p * t - 0.822_152_23;
    let p = p * t + 1.488_515_9;
    let p = p * t - 1.135_204;
    let p = p * t + 0.278_868_07;
    let p = p * t - 0.186_288_06;
    let p = p * t + 0.096_784_18;
    let p = p * t + 0.374_091_96;
    let p = p * t + 1.000_023_7;
    let p = p * t - 1.265_512_2;
    let e = t * exp(p - z * z);
    if x >= 0.0 {
        e
    } else {
        2.0 - e
    }
}

/// GELU, the erf form: x · 0.5 · (1 + erf(x / √2)), with 1 + erf(z) = 2 − erfc(z).
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    x * 0.5 * (2.0 - erfc(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_two_ulp_where_softmax_uses_it() {
        let mut worst = 0f64;
        for i in 0..=870_000 {
            let x = -(i as f32) * 1e-4;
            let want = f64::from(x).exp();
            let got = f64::from(exp(x));
            worst = worst.max((got - want).abs() / want);
        }
        assert!(worst < 2.5e-7, "relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1000.0) < 2e-38 && exp(-1000.0) >= 0.0);
    }

    #[test]
    fn gelu_matches_the_erf_form() {
        let mut worst = 0f64;
        for i in -100_000..=100_000 {
            let x = i as f64 * 1e-4;
            let want = x * 0.5 * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
            let got = f64::from(gelu(x as f32));
            worst = worst.max((got - want).abs() / (1.0 + want.abs()));
        }
        assert!(worst < 3e-7, "error {worst}");
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_the_order() {
        let scores = [1.0f32, 3.0, -2.0, 0.5, 7.0, 7.0, -40.0, 2.0, 0.0];
        let mut out = vec![0.5];
        softmax(&scores, &mut out, 2.0);
        assert_eq!(out.remove(0), 0.5, "appends");
        let z: f64 = scores.iter().map(|&s| (f64::from(s) / 2.0).exp()).sum();
        for (&s, &p) in scores.iter().zip(&out) {
            let want = (f64::from(s) / 2.0).exp() / z;
            assert!((f64::from(p) - want).abs() < 1e-7, "{p} vs {want}");
        }
    }
}
