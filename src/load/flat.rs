//! The fast path of the JSON Lines reader: one flat object per line.
//!
//! Nearly every line of a large results file is an object of plain strings,
//! numbers, booleans, nulls and lists of strings. [`flat_object`] reads such a
//! line in one pass, finding string ends with SIMD (`memchr`) and building the
//! same fields serde_json would. Anything else — an escape sequence, a nested
//! object, a list holding a non-string, a tab between tokens, a number out of
//! range, malformed JSON — makes it return `None`, and the caller parses the
//! line with serde_json, which gives the value or the error message. So the
//! fast path decides nothing on its own: it either agrees with serde_json (a
//! property test checks it on random lines) or steps aside.

use std::sync::Arc;

use super::record::{Text, Value};

/// Most distinct keys a line may have on the fast path (a linear search finds
/// a repeated key; the full reader indexes longer lines).
const MAX_KEYS: usize = 32;

/// The fields of `line`, a slice of `buf`, in first-seen key order (a
/// repeated key keeps its last value), or `None` when serde_json must read it.
/// `key` makes each key, borrowed from the line, into the caller's key type.
pub(super) fn flat_object<'a, K: AsRef<str>>(
    buf: &Arc<String>,
    line: &'a str,
    key: impl Fn(&'a str) -> K,
) -> Option<Vec<(K, Value)>> {
    let bytes = line.as_bytes();
    // JSON strings may not hold control characters, and tabs or carriage
    // returns between tokens are rare: either sends the line to serde_json.
    if has_control(bytes) {
        return None;
    }
    let mut at = Cursor { line, i: 0 };
    at.spaces();
    at.eat(b'{')?;
    at.spaces();
    let mut pairs: Vec<(K, Value)> = Vec::with_capacity(8);
    if at.peek() == Some(b'}') {
        at.i += 1;
    } else {
        loop {
            let name = at.string()?;
            at.spaces();
            at.eat(b':')?;
            at.spaces();
            let value = at.value(buf)?;
            match pairs.iter().position(|(k, _)| k.as_ref() == name) {
                Some(i) => pairs[i].1 = value,
                None if pairs.len() < MAX_KEYS => pairs.push((key(name), value)),
                None => return None,
            }
            at.spaces();
            match at.next()? {
                b',' => at.spaces(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    at.spaces();
    (at.i == bytes.len()).then_some(pairs)
}

/// Whether any byte is below 0x20, eight bytes at a time.
fn has_control(bytes: &[u8]) -> bool {
    const LOW: u64 = 0x2020_2020_2020_2020;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    // A byte b < 0x20 (its high bit clear) borrows when 0x20 is subtracted.
    let found = words.by_ref().any(|w| {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        w.wrapping_sub(LOW) & !w & HIGH != 0
    });
    found || words.remainder().iter().any(|&b| b < 0x20)
}

/// A position in a line.
struct Cursor<'a> {
    line: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.line.as_bytes().get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    /// A string without escapes, borrowed from the line.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let end = start + memchr::memchr2(b'"', b'\\', &self.line.as_bytes()[start..])?;
        if self.line.as_bytes()[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        // Both ends are ASCII quotes, so the slice is on character boundaries.
        self.line.get(start..end)
    }

    fn literal(&mut self, word: &str, value: Value) -> Option<Value> {
        let rest = self.line.get(self.i..)?;
        rest.starts_with(word).then(|| {
            self.i += word.len();
            value
        })
    }

    fn value(&mut self, buf: &Arc<String>) -> Option<Value> {
        match self.peek()? {
            b'"' => Some(Value::Text(Text::within(buf, self.string()?))),
            b'[' => {
                self.i += 1;
                self.spaces();
                let mut items = Vec::new();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Some(Value::TextList(items));
                }
                loop {
                    if self.peek() != Some(b'"') {
                        return None;
                    }
                    items.push(Text::within(buf, self.string()?));
                    self.spaces();
                    match self.next()? {
                        b',' => self.spaces(),
                        b']' => return Some(Value::TextList(items)),
                        _ => return None,
                    }
                }
            }
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A number in JSON's grammar, valued as serde_json values it: integers
    /// through u64 (negatives: the magnitude, negated, so `-0` is -0.0), the
    /// rest correctly rounded; out of range steps aside.
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        let text = self.line.get(start..self.i)?;
        let magnitude = text.strip_prefix('-').unwrap_or(text);
        let x = match magnitude.parse::<u64>() {
            Ok(m) if integer && negative => -(m as f64),
            Ok(m) if integer => m as f64,
            _ => text.parse::<f64>().ok()?,
        };
        x.is_finite().then_some(Value::Number(x))
    }
}
