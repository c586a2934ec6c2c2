//! Sentiment of the prediction: VADER (Hutto & Gilbert, 2014), exactly as the
//! `vaderSentiment` package 3.3.2 computes it.
//!
//! `sentiment` is VADER's compound score (−1 … +1, higher is better by
//! default); `sentiment_neg`, `sentiment_neu` and `sentiment_pos` are its
//! proportions (`sentiment_neg` lower is better, the others higher; every
//! direction can be turned with `--direction NAME=lower|higher`).
//!
//! The lexicons are the package's own files, shipped unchanged under
//! `vader/` with their MIT licence, and parsed once. Every rule of the
//! package is kept, its quirks included, because a port that "fixes" them is
//! not VADER any more:
//!
//! - words are Python `str.split()` tokens (whitespace includes U+001C–U+001F)
//!   with ASCII punctuation stripped from both ends unless that leaves two
//!   characters or fewer (emoticons survive);
//! - emoji are replaced by their descriptions before anything else, one code
//!   point at a time (sequences with a variation selector never match, as in
//!   the package);
//! - casing follows Python's `str.lower()` and `str.isupper()` (a titlecase
//!   letter makes a word not upper-case);
//! - the "but" rule looks each sentiment up by value (`list.index`), so equal
//!   values before "but" are scaled at their first position — the package's
//!   behaviour, reproduced;
//! - the scores are rounded as the package rounds them (3 decimals for the
//!   proportions, 4 for the compound score).
//!
//! Parity is tested against goldens made by the package
//! (`scripts/goldens/make_vader_goldens.py`).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Direction, Metric, MetricError, Scale};
use crate::load::Row;

const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;

const NEGATE: [&str; 59] = [
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Booster and dampener words ("degree adverbs") and their increments.
fn booster(word: &str) -> Option<f64> {
    Some(match word {
        "absolutely" | "amazingly" | "awfully" | "completely" | "considerable" | "considerably"
        | "decidedly" | "deeply" | "effing" | "enormous" | "enormously" | "entirely"
        | "especially" | "exceptional" | "exceptionally" | "extreme" | "extremely"
        | "fabulously" | "flipping" | "flippin" | "frackin" | "fracking" | "fricking"
        | "frickin" | "frigging" | "friggin" | "fully" | "fuckin" | "fucking" | "fuggin"
        | "fugging" | "greatly" | "hella" | "highly" | "hugely" | "incredible" | "incredibly"
        | "intensely" | "major" | "majorly" | "more" | "most" | "particularly" | "purely"
        | "quite" | "really" | "remarkably" | "so" | "substantially" | "thoroughly" | "total"
        | "totally" | "tremendous" | "tremendously" | "uber" | "unbelievably" | "unusually"
        | "utter" | "utterly" | "very" => B_INCR,
        "almost" | "barely" | "hardly" | "just enough" | "kind of" | "kinda" | "kindof"
        | "kind-of" | "less" | "little" | "marginal" | "marginally" | "occasional"
        | "occasionally" | "partly" | "scarce" | "scarcely" | "slight" | "slightly"
        | "somewhat" | "sort of" | "sorta" | "sortof" | "sort-of" => B_DECR,
        _ => return None,
    })
}

/// Idioms and phrases that contain lexicon words, with their valence.
fn special_case(phrase: &str) -> Option<f64> {
    Some(match phrase {
        "the shit" | "the bomb" | "to die for" => 3.0,
        "bad ass" | "badass" => 1.5,
        "bus stop" => 0.0,
        "yeah right" => -2.0,
        "kiss of death" => -1.5,
        "beating heart" => 3.5,
        _ => return None,
    })
}

/// The package's two lexicons, parsed as the package parses them.
struct Lexicon {
    words: HashMap<String, f64>,
    emojis: HashMap<char, String>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut words = HashMap::new();
        // `make_lex_dict`: each non-empty line, stripped, split on tabs: word, measure.
        for line in include_str!("vader/vader_lexicon.txt")
            .trim_end_matches('\n')
            .split('\n')
        {
            if line.is_empty() {
                continue;
            }
            let mut fields = py_strip(line).split('\t');
            if let (Some(word), Some(measure)) = (fields.next(), fields.next()) {
                if let Ok(x) = measure.parse::<f64>() {
                    words.insert(word.to_string(), x);
                }
            }
        }
        // `make_emoji_dict`; the package looks emoji up one code point at a
        // time, so only single code points can ever match.
        let mut emojis = HashMap::new();
        for line in include_str!("vader/emoji_utf8_lexicon.txt")
            .trim_end_matches('\n')
            .split('\n')
        {
            let mut fields = py_strip(line).split('\t');
            if let (Some(emoji), Some(description)) = (fields.next(), fields.next()) {
                let mut chars = emoji.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emojis.insert(c, description.to_string());
                }
            }
        }
        Lexicon { words, emojis }
    })
}

/// Python's `str.isspace` for one character: Unicode White_Space plus the
/// four information separators U+001C–U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Python's `str.isupper`: at least one cased character, and none lower-case
/// or title-case.
fn py_isupper(word: &str) -> bool {
    let mut cased = false;
    for c in word.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// The title-case letters (general category Lt).
fn is_titlecase(c: char) -> bool {
    matches!(c,
        '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}'
        | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// VADER's scores of one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Polarity {
    /// Proportion of negative valence (3 decimals).
    pub neg: f64,
    /// Proportion of neutral words (3 decimals).
    pub neu: f64,
    /// Proportion of positive valence (3 decimals).
    pub pos: f64,
    /// Normalised sum of valences, −1 … +1 (4 decimals).
    pub compound: f64,
}

/// `SentimentIntensityAnalyzer().polarity_scores(text)`.
pub fn polarity(text: &str) -> Polarity {
    let lex = lexicon();
    // Emoji become their descriptions, separated from the text before them.
    let mut plain = String::with_capacity(text.len());
    let mut prev_space = true;
    for c in text.chars() {
        if let Some(description) = lex.emojis.get(&c) {
            if !prev_space {
                plain.push(' ');
            }
            plain.push_str(description);
            prev_space = false;
        } else {
            plain.push(c);
            prev_space = c == ' ';
        }
    }
    let text = py_strip(&plain);
    let words: Vec<&str> = text
        .split(py_space)
        .filter(|w| !w.is_empty())
        .map(|token| {
            let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
            if stripped.chars().count() <= 2 {
                token
            } else {
                stripped
            }
        })
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let upper: Vec<bool> = words.iter().map(|w| py_isupper(w)).collect();
    let all_caps = upper.iter().filter(|&&u| u).count();
    let cap_diff = 0 < words.len() - all_caps && words.len() - all_caps < words.len();
    let text_ctx = Words {
        lower: &lower,
        upper: &upper,
        cap_diff,
        lex: &lex.words,
    };
    let mut sentiments = Vec::with_capacity(words.len());
    for i in 0..words.len() {
        if booster(&lower[i]).is_some()
            || (lower[i] == "kind" && lower.get(i + 1).is_some_and(|w| w == "of"))
        {
            sentiments.push(0.0);
            continue;
        }
        sentiments.push(text_ctx.valence(i));
    }
    but_check(&lower, &mut sentiments);
    score(&sentiments, text)
}

/// A text's words, as the rules look at them.
struct Words<'a> {
    lower: &'a [String],
    upper: &'a [bool],
    cap_diff: bool,
    lex: &'a HashMap<String, f64>,
}

impl Words<'_> {
    fn known(&self, i: usize) -> bool {
        self.lex.contains_key(&self.lower[i])
    }

    fn is(&self, i: usize, word: &str) -> bool {
        self.lower[i] == word
    }

    /// `sentiment_valence` for word `i`.
    fn valence(&self, i: usize) -> f64 {
        let Some(&base) = self.lex.get(&self.lower[i]) else {
            return 0.0;
        };
        let mut valence = base;
        let n = self.lower.len();
        if self.is(i, "no") && i != n - 1 && self.known(i + 1) {
            valence = 0.0;
        }
        if (i > 0 && self.is(i - 1, "no"))
            || (i > 1 && self.is(i - 2, "no"))
            || (i > 2 && self.is(i - 3, "no") && (self.is(i - 1, "or") || self.is(i - 1, "nor")))
        {
            valence = base * N_SCALAR;
        }
        if self.upper[i] && self.cap_diff {
            if valence > 0.0 {
                valence += C_INCR;
            } else {
                valence -= C_INCR;
            }
        }
        for start in 0..3 {
            if i > start && !self.known(i - (start + 1)) {
                let mut s = self.scalar(i - (start + 1), valence);
                if start == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = self.negation(valence, start, i);
                if start == 2 {
                    valence = self.idioms(valence, i);
                }
            }
        }
        self.least(valence, i)
    }

    /// `scalar_inc_dec`: the boost of a preceding degree word.
    fn scalar(&self, j: usize, valence: f64) -> f64 {
        let Some(mut scalar) = booster(&self.lower[j]) else {
            return 0.0;
        };
        if valence < 0.0 {
            scalar *= -1.0;
        }
        if self.upper[j] && self.cap_diff {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
        scalar
    }

    fn negated(&self, j: usize) -> bool {
        let w = self.lower[j].as_str();
        NEGATE.contains(&w) || w.contains("n't")
    }

    /// `_negation_check`.
    fn negation(&self, valence: f64, start: usize, i: usize) -> f64 {
        match start {
            0 if self.negated(i - 1) => valence * N_SCALAR,
            1 => {
                if self.is(i - 2, "never") && (self.is(i - 1, "so") || self.is(i - 1, "this")) {
                    valence * 1.25
                } else if self.is(i - 2, "without") && self.is(i - 1, "doubt") {
                    valence
                } else if self.negated(i - 2) {
                    valence * N_SCALAR
                } else {
                    valence
                }
            }
            2 => {
                // The package's precedence: (never and (so or this)) or (so or this).
                if (self.is(i - 3, "never") && (self.is(i - 2, "so") || self.is(i - 2, "this")))
                    || (self.is(i - 1, "so") || self.is(i - 1, "this"))
                {
                    valence * 1.25
                } else if self.is(i - 3, "without")
                    && (self.is(i - 2, "doubt") || self.is(i - 1, "doubt"))
                {
                    valence
                } else if self.negated(i - 3) {
                    valence * N_SCALAR
                } else {
                    valence
                }
            }
            _ => valence,
        }
    }

    /// `_special_idioms_check` (only reached with `i > 2`).
    fn idioms(&self, mut valence: f64, i: usize) -> f64 {
        let w = |k: usize| self.lower[k].as_str();
        let onezero = format!("{} {}", w(i - 1), w(i));
        let twoonezero = format!("{} {} {}", w(i - 2), w(i - 1), w(i));
        let twoone = format!("{} {}", w(i - 2), w(i - 1));
        let threetwoone = format!("{} {} {}", w(i - 3), w(i - 2), w(i - 1));
        let threetwo = format!("{} {}", w(i - 3), w(i - 2));
        for seq in [&onezero, &twoonezero, &twoone, &threetwoone, &threetwo] {
            if let Some(v) = special_case(seq) {
                valence = v;
                break;
            }
        }
        let n = self.lower.len();
        if n - 1 > i {
            if let Some(v) = special_case(&format!("{} {}", w(i), w(i + 1))) {
                valence = v;
            }
        }
        if n - 1 > i + 1 {
            if let Some(v) = special_case(&format!("{} {} {}", w(i), w(i + 1), w(i + 2))) {
                valence = v;
            }
        }
        for gram in [&threetwoone, &threetwo, &twoone] {
            if let Some(b) = booster(gram) {
                valence += b;
            }
        }
        valence
    }

    /// `_least_check`.
    fn least(&self, valence: f64, i: usize) -> f64 {
        if i > 1 && !self.known(i - 1) && self.is(i - 1, "least") {
            if !self.is(i - 2, "at") && !self.is(i - 2, "very") {
                return valence * N_SCALAR;
            }
        } else if i > 0 && !self.known(i - 1) && self.is(i - 1, "least") {
            return valence * N_SCALAR;
        }
        valence
    }
}

/// `_but_check`: sentiments before the first "but" halved, after it × 1.5 —
/// each found by value at its first position, as `list.index` finds it.
fn but_check(lower: &[String], sentiments: &mut [f64]) {
    let Some(bi) = lower.iter().position(|w| w == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let s = sentiments[k];
        let Some(si) = sentiments.iter().position(|&x| x == s) else {
            continue;
        };
        if si < bi {
            sentiments[si] = s * 0.5;
        } else if si > bi {
            sentiments[si] = s * 1.5;
        }
    }
}

/// `score_valence`, rounded as the package rounds.
fn score(sentiments: &[f64], text: &str) -> Polarity {
    if sentiments.is_empty() {
        return Polarity {
            neg: 0.0,
            neu: 0.0,
            pos: 0.0,
            compound: 0.0,
        };
    }
    let mut sum: f64 = 0.0;
    for s in sentiments {
        sum += s;
    }
    let marks = text.matches('!').count().min(4);
    let questions = text.matches('?').count();
    let question_amp = match questions {
        0 | 1 => 0.0,
        2 | 3 => questions as f64 * 0.18,
        _ => 0.96,
    };
    let amp = marks as f64 * 0.292 + question_amp;
    if sum > 0.0 {
        sum += amp;
    } else if sum < 0.0 {
        sum -= amp;
    }
    let compound = (sum / (sum * sum + 15.0).sqrt()).clamp(-1.0, 1.0);
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0_f64, 0.0_f64, 0_u32);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += amp;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amp;
    }
    let total = pos_sum + neg_sum.abs() + f64::from(neu_count);
    Polarity {
        neg: round(neg_sum.abs() / total, 3),
        neu: round(f64::from(neu_count) / total, 3),
        pos: round((pos_sum / total).abs(), 3),
        compound: round(compound, 4),
    }
}

/// Python's `round(x, digits)`: the exact value rounded to the nearest
/// decimal (exact ties cannot occur for `digits ≥ 1`), read back.
fn round(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap_or(x)
}

/// Which VADER score a metric reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Compound,
    Neg,
    Neu,
    Pos,
}

/// A VADER score of the prediction, as a metric.
#[derive(Debug, Clone)]
pub struct Sentiment {
    name: &'static str,
    part: Part,
    direction: Direction,
}

/// The metric names of this module and the default direction of each.
pub const NAMES: [(&str, Direction); 4] = [
    ("sentiment", Direction::Higher),
    ("sentiment_neg", Direction::Lower),
    ("sentiment_neu", Direction::Higher),
    ("sentiment_pos", Direction::Higher),
];

/// The sentiment metric `name`, with `direction` when the user set one.
pub fn build(name: &str, direction: Option<Direction>) -> Option<Sentiment> {
    let (name, default) = NAMES.iter().find(|(n, _)| *n == name)?;
    let part = match *name {
        "sentiment" => Part::Compound,
        "sentiment_neg" => Part::Neg,
        "sentiment_neu" => Part::Neu,
        _ => Part::Pos,
    };
    Some(Sentiment {
        name,
        part,
        direction: direction.unwrap_or(*default),
    })
}

impl Metric for Sentiment {
    fn name(&self) -> &str {
        self.name
    }
    fn direction(&self) -> Direction {
        self.direction
    }
    fn scale(&self) -> Scale {
        match self.part {
            // −1 … +1 reads as itself, not as points of a fraction.
            Part::Compound => Scale::Raw,
            _ => Scale::Fraction,
        }
    }
    fn stats(&self, row: &Row, out: &mut [f64]) -> Result<(), MetricError> {
        let p = polarity(&row.prediction);
        out[0] = match self.part {
            Part::Compound => p.compound,
            Part::Neg => p.neg,
            Part::Neu => p.neu,
            Part::Pos => p.pos,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_demo_sentences() {
        // From vaderSentiment 3.3.2's own `__main__` (values printed by the package).
        let p = polarity("VADER is smart, handsome, and funny.");
        assert_eq!(
            (p.neg, p.neu, p.pos, p.compound),
            (0.0, 0.254, 0.746, 0.8316)
        );
        assert_eq!(polarity("Not bad at all").compound, 0.431);
        assert_eq!(polarity("").compound, 0.0);
        assert_eq!(polarity("   \u{1c} ").neu, 0.0);
    }

    #[test]
    fn python_casing_and_spaces() {
        assert!(py_isupper("SUX!") && !py_isupper("123") && !py_isupper("ǅA"));
        assert!(py_space('\u{1f}') && py_space('\u{a0}') && !py_space('x'));
    }

    #[test]
    fn but_scales_by_first_occurrence() {
        let words: Vec<String> = ["a", "b", "but", "c"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        let mut s = [2.0, 2.0, 0.0, 2.0];
        but_check(&words, &mut s);
        // 2.0 (k=0) → position 0 halved to 1.0; k=1: 2.0 first found at 1 → 1.0;
        // k=3: 2.0 now first found at 3 → 3.0.
        assert_eq!(s, [1.0, 1.0, 0.0, 3.0]);
    }
}
