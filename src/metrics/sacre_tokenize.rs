//! sacrebleu 2.6.0's BLEU tokenizers (`sacrebleu/tokenizers/`): `13a` (the
//! default, mteval-v13a), `intl` (mteval-v14 international), `zh`, `char` and
//! `none`.
//!
//! A tokenizer turns a line into tokens, which are what BLEU gets from
//! `tokenizer(line).split()`. The four regular expressions of `13a` and `zh`
//! (`TokenizerRegexp`) only put spaces around single ASCII characters, and
//! Python applies each as leftmost, non-overlapping matches of at most two
//! characters, so which characters end up spaced out depends only on their
//! neighbours: one left-to-right walk finds them, and the tokens are slices of
//! the line, never copied. `intl` uses the `regex` crate's Unicode classes plus
//! the Unicode 17 characters that its tables (Unicode 16) lack and the Python
//! `regex` module 2026.x has.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::normalize::is_py_space;

/// A BLEU tokenizer of sacrebleu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokenizer {
    /// `13a`: mteval-v13a, sacrebleu's default.
    V13a,
    /// `intl`: mteval-v14 international (Unicode punctuation and symbols).
    Intl,
    /// `zh`: every CJK character is a token, the rest as `13a` without its
    /// language-independent part.
    Zh,
    /// `char`: every character is a token.
    Char,
    /// `none`: whitespace splitting only.
    None,
}

impl Tokenizer {
    /// Names users select the tokenizers by, as sacrebleu spells them.
    pub const NAMES: &'static [&'static str] = &["13a", "intl", "zh", "char", "none"];

    /// The tokenizer called `name` (sacrebleu's `--tokenize` value).
    pub fn from_name(name: &str) -> Option<Tokenizer> {
        Some(match name {
            "13a" => Tokenizer::V13a,
            "intl" => Tokenizer::Intl,
            "zh" => Tokenizer::Zh,
            "char" => Tokenizer::Char,
            "none" => Tokenizer::None,
            _ => return None,
        })
    }

    #[cfg(any(test, feature = "internals"))]
    /// The name, as in sacrebleu's signature.
    pub fn name(self) -> &'static str {
        match self {
            Tokenizer::V13a => "13a",
            Tokenizer::Intl => "intl",
            Tokenizer::Zh => "zh",
            Tokenizer::Char => "char",
            Tokenizer::None => "none",
        }
    }

    /// The tokenized line, as sacrebleu's tokenizer returns it for `line`
    /// (which BLEU has already lowercased, if asked, and right-stripped).
    #[cfg(any(test, feature = "internals"))]
    pub fn tokenize(self, line: &str) -> String {
        match self {
            // Not normalised by sacrebleu either.
            Tokenizer::None => line.to_string(),
            Tokenizer::Char => {
                let mut out = String::with_capacity(2 * line.len());
                for (i, c) in line.chars().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push(c);
                }
                out
            }
            _ => {
                let mut spans = Vec::new();
                let text = self.tokens_into(line, &mut spans);
                let mut out = String::with_capacity(line.len() + line.len() / 2);
                for (i, &(a, b)) in spans.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(&text[a..b]);
                }
                out
            }
        }
    }

    /// The tokens of `line`, `tokenizer(line).split()` in sacrebleu, as byte
    /// ranges (written to `spans`, cleared first) of the returned text.
    pub(crate) fn tokens_into<'a>(
        self,
        line: &'a str,
        spans: &mut Vec<(usize, usize)>,
    ) -> Cow<'a, str> {
        spans.clear();
        match self {
            Tokenizer::V13a => {
                let text = v13a_preprocess(line);
                regexp_spans(&text, true, false, spans);
                text
            }
            Tokenizer::Zh => {
                let text = line.trim_matches(is_py_space);
                regexp_spans(text, false, true, spans);
                Cow::Borrowed(text)
            }
            Tokenizer::Intl => {
                let text = intl(line);
                split_spans(&text, spans);
                Cow::Owned(text)
            }
            Tokenizer::Char => {
                spans.extend(
                    line.char_indices()
                        .filter(|&(_, c)| !is_py_space(c))
                        .map(|(i, c)| (i, i + c.len_utf8())),
                );
                Cow::Borrowed(line)
            }
            Tokenizer::None => {
                split_spans(line, spans);
                Cow::Borrowed(line)
            }
        }
    }
}

/// Spans of Python's `str.split()`.
pub(crate) fn split_spans(s: &str, spans: &mut Vec<(usize, usize)>) {
    let mut start = None;
    for (i, c) in s.char_indices() {
        if is_py_space(c) {
            if let Some(a) = start.take() {
                spans.push((a, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(a) = start {
        spans.push((a, s.len()));
    }
}

/// Python's `str.replace`, allocating only when `from` occurs.
fn replace_all(s: &mut String, from: &str, to: &str) {
    if s.contains(from) {
        *s = s.replace(from, to);
    }
}

/// The language-independent part of `Tokenizer13a.__call__`.
fn v13a_preprocess(line: &str) -> Cow<'_, str> {
    if !(line.contains("<skipped>") || line.contains('\n') || line.contains('&')) {
        return Cow::Borrowed(line);
    }
    let mut owned = line.to_string();
    replace_all(&mut owned, "<skipped>", "");
    replace_all(&mut owned, "-\n", "");
    replace_all(&mut owned, "\n", " ");
    if owned.contains('&') {
        replace_all(&mut owned, "&quot;", "\"");
        replace_all(&mut owned, "&amp;", "&");
        replace_all(&mut owned, "&lt;", "<");
        replace_all(&mut owned, "&gt;", ">");
    }
    Cow::Owned(owned)
}

/// sacrebleu's `_UCODE_RANGES` as `TokenizerZh._is_chinese_char` reads them.
/// Python's `'\u20000'` is the two characters U+2000 and `0`, so the intended
/// CJK Extension B range compares as U+2001..=U+2A6D (general punctuation,
/// arrows, symbols…), and `'\u2f800'`–`'\u2fa1d'` as U+2F81..=U+2FA1. The
/// ranges are merged; obtained by running the predicate on every code point.
const ZH_RANGES: &[(u32, u32)] = &[
    (0x2001, 0x2A6D),
    (0x2E80, 0x2FDF),
    (0x2FF0, 0x303F),
    (0x3100, 0x312F),
    (0x31A0, 0x31EF),
    (0x3200, 0x4DB5),
    (0x4E00, 0x9FBB),
    (0xF900, 0xFA2D),
    (0xFA30, 0xFA6A),
    (0xFA70, 0xFAD9),
    (0xFE10, 0xFE1F),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
];

/// `TokenizerZh._is_chinese_char`.
fn is_chinese_char(c: char) -> bool {
    let c = u32::from(c);
    (0x2001..=0xFFEF).contains(&c) && ZH_RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Byte class of an ASCII character for the `TokenizerRegexp` walk: none of
/// the others.
const OTHER: u8 = 0;
/// Python whitespace.
const SPACE: u8 = 1;
/// The first rule's class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`, the space aside.
const RULE1: u8 = 2;
/// `.` and `,`.
const DOT: u8 = 3;
/// `-`.
const DASH: u8 = 4;

const fn ascii_classes() -> [u8; 128] {
    let mut t = [OTHER; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'\t'..=b'\r' | 0x1c..=0x1f | b' ' => SPACE,
            b'.' | b',' => DOT,
            b'-' => DASH,
            b'{'..=b'~' | b'['..=b'`' | b'!'..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/' => RULE1,
            _ => OTHER,
        };
        b += 1;
    }
    t
}

static ASCII_CLASS: [u8; 128] = ascii_classes();

/// Token spans of `TokenizerRegexp.__call__(text).split()`; `padded` when the
/// caller is `13a`, which calls it on `f' {line} '`, and `zh` when every
/// Chinese character is first surrounded by spaces (`TokenizerZh`).
///
/// Python applies four `re.sub` rules in turn; each only adds spaces. As
/// conditions on a character's neighbours in `text` (spaces a rule adds are
/// non-digits, as are the characters they separate, so the digit tests read the
/// same on `text` as on the rewritten string):
/// 1. `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `: those characters.
/// 2. `([^0-9])([\.,])` → `\1 \2 `: a `.` or `,` after a non-digit, unless
///    that non-digit is a `.` or `,` matched by this rule (it was consumed).
/// 3. `([\.,])([^0-9])` → ` \1 \2`: a `.` or `,` before a non-digit (a space
///    rule 2 put after it counts), unless the previous character is a `.` or
///    `,` this rule matched with no space between them (this one was consumed).
/// 4. `([0-9])(-)` → `\1 \2 `: a `-` after a digit.
fn regexp_spans(text: &str, padded: bool, zh: bool, spans: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut start: Option<usize> = None;
    // The previous character, when it is a `.` or `,`: (matched by rule 2,
    // matched by rule 3).
    let mut prev_dot: Option<(bool, bool)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let mut width = 1;
        let class = if b < 0x80 {
            ASCII_CLASS[usize::from(b)]
        } else {
            let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                break; // unreachable: `i` is always a character boundary
            };
            width = c.len_utf8();
            if is_py_space(c) {
                SPACE
            } else if zh && is_chinese_char(c) {
                RULE1
            } else {
                OTHER
            }
        };
        let mut dot = None;
        let single = match class {
            SPACE => {
                if let Some(a) = start.take() {
                    spans.push((a, i));
                }
                prev_dot = None;
                i += width;
                continue;
            }
            DOT => {
                let has_prev = i > 0 || padded;
                let m2 =
                    has_prev && !(i > 0 && digit_at(i - 1)) && !matches!(prev_dot, Some((true, _)));
                let has_next = i + 1 < bytes.len() || padded;
                let next_non_digit = m2 || (has_next && !digit_at(i + 1));
                let consumed = !m2 && matches!(prev_dot, Some((false, true)));
                let m3 = next_non_digit && !consumed;
                dot = Some((m2, m3));
                m2 || m3
            }
            DASH => i > 0 && digit_at(i - 1),
            RULE1 => true,
            _ => false,
        };
        prev_dot = dot;
        if single {
            if let Some(a) = start.take() {
                spans.push((a, i));
            }
            spans.push((i, i + width));
        } else if start.is_none() {
            start = Some(i);
        }
        i += width;
    }
    if let Some(a) = start {
        spans.push((a, text.len()));
    }
}

/// `TokenizerV14International.__call__` up to its whitespace normalisation.
fn intl(line: &str) -> String {
    static RULES: OnceLock<[Regex; 3]> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        // The Python `regex` module (2026.x) has Unicode 17; the regex crate's
        // tables are Unicode 16. These are the Unicode 17 additions to each class.
        const P17: &str = r"\x{10ED0}";
        const S17: &str = r"\x{20C1}\x{2B96}\x{FBC3}-\x{FBD2}\x{FD90}-\x{FD91}\x{FDC8}-\x{FDCE}\x{10ED1}-\x{10ED8}\x{1CCFA}-\x{1CCFC}\x{1CEBA}-\x{1CED0}\x{1CEE0}-\x{1CEF0}\x{1F6D8}\x{1F777}-\x{1F77A}\x{1F8D0}-\x{1F8D8}\x{1FA54}-\x{1FA57}\x{1FA8A}\x{1FA8E}\x{1FAC8}\x{1FACD}\x{1FAEA}\x{1FAEF}\x{1FBFA}";
        const N17: &str = r"\x{11DE0}-\x{11DE9}\x{16FF4}-\x{16FF6}";
        let p = format!(r"[\p{{P}}{P17}]");
        let not_n = format!(r"[^\p{{N}}{N17}]");
        let s = format!(r"[\p{{S}}{S17}]");
        let compile = |pattern: String| Regex::new(&pattern).expect("constant pattern");
        [
            compile(format!("({not_n})({p})")),
            compile(format!("({p})({not_n})")),
            compile(format!("({s})")),
        ]
    });
    let a = rules[0].replace_all(line, "${1} ${2} ");
    let b = rules[1].replace_all(&a, " ${1} ${2}");
    let c = rules[2].replace_all(&b, " ${1} ");
    c.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v13a_examples() {
        let t = Tokenizer::V13a;
        assert_eq!(t.tokenize("Hello, world!"), "Hello , world !");
        assert_eq!(t.tokenize("It costs $1,000.50."), "It costs $ 1,000.50 .");
        assert_eq!(t.tokenize("a..b 1-2 x&amp;lt;y"), "a . . b 1 - 2 x < y");
        assert_eq!(t.tokenize("co-\noperate<skipped>\nnow"), "cooperate now");
        assert_eq!(t.tokenize(""), "");
    }

    #[test]
    fn zh_examples() {
        let t = Tokenizer::Zh;
        assert_eq!(
            t.tokenize("我爱北京。Hello, 2019."),
            "我 爱 北 京 。 Hello , 2019."
        );
        // U+201C is inside the misread Extension B range.
        assert_eq!(t.tokenize("“ok”"), "“ ok ”");
    }

    #[test]
    fn intl_examples() {
        let t = Tokenizer::Intl;
        assert_eq!(t.tokenize("1,000.50 «hi»! €5"), "1,000.50 « hi » ! € 5");
        assert_eq!(t.tokenize("year 2019."), "year 2019.");
    }

    #[test]
    fn char_and_none() {
        assert_eq!(Tokenizer::Char.tokenize("ab c"), "a b   c");
        assert_eq!(Tokenizer::None.tokenize(" a  b "), " a  b ");
    }
}
