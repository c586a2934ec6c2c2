//! [`Text`]: a row's text, most often a slice of the file it was read from.
//!
//! A million-row file has millions of ids, predictions, references, inputs and
//! tag values. Copying each into its own allocation was most of the cost of
//! loading. The JSON Lines reader instead copies each piece of the file it
//! parses (about 1 MiB, one thread's work) once into a shared buffer, and a
//! string without escapes becomes a range of that buffer: no copy, no
//! allocation, one reference count that only that thread touches while it
//! parses. Strings that had escapes, and text from the other readers, are
//! owned buffers of their own.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// Immutable text that behaves like a `&str` (deref, compare, hash, display):
/// either a range of a buffer shared with other texts, or a buffer of its own.
#[derive(Clone)]
pub struct Text {
    buf: Arc<String>,
    start: usize,
    len: usize,
}

impl Text {
    /// A range of `buf` when `text` is a slice of it, else an owned copy.
    pub fn within(buf: &Arc<String>, text: &str) -> Text {
        let start = (text.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
        if start <= buf.len() && text.len() <= buf.len() - start {
            Text {
                buf: Arc::clone(buf),
                start,
                len: text.len(),
            }
        } else {
            Text::from(text)
        }
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        // Ranges are made only from slices of the buffer, so they are in bounds
        // and on character boundaries; `get` keeps that checked.
        self.buf
            .get(self.start..self.start + self.len)
            .unwrap_or_default()
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from("")
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text {
            buf: Arc::new(s.to_owned()),
            start: 0,
            len: s.len(),
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text {
            start: 0,
            len: s.len(),
            buf: Arc::new(s),
        }
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(s: std::borrow::Cow<'_, str>) -> Self {
        Text::from(s.as_ref())
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.as_str())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.as_str().to_owned()
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<Text> for serde_json::Value {
    fn from(t: Text) -> Self {
        serde_json::Value::String(t.into())
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_of_the_buffer_shares_it_and_anything_else_is_copied() {
        let buf = Arc::new(String::from("{\"id\": \"q1\", \"p\": \"ça va\"}"));
        let id = Text::within(&buf, &buf[8..10]);
        let p = Text::within(&buf, &buf[19..25]);
        assert_eq!((id.as_str(), p.as_str()), ("q1", "ça va"));
        assert_eq!(Arc::strong_count(&buf), 3, "both ranges share the buffer");
        let elsewhere = Text::within(&buf, "q1");
        assert_eq!(elsewhere, id);
        assert_eq!(Arc::strong_count(&buf), 3, "a foreign slice is copied");
        let owned = String::from("q1");
        assert!(id < p && id == "q1" && id == *"q1" && id == owned);
        assert_eq!(format!("{id} {p:?}"), "q1 \"ça va\"");
        assert_eq!(String::from(p), "ça va");
    }
}
