//! NLTK's Porter stemmer (`nltk.stem.porter.PorterStemmer`, default
//! `NLTK_EXTENSIONS` mode, nltk 3.10.4), the stemmer rouge-score uses.
//!
//! A rule-for-rule port: the irregular-forms pool, the NLTK-only rules
//! (`ies`/`ied` on four-letter words, the `alli` pre-rule of step 2, `fulli`,
//! `logi` with the `l` kept in the stem, the two-letter `*o` case, step 1c's
//! "preceded by a consonant" condition) and its quirks (a rule whose suffix
//! matches but whose condition fails stops the rule list). Snowball/Porter2
//! stem differently. The algorithm runs on bytes for ASCII words, which is all
//! the ROUGE tokenizer produces, and on `char`s otherwise, as NLTK does on
//! Python code points.

/// One letter of a word: an ASCII byte, or a code point for other words.
trait Letter: Copy + PartialEq {
    fn from_ascii(b: u8) -> Self;
    fn is(self, b: u8) -> bool;
}

impl Letter for u8 {
    fn from_ascii(b: u8) -> Self {
        b
    }
    fn is(self, b: u8) -> bool {
        self == b
    }
}

impl Letter for char {
    fn from_ascii(b: u8) -> Self {
        char::from(b)
    }
    fn is(self, b: u8) -> bool {
        self == char::from(b)
    }
}

/// The pool of irregular forms NLTK checks before any rule.
fn irregular(word: &str) -> Option<&'static str> {
    Some(match word {
        "sky" | "skies" => "sky",
        "dying" => "die",
        "lying" => "lie",
        "tying" => "tie",
        "news" => "news",
        "innings" | "inning" => "inning",
        "outings" | "outing" => "outing",
        "cannings" | "canning" => "canning",
        "howe" => "howe",
        "proceed" => "proceed",
        "exceed" => "exceed",
        "succeed" => "succeed",
        _ => return None,
    })
}

#[cfg(any(test, feature = "internals"))]
/// NLTK's `PorterStemmer().stem(word)`: Python-lowercases `word`, then stems it.
pub fn porter_stem(word: &str) -> String {
    let lower = word.to_lowercase();
    if let Some(stem) = irregular(&lower) {
        return stem.to_string();
    }
    // NLTK tests the length of the word as given, before lowercasing.
    if word.chars().count() <= 2 {
        return lower;
    }
    if lower.is_ascii() {
        let mut w = lower.into_bytes();
        stem_letters(&mut w);
        w.into_iter().map(char::from).collect()
    } else {
        let mut w: Vec<char> = lower.chars().collect();
        stem_letters(&mut w);
        w.into_iter().collect()
    }
}

/// Stems a lowercase ASCII word in place (rouge-score's tokens: `[a-z0-9]+`).
pub(super) fn stem_ascii(word: &mut Vec<u8>) {
    if let Some(stem) = std::str::from_utf8(word).ok().and_then(irregular) {
        word.clear();
        word.extend_from_slice(stem.as_bytes());
        return;
    }
    if word.len() > 2 {
        stem_letters(word);
    }
}

fn stem_letters<T: Letter>(w: &mut Vec<T>) {
    step1a(w);
    step1b(w);
    step1c(w);
    step2(w);
    step3(w);
    step4(w);
    step5a(w);
    step5b(w);
}

fn is_vowel<T: Letter>(c: T) -> bool {
    c.is(b'a') || c.is(b'e') || c.is(b'i') || c.is(b'o') || c.is(b'u')
}

/// Porter's consonant: not a vowel, and a `y` only after a vowel (or first).
fn is_consonant<T: Letter>(w: &[T], mut i: usize) -> bool {
    if is_vowel(w[i]) {
        return false;
    }
    if w[i].is(b'y') {
        let mut negate = false;
        while i > 0 && w[i].is(b'y') {
            negate = !negate;
            i -= 1;
        }
        return !is_vowel(w[i]) ^ negate;
    }
    true
}

/// Consonant flags left to right, each `y` deciding from the previous flag.
fn consonant_flags<T: Letter>(w: &[T]) -> impl Iterator<Item = bool> + '_ {
    let mut prev = false;
    w.iter().enumerate().map(move |(i, &c)| {
        let cons = if is_vowel(c) {
            false
        } else if c.is(b'y') {
            i == 0 || !prev
        } else {
            true
        };
        prev = cons;
        cons
    })
}

/// Porter's measure m: the number of vowel→consonant transitions.
fn measure<T: Letter>(stem: &[T]) -> usize {
    let mut m = 0;
    let mut prev_vowel = false;
    for cons in consonant_flags(stem) {
        if cons && prev_vowel {
            m += 1;
        }
        prev_vowel = !cons;
    }
    m
}

fn contains_vowel<T: Letter>(stem: &[T]) -> bool {
    consonant_flags(stem).any(|cons| !cons)
}

/// Condition `*d`.
fn ends_double_consonant<T: Letter>(w: &[T]) -> bool {
    let n = w.len();
    n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1)
}

/// Condition `*o`, with NLTK's extra two-letter case.
fn ends_cvc<T: Letter>(w: &[T]) -> bool {
    let n = w.len();
    (n >= 3
        && is_consonant(w, n - 3)
        && !is_consonant(w, n - 2)
        && is_consonant(w, n - 1)
        && !(w[n - 1].is(b'w') || w[n - 1].is(b'x') || w[n - 1].is(b'y')))
        || (n == 2 && !is_consonant(w, 0) && is_consonant(w, 1))
}

fn ends_with<T: Letter>(w: &[T], suffix: &str) -> bool {
    let s = suffix.as_bytes();
    w.len() >= s.len() && w[w.len() - s.len()..].iter().zip(s).all(|(&c, &b)| c.is(b))
}

fn replace_end<T: Letter>(w: &mut Vec<T>, cut: usize, replacement: &str) {
    w.truncate(w.len() - cut);
    w.extend(replacement.bytes().map(T::from_ascii));
}

/// NLTK's `_apply_rule_list`: the first rule whose suffix matches decides;
/// `cond(word, stem_len, suffix)` says whether it applies.
fn apply_rules<T: Letter>(
    w: &mut Vec<T>,
    rules: &[(&str, &str)],
    cond: impl Fn(&[T], usize, &str) -> bool,
) {
    for &(suffix, replacement) in rules {
        if ends_with(w, suffix) {
            if cond(w, w.len() - suffix.len(), suffix) {
                replace_end(w, suffix.len(), replacement);
            }
            return;
        }
    }
}

fn step1a<T: Letter>(w: &mut Vec<T>) {
    if ends_with(w, "ies") && w.len() == 4 {
        replace_end(w, 3, "ie");
        return;
    }
    apply_rules(
        w,
        &[("sses", "ss"), ("ies", "i"), ("ss", "ss"), ("s", "")],
        |_, _, _| true,
    );
}

fn step1b<T: Letter>(w: &mut Vec<T>) {
    if ends_with(w, "ied") {
        let replacement = if w.len() == 4 { "ie" } else { "i" };
        replace_end(w, 3, replacement);
        return;
    }
    if ends_with(w, "eed") {
        if measure(&w[..w.len() - 3]) > 0 {
            w.truncate(w.len() - 1);
        }
        return;
    }
    let Some(cut) = ["ed", "ing"]
        .iter()
        .find(|s| ends_with(w, s) && contains_vowel(&w[..w.len() - s.len()]))
        .map(|s| s.len())
    else {
        return;
    };
    w.truncate(w.len() - cut);
    if ends_with(w, "at") || ends_with(w, "bl") || ends_with(w, "iz") {
        w.push(T::from_ascii(b'e'));
    } else if ends_double_consonant(w) {
        let last = w[w.len() - 1];
        if !(last.is(b'l') || last.is(b's') || last.is(b'z')) {
            w.pop();
        }
    } else if measure(w) == 1 && ends_cvc(w) {
        w.push(T::from_ascii(b'e'));
    }
}

fn step1c<T: Letter>(w: &mut Vec<T>) {
    apply_rules(w, &[("y", "i")], |w, stem, _| {
        stem > 1 && is_consonant(w, stem - 1)
    });
}

fn step2<T: Letter>(w: &mut Vec<T>) {
    // NLTK applies ALLI -> AL first and, when it fires, runs step 2 again
    // (on a word that now ends in `al`, so the pre-rule cannot fire twice).
    if ends_with(w, "alli") && measure(&w[..w.len() - 4]) > 0 {
        replace_end(w, 4, "al");
    }
    apply_rules(
        w,
        &[
            ("ational", "ate"),
            ("tional", "tion"),
            ("enci", "ence"),
            ("anci", "ance"),
            ("izer", "ize"),
            ("bli", "ble"),
            ("alli", "al"),
            ("entli", "ent"),
            ("eli", "e"),
            ("ousli", "ous"),
            ("ization", "ize"),
            ("ation", "ate"),
            ("ator", "ate"),
            ("alism", "al"),
            ("iveness", "ive"),
            ("fulness", "ful"),
            ("ousness", "ous"),
            ("aliti", "al"),
            ("iviti", "ive"),
            ("biliti", "ble"),
            ("fulli", "ful"),
            ("logi", "log"),
        ],
        |w, stem, suffix| {
            // The `l` of `logi` counts as part of the stem.
            let stem = if suffix == "logi" { stem + 1 } else { stem };
            measure(&w[..stem]) > 0
        },
    );
}

fn step3<T: Letter>(w: &mut Vec<T>) {
    apply_rules(
        w,
        &[
            ("icate", "ic"),
            ("ative", ""),
            ("alize", "al"),
            ("iciti", "ic"),
            ("ical", "ic"),
            ("ful", ""),
            ("ness", ""),
        ],
        |w, stem, _| measure(&w[..stem]) > 0,
    );
}

fn step4<T: Letter>(w: &mut Vec<T>) {
    apply_rules(
        w,
        &[
            ("al", ""),
            ("ance", ""),
            ("ence", ""),
            ("er", ""),
            ("ic", ""),
            ("able", ""),
            ("ible", ""),
            ("ant", ""),
            ("ement", ""),
            ("ment", ""),
            ("ent", ""),
            ("ion", ""),
            ("ou", ""),
            ("ism", ""),
            ("ate", ""),
            ("iti", ""),
            ("ous", ""),
            ("ive", ""),
            ("ize", ""),
        ],
        |w, stem, suffix| {
            measure(&w[..stem]) > 1
                && (suffix != "ion" || w[stem - 1].is(b's') || w[stem - 1].is(b't'))
        },
    );
}

fn step5a<T: Letter>(w: &mut Vec<T>) {
    if ends_with(w, "e") {
        let stem = &w[..w.len() - 1];
        let m = measure(stem);
        if m > 1 || (m == 1 && !ends_cvc(stem)) {
            w.pop();
        }
    }
}

fn step5b<T: Letter>(w: &mut Vec<T>) {
    if ends_with(w, "ll") && measure(&w[..w.len() - 1]) > 1 {
        w.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::porter_stem;

    #[test]
    fn nltk_examples() {
        for (word, stem) in [
            ("caresses", "caress"),
            ("ponies", "poni"),
            ("dies", "die"),
            ("dying", "die"),
            ("skies", "sky"),
            ("agreed", "agre"),
            ("feed", "feed"),
            ("generously", "gener"),
            ("happy", "happi"),
            ("enjoy", "enjoy"),
            ("hopping", "hop"),
            ("filing", "file"),
            ("relational", "relat"),
            ("controll", "control"),
            ("geology", "geolog"),
            ("hopefully", "hope"),
            ("Running", "run"),
            ("yyyy", "yyyi"),
            ("a", "a"),
        ] {
            assert_eq!(porter_stem(word), stem, "{word}");
        }
    }
}
