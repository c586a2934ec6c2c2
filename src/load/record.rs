//! One record of an input file, whatever its format, turned into a [`Row`].

use crate::error::{Error, Location, Result};

pub use super::text::Text;

/// A field value as the readers see it, before the field map decides its role.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (JSON strings, every CSV cell that is not a number).
    Text(Text),
    /// A finite number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A list of strings (several references).
    TextList(Vec<Text>),
    /// JSON null or an empty CSV cell.
    Null,
    /// Anything else (objects, mixed arrays); described for error messages.
    Other(&'static str),
}

/// Which input field plays which role; each role has candidates tried in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    /// Names of the example id field.
    pub id: Vec<String>,
    /// Names of the model output field.
    pub prediction: Vec<String>,
    /// Names of the reference field (a string or a list of strings).
    pub reference: Vec<String>,
    /// Names of the model input field.
    pub input: Vec<String>,
    /// How to read the file (detected from its name and content by default).
    pub format: InputFormat,
    /// A row without an id is named after its file and line (`logs.jsonl:7`)
    /// instead of being an error: live logs are observations, not examples
    /// to pair (`benchgate monitor`).
    pub line_ids: bool,
    /// A row without a prediction has an empty one instead of being an
    /// error: a benchmark read for its inputs (`monitor --benchmark`).
    pub prediction_optional: bool,
}

/// The file formats `--input-format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    /// From the file name (`.csv`, `.tsv`) and content.
    #[default]
    Auto,
    /// One JSON object per line (benchgate baselines included).
    Jsonl,
    /// A JSON array of objects.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// lm-evaluation-harness `--log_samples` output (`samples_<task>_<time>.jsonl`).
    LmEval,
    /// promptfoo `eval -o results.json` output.
    Promptfoo,
    /// Inspect AI logs: `.eval` archives and `.json` documents.
    Inspect,
    /// DeepEval test runs (`.deepeval/.latest_run_full.json`, …).
    Deepeval,
    /// OpenAI evals run logs (`oaieval` JSONL with a `spec` line).
    OpenaiEvals,
    /// OpenTelemetry GenAI spans as OTLP JSON (the Collector's file
    /// exporter, the SDKs' OTLP JSON encoding).
    Otlp,
}

impl Default for FieldMap {
    fn default() -> Self {
        let v = |names: &[&str]| names.iter().map(|s| (*s).to_string()).collect();
        FieldMap {
            id: v(&["id"]),
            prediction: v(&["prediction", "output"]),
            reference: v(&["reference", "target"]),
            input: v(&["input", "prompt"]),
            format: InputFormat::Auto,
            line_ids: false,
            prediction_optional: false,
        }
    }
}

impl FieldMap {
    fn is_mapped(&self, key: &str) -> bool {
        [&self.id, &self.prediction, &self.reference, &self.input]
            .iter()
            .any(|names| names.iter().any(|n| n == key))
    }
}

/// One row of a result file: one sample of one example.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The example id (numbers are turned into their decimal text).
    pub id: Text,
    /// The model output.
    pub prediction: Text,
    /// Reference outputs; empty when the file has none.
    pub references: Vec<Text>,
    /// The model input, when the file has one.
    pub input: Option<Text>,
    /// Numeric fields other than the mapped ones: external scores.
    pub numbers: Fields<f64>,
    /// Text and boolean fields other than the mapped ones: tags for slices.
    pub tags: Fields<Text>,
    /// 1-based line of the row in its file.
    pub line: usize,
}

impl Row {
    /// A row with only an id, a prediction and references (no input, scores or
    /// tags), as built by callers that score text directly.
    pub fn new(id: impl Into<Text>, prediction: impl Into<Text>, references: Vec<String>) -> Row {
        Row {
            id: id.into(),
            prediction: prediction.into(),
            references: references.into_iter().map(Text::from).collect(),
            input: None,
            numbers: Fields::default(),
            tags: Fields::default(),
            line: 1,
        }
    }

    /// Builds a row from `(key, value)` pairs; `loc` is the row's location.
    /// Keys may be borrowed from the input (`&str`, `Cow<str>`) or owned.
    pub fn from_fields<K: AsRef<str> + Into<Text>>(
        pairs: impl IntoIterator<Item = (K, Value)>,
        fields: &FieldMap,
        loc: &Location,
    ) -> Result<Row> {
        let mut map: Vec<(K, Value)> = pairs.into_iter().collect();
        let mut take = |names: &[String]| -> Option<(K, Value)> {
            let pos = names.iter().find_map(|n| {
                map.iter()
                    .position(|(k, v)| k.as_ref() == n && *v != Value::Null)
            })?;
            Some(map.remove(pos))
        };
        let id = match take(&fields.id) {
            Some((_, Value::Text(s))) if !s.is_empty() => s,
            Some((k, Value::Text(_))) => {
                return Err(Error::input(loc.clone().with_field(k.as_ref()), "the id is empty"))
            }
            Some((_, Value::Number(n))) => format_number(n).into(),
            Some((k, other)) => {
                return Err(Error::input(
                    loc.clone().with_field(k.as_ref()),
                    format!("an id must be a string or a number, found {}", describe(&other)),
                ))
            }
            None if fields.line_ids => {
                let file = loc
                    .path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                format!("{file}:{}", loc.line.unwrap_or(0)).into()
            }
            None => {
                return Err(Error::input(
                    loc.clone().with_field(&fields.id[0]),
                    format!(
                        "the row has no id (looked for {}); every example needs an id to be paired with the baseline; set the field with --id-field or [fields] id in benchgate.toml",
                        quoted(&fields.id)
                    ),
                ))
            }
        };
        let prediction = match take(&fields.prediction) {
            Some((_, Value::Text(s))) => s,
            Some((_, Value::Number(n))) => format_number(n).into(),
            Some((_, Value::Bool(b))) => b.to_string().into(),
            Some((k, other)) => {
                return Err(Error::input(
                    loc.clone().with_field(k.as_ref()),
                    format!("a prediction must be a string, found {}", describe(&other)),
                ))
            }
            None if fields.prediction_optional => Text::from(""),
            None => {
                return Err(Error::input(
                    loc.clone().with_field(&fields.prediction[0]),
                    format!(
                        "the row has no prediction (looked for {}); set the field with --prediction-field or [fields] prediction in benchgate.toml",
                        quoted(&fields.prediction)
                    ),
                ))
            }
        };
        let references = match take(&fields.reference) {
            None => Vec::new(),
            Some((_, Value::Text(s))) => vec![s],
            Some((_, Value::Number(n))) => vec![format_number(n).into()],
            Some((_, Value::Bool(b))) => vec![b.to_string().into()],
            Some((_, Value::TextList(list))) => list,
            Some((k, other)) => {
                return Err(Error::input(
                    loc.clone().with_field(k.as_ref()),
                    format!(
                        "a reference must be a string or a list of strings, found {}",
                        describe(&other)
                    ),
                ))
            }
        };
        let input = match take(&fields.input) {
            Some((_, Value::Text(s))) => Some(s),
            Some((_, Value::Number(n))) => Some(format_number(n).into()),
            _ => None,
        };
        let mut numbers = Vec::new();
        let mut tags = Vec::new();
        for (key, value) in map {
            if fields.is_mapped(key.as_ref()) {
                continue;
            }
            match value {
                Value::Number(n) => numbers.push((key.into(), n)),
                Value::Text(s) => tags.push((key.into(), s)),
                Value::Bool(b) => tags.push((key.into(), b.to_string().into())),
                Value::TextList(_) | Value::Null | Value::Other(_) => {}
            }
        }
        Ok(Row {
            id,
            prediction,
            references,
            input,
            numbers: Fields::from_pairs(numbers),
            tags: Fields::from_pairs(tags),
            line: loc.line.unwrap_or(0),
        })
    }
}

/// Formats a number the way a user would write it as an id or label (`3`, not `3.0`).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Text(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::TextList(_) => "a list of strings",
        Value::Null => "null",
        Value::Other(what) => what,
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A row's extra fields by name, sorted by name: the few numbers and tags of a
/// row in one small allocation instead of a tree (a million rows carry millions
/// of them). The map API the rest of the crate uses: `get`, `insert`, `keys`, `iter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields<V> {
    entries: Vec<(Text, V)>,
}

impl<V> Default for Fields<V> {
    fn default() -> Self {
        Fields {
            entries: Vec::new(),
        }
    }
}

impl<V> Fields<V> {
    /// From pairs in any order; of repeated names the last pair wins, as
    /// repeated inserts would have it.
    pub fn from_pairs(mut entries: Vec<(Text, V)>) -> Self {
        // Stable: equal names keep their order, so the last one is last.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // In place: of a run of equal names the kept slot takes each later pair.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        entries.shrink_to_fit();
        Fields { entries }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.position(key).ok().map(|i| &self.entries[i].1)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: impl Into<Text>, value: V) -> Option<V> {
        let key = key.into();
        match self.position(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                if self.entries.capacity() == self.entries.len() {
                    // Rows have few extra fields: grow one at a time, no slack.
                    self.entries.reserve_exact(1);
                }
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Names in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &Text> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// `(name, value)` pairs in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&Text, &V)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> std::result::Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

impl<K: Into<Text>, V> FromIterator<(K, V)> for Fields<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Fields::from_pairs(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<'a, V> IntoIterator for &'a Fields<V> {
    type Item = (&'a Text, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Text, V)>, fn(&'a (Text, V)) -> (&'a Text, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<V: serde::Serialize> serde::Serialize for Fields<V> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.entries.iter().map(|(k, v)| (k, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sort_by_name_and_keep_the_last_of_a_repeated_name() {
        let fields: Fields<f64> = Fields::from_pairs(vec![
            (Text::from("b"), 1.0),
            (Text::from("a"), 2.0),
            (Text::from("b"), 3.0),
            (Text::from("c"), 4.0),
            (Text::from("b"), 5.0),
            (Text::from("a"), 6.0),
        ]);
        let pairs: Vec<(&str, f64)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(pairs, [("a", 6.0), ("b", 5.0), ("c", 4.0)]);
    }

    #[test]
    fn unmapped_fields_become_scores_and_tags() {
        let pairs = vec![
            ("id", Value::Text("q1".into())),
            ("output", Value::Text("yes".into())),
            ("judge", Value::Number(0.5)),
            ("lang", Value::Text("en".into())),
            ("ok", Value::Bool(true)),
            ("judge", Value::Number(0.75)),
            ("skip", Value::Null),
        ];
        let row = Row::from_fields(pairs, &FieldMap::default(), &Location::file("r.jsonl"))
            .expect("a row");
        assert_eq!((row.id.as_str(), row.prediction.as_str()), ("q1", "yes"));
        assert_eq!(row.numbers.iter().count(), 1);
        assert_eq!(row.numbers.get("judge"), Some(&0.75));
        let tags: Vec<(&str, &str)> = row
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(tags, [("lang", "en"), ("ok", "true")]);
    }
}
