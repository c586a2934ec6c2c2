//! Rows from a Python list of dicts, one dict per row (a sample of an example),
//! keyed by field name like a JSONL line: the same `Value`s the JSON reader
//! makes, so `Row::from_fields` applies the same rules and errors.
//!
//! A row's "line" is its 1-based position in the list.

use std::path::Path;

use benchgate::error::{Error, Location};
use benchgate::load::{FieldMap, Row, Value};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// The rows of `list`, read under `label`.
pub fn rows(list: &Bound<'_, PyList>, label: &Path, fields: &FieldMap) -> Result<Vec<Row>, Error> {
    let mut loc = Location::file(label);
    let mut rows = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        loc.line = Some(i + 1);
        let Ok(dict) = item.downcast::<PyDict>() else {
            return Err(Error::input(
                loc,
                format!(
                    "a row must be a dict of field names to values, found {}",
                    type_name(&item)
                ),
            ));
        };
        let mut pairs = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let Ok(key) = key
                .downcast::<PyString>()
                .map(|k| k.to_string_lossy().into_owned())
            else {
                return Err(Error::input(
                    loc,
                    format!("a field name must be a string, found {}", type_name(&key)),
                ));
            };
            pairs.push((key, value_of(&value)));
        }
        rows.push(Row::from_fields(pairs, fields, &loc)?);
    }
    if rows.is_empty() {
        return Err(Error::input(
            Location::file(label),
            "the list holds no rows; an empty result usually means the evaluation run failed",
        ));
    }
    Ok(rows)
}

/// A Python value as the readers see a JSON value: `None` and NaN (pandas'
/// missing value) are null, infinities are out of range like a JSON `1e999`.
fn value_of(v: &Bound<'_, PyAny>) -> Value {
    if v.is_none() {
        return Value::Null;
    }
    if let Ok(b) = v.downcast::<PyBool>() {
        return Value::Bool(b.is_true());
    }
    if let Ok(s) = v.downcast::<PyString>() {
        return match s.to_cow() {
            Ok(s) => Value::Text(s.into()),
            Err(_) => Value::Other("a string that is not valid UTF-8"),
        };
    }
    if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        return number(v.extract::<f64>().ok());
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in v.try_iter().into_iter().flatten() {
            match item.ok().and_then(|i| {
                i.downcast::<PyString>()
                    .ok()
                    .map(|s| s.to_cow().map(|c| c.into_owned()))
            }) {
                Some(Ok(s)) => items.push(s.into()),
                _ => return Value::Other("a list that is not all strings"),
            }
        }
        return Value::TextList(items);
    }
    if v.is_instance_of::<PyDict>() {
        return Value::Other("an object");
    }
    // numpy scalars and other numbers: whatever has `__float__`.
    if v.hasattr("__float__").unwrap_or(false) {
        return number(v.extract::<f64>().ok());
    }
    Value::Other("a value that is not text, a number, a boolean or a list of strings")
}

fn number(x: Option<f64>) -> Value {
    match x {
        Some(x) if x.is_nan() => Value::Null,
        Some(x) if x.is_finite() => Value::Number(x),
        _ => Value::Other("a number out of range"),
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".into())
}
