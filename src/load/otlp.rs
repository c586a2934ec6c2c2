//! OpenTelemetry GenAI spans as OTLP JSON: one row per span of a model call.
//!
//! What it reads: `ExportTraceServiceRequest` documents in the OTLP/JSON
//! encoding — one per line, as the Collector's `file` exporter writes them, or
//! one document, pretty-printed or not (an SDK's OTLP JSON encoding dumped to a
//! file). Field names in lowerCamelCase (`resourceSpans`, `startTimeUnixNano`,
//! the OTLP/JSON spec) or snake_case (`resource_spans`, what protobuf's JSON
//! mapping also accepts); span ids in hex (the OTLP/JSON spec) or base64
//! (protobuf's generic JSON mapping of `bytes`, what `json_format.MessageToJson`
//! writes for the Python SDK's encoded spans); 64-bit integers as strings or
//! numbers; `instrumentationLibrarySpans` of OTLP before 0.15 as `scopeSpans`.
//!
//! A span is a model call when it has a `gen_ai.*` attribute or a
//! `gen_ai.content.*` event; other spans (HTTP, database, the application's
//! own) are skipped. Of each model call:
//!
//! | row field | from |
//! |---|---|
//! | `id` | `spanId` (hex) |
//! | `timestamp` | `startTimeUnixNano`, as RFC 3339 in UTC |
//! | `input` | the last user message of `gen_ai.input.messages` (semantic conventions 1.37 on: a JSON string or an array of `{role, parts: [{type: "text", content}]}`); else the `gen_ai.prompt` attribute of the `gen_ai.content.prompt` event (1.26–1.36: a JSON list of `{role, content}` or plain text); else the indexed `gen_ai.prompt.N.role`/`.content` attributes (OpenLLMetry) |
//! | `output` | the first message of `gen_ai.output.messages`; else `gen_ai.completion` of the `gen_ai.content.completion` event; else `gen_ai.completion.0.content` |
//! | `model` | `gen_ai.response.model`, else `gen_ai.request.model` |
//! | `operation`, `provider` | `gen_ai.operation.name`; `gen_ai.provider.name`, else `gen_ai.system` |
//! | `input_tokens`, `output_tokens` | `gen_ai.usage.input_tokens`/`output_tokens` (older: `prompt_tokens`/`completion_tokens`) |
//! | `duration_ms` | `endTimeUnixNano − startTimeUnixNano` |
//! | `service` | the resource's `service.name` |
//! | any other field | each span attribute outside `gen_ai.*` with a scalar value, under its key (`category`, `app.user_tier`): numbers are numeric fields, text and booleans are tags to slice by |
//!
//! A model call whose spans carry no output text (instrumentations capture
//! message content only when asked) is an error naming the span and the
//! setting, never an empty output scored as if the model had said nothing.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value as Json;

use super::reader::{Clue, Loaded, Reader, Sniff};
use super::record::{FieldMap, InputFormat, Row, Value};
use crate::error::{Error, Location, Result};

/// The OTLP reader: a document (one per line, or one in all) with
/// `resourceSpans`.
pub(super) struct Otlp;

impl Reader for Otlp {
    fn format(&self) -> InputFormat {
        InputFormat::Otlp
    }

    fn listed_as(&self) -> Option<&'static str> {
        Some("OpenTelemetry GenAI spans (OTLP JSON)")
    }

    fn sniff(&self, file: &Sniff) -> Option<Clue> {
        file.document()
            .is_some_and(is_document)
            .then_some(Clue::Document)
    }

    fn read(&self, path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Loaded> {
        read(path, bytes, fields).map(Loaded::from)
    }
}

/// Whether a parsed JSON value is an OTLP traces document.
fn is_document(value: &Json) -> bool {
    value.get("resourceSpans").is_some() || value.get("resource_spans").is_some()
}

/// The rows of every GenAI span of an OTLP JSON file.
fn read(path: &Path, bytes: &[u8], fields: &FieldMap) -> Result<Vec<Row>> {
    let text = super::json::utf8_document(path, bytes, "")?;
    let mut rows = Vec::new();
    let mut spans_seen = 0usize;
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Json>();
    loop {
        let start = stream.byte_offset();
        let Some(next) = stream.next() else { break };
        let line = line_of(text, start);
        let doc = next.map_err(|e| {
            Error::input(
                Location::file(path).at_line(line + e.line().saturating_sub(1)),
                format!("not valid JSON: {e}"),
            )
        })?;
        let loc = Location::file(path).at_line(line);
        if !is_document(&doc) {
            return Err(Error::input(
                loc,
                "not an OTLP traces document: expected an object with \"resourceSpans\"",
            ));
        }
        for resource in list(&doc, "resourceSpans", "resource_spans") {
            let service = resource
                .get("resource")
                .and_then(|r| attribute(r, "service.name"))
                .and_then(|v| scalar_text(&v));
            let scopes = list(resource, "scopeSpans", "scope_spans").chain(list(
                resource,
                "instrumentationLibrarySpans",
                "instrumentation_library_spans",
            ));
            for scope in scopes {
                for span in list(scope, "spans", "spans") {
                    spans_seen += 1;
                    if let Some(row) = span_row(span, service.as_deref(), &loc, fields)? {
                        rows.push(row);
                    }
                }
            }
        }
    }
    if rows.is_empty() && spans_seen > 0 {
        return Err(Error::input(
            Location::file(path),
            format!("none of its {spans_seen} spans is a GenAI model call (no gen_ai.* attribute or event); monitor reads the spans of OpenTelemetry's GenAI semantic conventions"),
        ));
    }
    Ok(rows)
}

/// 1-based line of byte `offset` in `text` (after the whitespace that precedes
/// the value there).
fn line_of(text: &str, offset: usize) -> usize {
    let head = &text.as_bytes()[..offset.min(text.len())];
    let rest = &text.as_bytes()[offset.min(text.len())..];
    let skipped = rest
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .filter(|&&b| b == b'\n')
        .count();
    1 + head.iter().filter(|&&b| b == b'\n').count() + skipped
}

/// The array under `camel` (or `snake`) of `value`, empty when absent.
fn list<'a>(value: &'a Json, camel: &str, snake: &str) -> impl Iterator<Item = &'a Json> + 'a {
    value
        .get(camel)
        .or_else(|| value.get(snake))
        .and_then(Json::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

/// The value of attribute `key` among `holder`'s `attributes`, as plain JSON.
fn attribute(holder: &Json, key: &str) -> Option<Json> {
    holder
        .get("attributes")?
        .as_array()?
        .iter()
        .find(|kv| kv.get("key").and_then(Json::as_str) == Some(key))
        .and_then(|kv| kv.get("value"))
        .map(any_value)
}

/// An OTLP `AnyValue` as plain JSON: strings, numbers (64-bit integers come
/// as strings), booleans, arrays, key-value lists as objects.
fn any_value(v: &Json) -> Json {
    let field = |camel: &str, snake: &str| v.get(camel).or_else(|| v.get(snake));
    if let Some(s) = field("stringValue", "string_value") {
        return s.clone();
    }
    if let Some(i) = field("intValue", "int_value") {
        return match i {
            Json::String(s) => s.parse::<i64>().map_or(Json::Null, Json::from),
            other => other.clone(),
        };
    }
    if let Some(d) = field("doubleValue", "double_value") {
        return d.clone();
    }
    if let Some(b) = field("boolValue", "bool_value") {
        return b.clone();
    }
    if let Some(a) = field("arrayValue", "array_value") {
        return Json::Array(list(a, "values", "values").map(any_value).collect());
    }
    if let Some(kv) = field("kvlistValue", "kvlist_value") {
        let map = list(kv, "values", "values")
            .filter_map(|e| {
                let k = e.get("key")?.as_str()?.to_string();
                Some((k, e.get("value").map_or(Json::Null, any_value)))
            })
            .collect();
        return Json::Object(map);
    }
    Json::Null
}

fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// A span id as hex: kept when it is hex already, decoded when base64.
fn hex_id(raw: &str) -> String {
    let is_hex =
        !raw.is_empty() && raw.len() % 2 == 0 && raw.bytes().all(|b| b.is_ascii_hexdigit());
    if is_hex {
        return raw.to_ascii_lowercase();
    }
    match base64::engine::general_purpose::STANDARD.decode(raw) {
        Ok(bytes) if !bytes.is_empty() => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        _ => raw.to_string(),
    }
}

/// The text of one message: its `parts` of type text (semantic conventions
/// 1.37 on), or its `content` (a string, or OpenAI-style parts with `text`).
fn message_text(message: &Json) -> Option<String> {
    let piece = |p: &Json| -> Option<String> {
        match p {
            Json::String(s) => Some(s.clone()),
            Json::Object(o) => {
                let kind = o.get("type").and_then(Json::as_str).unwrap_or("text");
                if kind != "text" {
                    return None;
                }
                o.get("content")
                    .or_else(|| o.get("text"))
                    .and_then(Json::as_str)
                    .map(str::to_string)
            }
            _ => None,
        }
    };
    let joined = |items: &[Json]| {
        let texts: Vec<String> = items.iter().filter_map(piece).collect();
        (!texts.is_empty()).then(|| texts.join("\n"))
    };
    match message {
        Json::String(s) => Some(s.clone()),
        Json::Object(o) => {
            if let Some(parts) = o.get("parts").and_then(Json::as_array) {
                return joined(parts);
            }
            match o.get("content") {
                Some(Json::String(s)) => Some(s.clone()),
                Some(Json::Array(parts)) => joined(parts),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Messages given as a JSON string or as structured attribute values; plain
/// text that is not JSON is one message of that text.
fn messages(v: &Json) -> Vec<Json> {
    match v {
        Json::String(s) => match serde_json::from_str::<Json>(s) {
            Ok(Json::Array(a)) => a,
            Ok(obj @ Json::Object(_)) => vec![obj],
            _ => vec![Json::String(s.clone())],
        },
        Json::Array(a) => a.clone(),
        Json::Object(_) => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// The user's turn: the text of the last message whose role is `user` (the
/// last message when none says its role).
fn user_text(list: &[Json]) -> Option<String> {
    let role = |m: &Json| m.get("role").and_then(Json::as_str).map(str::to_string);
    list.iter()
        .rev()
        .find(|m| role(m).as_deref() == Some("user"))
        .or_else(|| list.iter().rev().find(|m| role(m).is_none()))
        .or(list.last())
        .and_then(message_text)
}

/// The model's answer: the text of the first output message (choice 0).
fn output_text(list: &[Json]) -> Option<String> {
    list.iter().find_map(message_text)
}

/// The event named `name` of a span, its attribute `key`.
fn event_attribute(span: &Json, name: &str, key: &str) -> Option<Json> {
    list(span, "events", "events")
        .find(|e| e.get("name").and_then(Json::as_str) == Some(name))
        .and_then(|e| attribute(e, key))
}

/// OpenLLMetry's indexed attributes: `PREFIX.N.role` / `PREFIX.N.content`, as messages.
fn indexed_messages(attrs: &[(String, Json)], prefix: &str) -> Vec<Json> {
    let mut by_index: std::collections::BTreeMap<usize, serde_json::Map<String, Json>> =
        std::collections::BTreeMap::new();
    for (k, v) in attrs {
        let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let Some((i, field)) = rest.split_once('.') else {
            continue;
        };
        let (Ok(i), "role" | "content") = (i.parse::<usize>(), field) else {
            continue;
        };
        by_index
            .entry(i)
            .or_default()
            .insert(field.to_string(), v.clone());
    }
    by_index.into_values().map(Json::Object).collect()
}

/// The row of one span, or `None` when it is not a model call.
fn span_row(
    span: &Json,
    service: Option<&str>,
    loc: &Location,
    fields: &FieldMap,
) -> Result<Option<Row>> {
    let attrs: Vec<(String, Json)> = list(span, "attributes", "attributes")
        .filter_map(|kv| {
            let k = kv.get("key")?.as_str()?.to_string();
            Some((k, kv.get("value").map_or(Json::Null, any_value)))
        })
        .collect();
    let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let has_events = list(span, "events", "events").any(|e| {
        e.get("name")
            .and_then(Json::as_str)
            .is_some_and(|n| n.starts_with("gen_ai."))
    });
    if !has_events && !attrs.iter().any(|(k, _)| k.starts_with("gen_ai.")) {
        return Ok(None);
    }
    let span_id = span
        .get("spanId")
        .or_else(|| span.get("span_id"))
        .and_then(Json::as_str)
        .map(hex_id)
        .unwrap_or_default();
    let loc = loc.clone();
    let input = get("gen_ai.input.messages")
        .map(|v| messages(&v))
        .and_then(|m| user_text(&m))
        .or_else(|| {
            event_attribute(span, "gen_ai.content.prompt", "gen_ai.prompt")
                .and_then(|v| user_text(&messages(&v)))
        })
        .or_else(|| user_text(&indexed_messages(&attrs, "gen_ai.prompt")));
    let output = get("gen_ai.output.messages")
        .map(|v| messages(&v))
        .and_then(|m| output_text(&m))
        .or_else(|| {
            event_attribute(span, "gen_ai.content.completion", "gen_ai.completion")
                .and_then(|v| output_text(&messages(&v)))
        })
        .or_else(|| output_text(&indexed_messages(&attrs, "gen_ai.completion")));
    let Some(output) = output else {
        return Err(Error::input(
            loc.with_field("gen_ai.output.messages"),
            format!(
                "span {span_id} is a model call without its output text (no gen_ai.output.messages attribute, gen_ai.content.completion event or gen_ai.completion.0.content attribute); instrumentations record message content only when asked, e.g. OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true"
            ),
        ));
    };
    let nanos = |camel: &str, snake: &str| {
        span.get(camel)
            .or_else(|| span.get(snake))
            .and_then(|v| match v {
                Json::String(s) => s.parse::<u64>().ok(),
                Json::Number(n) => n.as_u64(),
                _ => None,
            })
    };
    let start = nanos("startTimeUnixNano", "start_time_unix_nano");
    let end = nanos("endTimeUnixNano", "end_time_unix_nano");
    let mut pairs: Vec<(String, Value)> = Vec::new();
    let text = |s: String| Value::Text(s.as_str().into());
    pairs.push(("id".into(), text(span_id)));
    pairs.push(("output".into(), text(output)));
    if let Some(input) = input {
        pairs.push(("input".into(), text(input)));
    }
    if let Some(start) = start.filter(|&s| s > 0) {
        let secs = i64::try_from(start / 1_000_000_000).unwrap_or(i64::MAX);
        let sub = u32::try_from(start % 1_000_000_000).unwrap_or(0);
        if let Some(t) = chrono::DateTime::from_timestamp(secs, sub) {
            let shown = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            pairs.push(("timestamp".into(), text(shown)));
        }
        if let Some(end) = end.filter(|&e| e >= start) {
            pairs.push((
                "duration_ms".into(),
                Value::Number((end - start) as f64 / 1e6),
            ));
        }
    }
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));
    let tags = [
        (
            "model",
            first(&["gen_ai.response.model", "gen_ai.request.model"]),
        ),
        ("operation", get("gen_ai.operation.name")),
        (
            "provider",
            first(&["gen_ai.provider.name", "gen_ai.system"]),
        ),
    ];
    for (name, v) in tags {
        if let Some(s) = v.as_ref().and_then(scalar_text) {
            pairs.push((name.into(), text(s)));
        }
    }
    let numbers = [
        (
            "input_tokens",
            first(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]),
        ),
        (
            "output_tokens",
            first(&[
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.completion_tokens",
            ]),
        ),
    ];
    for (name, v) in numbers {
        if let Some(x) = v.as_ref().and_then(number) {
            pairs.push((name.into(), Value::Number(x)));
        }
    }
    if let Some(s) = service {
        pairs.push(("service".into(), text(s.to_string())));
    }
    for (k, v) in &attrs {
        if k.starts_with("gen_ai.") || pairs.iter().any(|(p, _)| p == k) {
            continue;
        }
        let value = match v {
            Json::String(s) => text(s.clone()),
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(_) => match number(v) {
                Some(x) => Value::Number(x),
                None => continue,
            },
            _ => continue,
        };
        pairs.push((k.clone(), value));
    }
    // The rows speak benchgate's own field names, whatever the flags map.
    let own = FieldMap {
        format: fields.format,
        ..FieldMap::default()
    };
    Row::from_fields(pairs, &own, &loc).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(attrs: &str, events: &str) -> String {
        format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"support-bot"}}}}]}},"scopeSpans":[{{"spans":[{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat gpt-4o","startTimeUnixNano":"1767225600000000000","endTimeUnixNano":"1767225601250000000","attributes":[{attrs}],"events":[{events}]}}]}}]}}]}}"#
        )
    }

    fn rows(text: &str) -> Result<Vec<Row>> {
        read(
            Path::new("spans.json"),
            text.as_bytes(),
            &FieldMap::default(),
        )
    }

    #[test]
    fn current_message_attributes_read_to_one_row() {
        let attrs = r#"{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"42"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":7}},{"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"Be kind.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Where is my order?\"}]}]"}},{"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"It ships today.\"}],\"finish_reason\":\"stop\"}]"}},{"key":"category","value":{"stringValue":"orders"}}"#;
        let rows = rows(&span(attrs, "")).expect("reads");
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.id.as_str(), "eee19b7ec3c1b174");
        assert_eq!(r.input.as_deref(), Some("Where is my order?"));
        assert_eq!(r.prediction.as_str(), "It ships today.");
        assert_eq!(r.numbers.get("input_tokens"), Some(&42.0));
        assert_eq!(r.numbers.get("output_tokens"), Some(&7.0));
        assert_eq!(r.numbers.get("duration_ms"), Some(&1250.0));
        assert_eq!(r.tags.get("model").map(|t| t.as_str()), Some("gpt-4o"));
        assert_eq!(r.tags.get("category").map(|t| t.as_str()), Some("orders"));
        assert_eq!(
            r.tags.get("service").map(|t| t.as_str()),
            Some("support-bot")
        );
        assert_eq!(
            r.tags.get("timestamp").map(|t| t.as_str()),
            Some("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn the_older_event_form_and_base64_ids_read_the_same() {
        let attrs = r#"{"key":"gen_ai.system","value":{"stringValue":"openai"}}"#;
        let events = r#"{"name":"gen_ai.content.prompt","attributes":[{"key":"gen_ai.prompt","value":{"stringValue":"[{\"role\": \"user\", \"content\": \"Where is my order?\"}]"}}]},{"name":"gen_ai.content.completion","attributes":[{"key":"gen_ai.completion","value":{"stringValue":"[{\"role\": \"assistant\", \"content\": \"It ships today.\"}]"}}]}"#;
        let text = span(attrs, events).replace("eee19b7ec3c1b174", "7uGbfsPBsXQ=");
        let rows = rows(&text).expect("reads");
        assert_eq!(rows[0].id.as_str(), "eee19b7ec3c1b174");
        assert_eq!(rows[0].input.as_deref(), Some("Where is my order?"));
        assert_eq!(rows[0].prediction.as_str(), "It ships today.");
        assert_eq!(
            rows[0].tags.get("provider").map(|t| t.as_str()),
            Some("openai")
        );
    }

    #[test]
    fn a_model_call_without_content_is_an_error_that_says_why() {
        let attrs = r#"{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}"#;
        let err = rows(&span(attrs, "")).expect_err("no output").to_string();
        assert!(
            err.contains("spans.json:1") && err.contains("CAPTURE_MESSAGE_CONTENT"),
            "{err}"
        );
        let plain = span(r#"{"key":"http.method","value":{"stringValue":"GET"}}"#, "");
        let err = rows(&plain).expect_err("no GenAI span").to_string();
        assert!(err.contains("none of its 1 spans"), "{err}");
    }
}
