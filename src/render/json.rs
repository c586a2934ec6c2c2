//! The JSON rendering: the report as it is (`schema_version`
//! [`crate::report::SCHEMA_VERSION`]).

use super::Renderer;
use crate::report::Report;

/// JSON renderer.
pub struct Json;

impl Renderer for Json {
    fn render(&self, report: &Report) -> String {
        // Serialising plain data with string keys cannot fail.
        let mut s = serde_json::to_string_pretty(report)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}
