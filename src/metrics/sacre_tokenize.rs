//! sacrebleu 2.6.0's BLEU tokenizers (`sacrebleu/tokenizers/`): `13a` (the
//! default, mteval-v13a), `intl` (mteval-v14 international), `zh`, `char` and
//! `none`.
//!
//! Each tokenizer writes the tokenized line; BLEU then splits it with Python's
//! `str.split()`. The regular expressions of `13a` and `zh` are fixed two-character
//! patterns, so they are written as byte scans that reproduce Python's `re.sub`
//! (leftmost, non-overlapping matches) exactly; `intl` uses the `regex` crate's
//! Unicode classes plus the Unicode 17 characters its tables (Unicode 16) lack and
//! the Python `regex` module 2026.x has.

use std::sync::OnceLock;

use regex::Regex;

use super::normalize::{is_py_space, py_split};

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
    pub fn tokenize(self, line: &str) -> String {
        let mut out = String::new();
        let mut scratch = Vec::new();
        self.tokenize_into(line, &mut out, &mut scratch);
        out
    }

    /// [`Tokenizer::tokenize`] into `out`, with `scratch` as working space.
    pub(crate) fn tokenize_into(self, line: &str, out: &mut String, scratch: &mut Vec<u8>) {
        out.clear();
        match self {
            Tokenizer::V13a => v13a(line, out, scratch),
            Tokenizer::Intl => intl(line, out),
            Tokenizer::Zh => zh(line, out, scratch),
            Tokenizer::Char => {
                for (i, c) in line.chars().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push(c);
                }
            }
            Tokenizer::None => out.push_str(line),
        }
    }
}

/// Python's `str.replace`, allocating only when `from` occurs.
fn replace_all(s: &mut String, from: &str, to: &str) {
    if s.contains(from) {
        *s = s.replace(from, to);
    }
}

/// `Tokenizer13a.__call__`.
fn v13a(line: &str, out: &mut String, scratch: &mut Vec<u8>) {
    let mut owned;
    let mut line = line;
    if line.contains("<skipped>") || line.contains('\n') || line.contains('&') {
        owned = line.to_string();
        replace_all(&mut owned, "<skipped>", "");
        replace_all(&mut owned, "-\n", "");
        replace_all(&mut owned, "\n", " ");
        if owned.contains('&') {
            replace_all(&mut owned, "&quot;", "\"");
            replace_all(&mut owned, "&amp;", "&");
            replace_all(&mut owned, "&lt;", "<");
            replace_all(&mut owned, "&gt;", ">");
        }
        line = &owned;
    }
    scratch.clear();
    scratch.push(b' ');
    scratch.extend_from_slice(line.as_bytes());
    scratch.push(b' ');
    regexp_post(scratch, out);
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

fn is_chinese_char(c: char) -> bool {
    let c = u32::from(c);
    c >= 0x2001
        && c <= 0xFFEF
        && ZH_RANGES.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

/// `TokenizerZh.__call__`.
fn zh(line: &str, out: &mut String, scratch: &mut Vec<u8>) {
    let line = line.trim_matches(is_py_space);
    scratch.clear();
    let mut buf = [0u8; 4];
    for c in line.chars() {
        if is_chinese_char(c) {
            scratch.push(b' ');
            scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            scratch.push(b' ');
        } else {
            scratch.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    regexp_post(scratch, out);
}

/// The first rule of `TokenizerRegexp`: `([\{-\~\[-\` -\&\(-\+\:-\@\/])` → ` \1 `.
fn is_rule1(b: u8) -> bool {
    matches!(b, b'{'..=b'~' | b'['..=b'`' | b' '..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/')
}

/// One pass of a two-character rule, as `re.sub` applies it: at each position
/// the pair `(a, b)` either matches (both characters are consumed and replaced
/// by `a b ` or ` a b`) or the first character is copied. Working on UTF-8 bytes
/// gives the same result as on characters, since every pattern character that
/// can start or end a match is ASCII and `[^0-9]` matches any byte of a
/// multi-byte character.
fn pair_pass(
    src: &[u8],
    dst: &mut Vec<u8>,
    first: impl Fn(u8) -> bool,
    second: impl Fn(u8) -> bool,
    space_before: bool,
) {
    dst.clear();
    dst.reserve(src.len() + src.len() / 4);
    let mut i = 0;
    while i < src.len() {
        let a = src[i];
        if i + 1 < src.len() && first(a) && second(src[i + 1]) {
            if space_before {
                dst.extend_from_slice(&[b' ', a, b' ', src[i + 1]]);
            } else {
                dst.extend_from_slice(&[a, b' ', src[i + 1], b' ']);
            }
            i += 2;
        } else {
            dst.push(a);
            i += 1;
        }
    }
}

/// `TokenizerRegexp.__call__` on `line` (UTF-8 bytes, clobbered), then
/// `' '.join(line.split())` into `out`.
fn regexp_post(line: &mut Vec<u8>, out: &mut String) {
    let mut a = Vec::with_capacity(line.len() * 2);
    for &b in line.iter() {
        if is_rule1(b) {
            a.extend_from_slice(&[b' ', b, b' ']);
        } else {
            a.push(b);
        }
    }
    let dot = |b: u8| b == b'.' || b == b',';
    let digit = |b: u8| b.is_ascii_digit();
    // `([^0-9])([\.,])` → `\1 \2 `
    pair_pass(&a, line, |b| !digit(b), dot, false);
    // `([\.,])([^0-9])` → ` \1 \2`
    pair_pass(line, &mut a, dot, |b| !digit(b), true);
    // `([0-9])(-)` → `\1 \2 `
    pair_pass(&a, line, digit, |b| b == b'-', false);
    match std::str::from_utf8(line) {
        Ok(s) => join_split(s, out),
        // Unreachable: only ASCII spaces were inserted next to ASCII characters.
        Err(_) => join_split(&String::from_utf8_lossy(line), out),
    }
}

/// Python's `' '.join(s.split())`, appended to `out`.
fn join_split(s: &str, out: &mut String) {
    for (i, t) in py_split(s).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(t);
    }
}

/// `TokenizerV14International.__call__`.
fn intl(line: &str, out: &mut String) {
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
    join_split(&c, out);
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
        assert_eq!(t.tokenize("我爱北京。Hello, 2019."), "我 爱 北 京 。 Hello , 2019.");
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
