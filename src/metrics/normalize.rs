//! Text normalisation shared by the metrics, matching Python's semantics where the
//! reference implementations are written in Python.

/// Python's `string.punctuation`.
pub const ASCII_PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Python's `str.isspace()`: Unicode White_Space plus the separators U+001C–U+001F.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.split()` with no argument.
pub fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_py_space).filter(|t| !t.is_empty())
}

/// Python's `str.lower()` (full Unicode lowercase mapping).
pub fn py_lower(s: &str) -> String {
    s.to_lowercase()
}

/// Removes every character of `string.punctuation` (exactly Rust's ASCII
/// punctuation class, which a test below checks).
pub fn strip_ascii_punctuation(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().filter(|c| !c.is_ascii_punctuation()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_punctuation_is_pythons_string_punctuation() {
        let rust: String = (0u8..128)
            .map(char::from)
            .filter(char::is_ascii_punctuation)
            .collect();
        assert_eq!(rust, ASCII_PUNCTUATION);
    }
}
