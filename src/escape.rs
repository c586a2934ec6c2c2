//! Making untrusted model text safe to show: in markdown it must not create
//! HTML, links, mentions, tables or fences of its own; anywhere it must not hide
//! behind invisible or direction-changing characters.

/// Characters that change direction or are invisible; shown as `⟨U+XXXX⟩`.
fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{FFF9}'..='\u{FFFB}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// Replaces hidden and control characters by a visible `⟨U+XXXX⟩` and tabs by a space.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\t' {
            out.push(' ');
        } else if c == '\r' {
            continue;
        } else if is_hidden(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes text for inline markdown (paragraphs, table cells, block quotes):
/// HTML becomes entities, every markdown punctuation is backslash-escaped,
/// `@mentions` are broken with a zero-width space so nobody is notified, and
/// newlines become spaces.
pub fn inline(text: &str) -> String {
    let text = visible(text);
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' | '!' | '#'
        ) {
            out.push('\\');
            out.push(c);
        } else {
            push_html(&mut out, c);
        }
    }
    escape_line_start(out)
}

/// Escapes text for the inside of an HTML block (a `<summary>`), where
/// markdown is not parsed: entities only, mentions broken, one line.
pub fn html_text(text: &str) -> String {
    let text = visible(text);
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        push_html(&mut out, c);
    }
    out
}

/// Escapes what would start a list, heading underline or thematic break when
/// the text begins a line ("- x", "+ x", "= x", "1. x", "1) x").
fn escape_line_start(s: String) -> String {
    if s.starts_with(['-', '+', '=']) {
        return format!("\\{s}");
    }
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && s[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &s[..digits], &s[digits..]);
    }
    s
}

/// A code fence longer than any run of backticks in `content` (at least three).
pub fn fence_for(content: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Cuts `text` to at most `max` characters, saying how much was left out.
pub fn truncate(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… [{} more characters]", count - max)
}

/// One character of text for HTML: entities for `&<>"`, a zero-width space
/// after `@` (no live mention), a space for a line break.
fn push_html(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '@' => out.push_str("@&#8203;"),
        '\n' => out.push(' '),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_mentions_are_neutralised() {
        let s = inline("<img src=x onerror=alert(1)> @octocat **bold** | cell");
        assert!(!s.contains('<'));
        assert!(s.contains("@&#8203;octocat"));
        assert!(s.contains("\\*\\*bold\\*\\*"));
        assert!(s.contains("\\|"));
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("12. item"), "12\\. item");
    }

    #[test]
    fn html_text_has_entities_and_no_backslashes() {
        assert_eq!(
            html_text("exact_match <b> @team\n\nx"),
            "exact_match &lt;b&gt; @&#8203;team  x"
        );
    }

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }

    #[test]
    fn hidden_characters_become_visible() {
        assert_eq!(visible("a\u{202E}b\u{200B}c"), "a⟨U+202E⟩b⟨U+200B⟩c");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("héllo wörld", 5), "héllo… [6 more characters]");
        assert_eq!(truncate("short", 10), "short");
    }
}
