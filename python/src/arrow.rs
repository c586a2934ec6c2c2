//! Rows from Arrow data: whatever exports the Arrow C stream interface
//! (`__arrow_c_stream__`: pyarrow tables, polars DataFrames, pandas DataFrames
//! through pyarrow), one row per example or sample, columns named like the
//! fields of a JSONL line.
//!
//! No Python object is made or read per cell: the columns are read in place,
//! numbers straight from their buffers, and each stretch of a text column is
//! copied once into one shared buffer whose ranges become the rows' texts, as
//! the JSONL reader does with its pieces of a file (see `benchgate::load::Text`).
//! Stretches of rows are read in parallel. A row's "line" is its 1-based
//! position in the data.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch, RecordBatchReader};
use arrow_schema::DataType;
use benchgate::error::{Error, Location};
use benchgate::load::{FieldMap, Row, Text, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rayon::prelude::*;

/// Rows per stretch read by one thread.
const STRETCH: usize = 16 * 1024;

/// An Arrow stream taken over from a Python object.
pub struct Stream(ArrowArrayStreamReader);

impl Stream {
    /// Asks `data` for its stream (`__arrow_c_stream__()`) and takes it over.
    pub fn take(data: &Bound<'_, PyAny>) -> PyResult<Stream> {
        let capsule = data.call_method0("__arrow_c_stream__")?;
        let capsule = capsule.downcast::<PyCapsule>()?;
        if capsule.name()? != Some(c"arrow_array_stream") {
            return Err(PyTypeError::new_err(
                "__arrow_c_stream__() did not return an \"arrow_array_stream\" capsule",
            ));
        }
        let raw = capsule.pointer().cast::<FFI_ArrowArrayStream>();
        // SAFETY: a capsule named "arrow_array_stream" holds an
        // ArrowArrayStream (the Arrow PyCapsule interface), alive while the
        // capsule is. `from_raw` moves the stream out and leaves a released
        // one behind, so the capsule's destructor releases nothing twice.
        #[allow(unsafe_code)]
        let stream = unsafe { FFI_ArrowArrayStream::from_raw(raw) };
        ArrowArrayStreamReader::try_new(stream)
            .map(Stream)
            .map_err(|e| PyTypeError::new_err(format!("cannot read the Arrow stream: {e}")))
    }

    /// Reads every batch into rows named `label` in messages.
    pub fn rows(self, label: &Path, fields: &FieldMap) -> Result<Vec<Row>, Error> {
        let schema = self.0.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let batches: Vec<RecordBatch> = self.0.collect::<Result<_, _>>().map_err(|e| {
            Error::input(
                Location::file(label),
                format!("cannot read the Arrow data: {e}"),
            )
        })?;
        // (batch, rows, line of its first row)
        let mut work = Vec::new();
        let mut line = 1;
        for (b, batch) in batches.iter().enumerate() {
            let n = batch.num_rows();
            for start in (0..n).step_by(STRETCH) {
                work.push((b, start..(start + STRETCH).min(n), line + start));
            }
            line += n;
        }
        let parts: Vec<Result<Vec<Row>, Error>> = work
            .into_par_iter()
            .map(|(b, range, first)| stretch(&batches[b], &names, range, first, label, fields))
            .collect();
        let mut rows = Vec::with_capacity(line - 1);
        // The first bad row in data order, as a sequential reader would report.
        for part in parts {
            rows.extend(part?);
        }
        if rows.is_empty() {
            return Err(Error::input(
                Location::file(label),
                "the data holds no rows; an empty result usually means the evaluation run failed",
            ));
        }
        Ok(rows)
    }
}

/// The rows `range` of `batch`, the first at `first_line`.
fn stretch(
    batch: &RecordBatch,
    names: &[&str],
    range: Range<usize>,
    first_line: usize,
    label: &Path,
    fields: &FieldMap,
) -> Result<Vec<Row>, Error> {
    let columns: Vec<Column<'_>> = batch
        .columns()
        .iter()
        .map(|a| Column::new(a.as_ref(), range.clone()))
        .collect();
    // This thread's own keys: their reference counts stay on this core.
    let keys: Vec<Text> = names.iter().map(|&n| Text::from(n)).collect();
    let mut loc = Location::file(label);
    let mut rows = Vec::with_capacity(range.len());
    for (k, i) in range.enumerate() {
        loc.line = Some(first_line + k);
        let pairs = keys
            .iter()
            .zip(&columns)
            .map(|(key, column)| (key.clone(), column.value(i)));
        rows.push(Row::from_fields(pairs, fields, &loc)?);
    }
    Ok(rows)
}

/// One column over a stretch of rows, ready to give each row's value.
struct Column<'a> {
    array: &'a dyn Array,
    cells: Cells<'a>,
}

enum Cells<'a> {
    /// Texts: the stretch's strings copied into one buffer, and each row's
    /// range of it (rows from `start`).
    Text {
        buf: Arc<String>,
        spans: Vec<Option<Range<usize>>>,
        start: usize,
    },
    Number(Box<dyn Fn(usize) -> f64 + 'a>),
    Bool,
    TextList,
    Null,
    Unsupported,
}

impl<'a> Column<'a> {
    fn new(array: &'a dyn Array, range: Range<usize>) -> Column<'a> {
        let cells = match array.data_type() {
            DataType::Null => Cells::Null,
            DataType::Boolean => Cells::Bool,
            DataType::Int8 => number::<Int8Type>(array),
            DataType::Int16 => number::<Int16Type>(array),
            DataType::Int32 => number::<Int32Type>(array),
            DataType::Int64 => number::<Int64Type>(array),
            DataType::UInt8 => number::<UInt8Type>(array),
            DataType::UInt16 => number::<UInt16Type>(array),
            DataType::UInt32 => number::<UInt32Type>(array),
            DataType::UInt64 => number::<UInt64Type>(array),
            DataType::Float32 => number::<Float32Type>(array),
            DataType::Float64 => number::<Float64Type>(array),
            DataType::List(_) | DataType::LargeList(_) => Cells::TextList,
            _ if is_text(array) => {
                let mut buf = String::new();
                let mut spans = Vec::with_capacity(range.len());
                for i in range.clone() {
                    spans.push(text_at(array, i).map(|s| {
                        let from = buf.len();
                        buf.push_str(s);
                        from..buf.len()
                    }));
                }
                Cells::Text {
                    buf: Arc::new(buf),
                    spans,
                    start: range.start,
                }
            }
            _ => Cells::Unsupported,
        };
        Column { array, cells }
    }

    fn value(&self, i: usize) -> Value {
        if self.array.is_null(i) {
            return Value::Null;
        }
        match &self.cells {
            Cells::Text { buf, spans, start } => match &spans[i - start] {
                // A dictionary's null value is a null cell too.
                None => Value::Null,
                Some(span) => Value::Text(Text::within(buf, buf.get(span.clone()).unwrap_or_default())),
            },
            Cells::Number(get) => {
                let x = get(i);
                if x.is_nan() {
                    // pandas' missing value.
                    Value::Null
                } else if x.is_finite() {
                    Value::Number(x)
                } else {
                    Value::Other("a number out of range")
                }
            }
            Cells::Bool => Value::Bool(self.array.as_boolean().value(i)),
            Cells::TextList => text_list(self.array, i),
            Cells::Null => Value::Null,
            Cells::Unsupported => Value::Other(
                "a value of an Arrow type benchgate does not read (it reads text, numbers, booleans and lists of text)",
            ),
        }
    }
}

fn number<T>(array: &dyn Array) -> Cells<'_>
where
    T: arrow_array::ArrowPrimitiveType,
    T::Native: num_cast::AsF64,
{
    let values = array.as_primitive::<T>();
    Cells::Number(Box::new(move |i| num_cast::AsF64::as_f64(values.value(i))))
}

/// Lossy conversion of every Arrow number to `f64`, as JSON numbers are read.
mod num_cast {
    /// `self as f64`.
    pub trait AsF64: Copy {
        fn as_f64(self) -> f64;
    }
    macro_rules! as_f64 {
        ($($t:ty),*) => {$(
            impl AsF64 for $t {
                #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
                fn as_f64(self) -> f64 {
                    self as f64
                }
            }
        )*};
    }
    as_f64!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
}

/// Whether `array` holds text: strings of any layout, or a dictionary of them
/// (pandas' categoricals).
fn is_text(array: &dyn Array) -> bool {
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => {
            matches!(
                values.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
        }
        _ => false,
    }
}

/// The text at row `i` of a text array (None: null).
fn text_at(array: &dyn Array, i: usize) -> Option<&str> {
    if array.is_null(i) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(i)),
        DataType::Utf8View => Some(array.as_string_view().value(i)),
        DataType::Dictionary(_, _) => {
            let dict = array.as_any_dictionary_opt()?;
            let key = key_at(dict.keys(), i)?;
            let values = dict.values().as_ref();
            (key < values.len()).then(|| text_at(values, key)).flatten()
        }
        _ => None,
    }
}

/// A dictionary key as an index.
fn key_at(keys: &dyn Array, i: usize) -> Option<usize> {
    macro_rules! key {
        ($t:ty) => {
            usize::try_from(keys.as_primitive::<$t>().value(i)).ok()
        };
    }
    match keys.data_type() {
        DataType::Int8 => key!(Int8Type),
        DataType::Int16 => key!(Int16Type),
        DataType::Int32 => key!(Int32Type),
        DataType::Int64 => key!(Int64Type),
        DataType::UInt8 => key!(UInt8Type),
        DataType::UInt16 => key!(UInt16Type),
        DataType::UInt32 => key!(UInt32Type),
        DataType::UInt64 => key!(UInt64Type),
        _ => None,
    }
}

/// A list cell: several references, all text.
fn text_list(array: &dyn Array, i: usize) -> Value {
    let items = match array.data_type() {
        DataType::List(_) => array.as_list::<i32>().value(i),
        DataType::LargeList(_) => array.as_list::<i64>().value(i),
        _ => return Value::Other("a list"),
    };
    if !is_text(items.as_ref()) {
        return Value::Other("a list that is not all strings");
    }
    let mut out = Vec::with_capacity(items.len());
    for j in 0..items.len() {
        match text_at(items.as_ref(), j) {
            Some(s) => out.push(Text::from(s)),
            None => return Value::Other("a list that is not all strings"),
        }
    }
    Value::TextList(out)
}
