//! Text that apps choose (names, sync tags) printed on the user's terminal by the CLI. Printed
//! raw, a line feed or a tab in a tag would forge rows of `syncshell sync list`, and an escape
//! sequence would reach the terminal itself (retitle it, move the cursor, hide text); a
//! bidirectional override would reorder what the user reads. Such characters are shown as
//! escapes instead; the JSON outputs keep the exact text.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character (C0, DEL, C1), line or paragraph separator and
/// bidirectional formatting character written as an escape (`\n`, `\r`, `\t`, `\0`, else
/// `\u{1b}`), so it prints on one line as the characters it holds. Text with none of them is
/// returned as it is; a backslash is left alone (the JSON output is the exact form).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_as_it_is() {
        for text in ["outbox", "Café ☕ 日本語", "a\\nb", ""] {
            assert!(matches!(for_terminal(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn line_breaks_tabs_and_nul_are_escaped() {
        assert_eq!(for_terminal("a\nb\r\nc\td\0e"), "a\\nb\\r\\nc\\td\\0e");
    }

    #[test]
    fn terminal_escapes_and_c1_controls_cannot_reach_the_terminal() {
        let shown = for_terminal("\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}");
        assert_eq!(shown, "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{7f}");
        assert!(!shown.chars().any(char::is_control));
    }

    #[test]
    fn bidirectional_overrides_and_separators_are_shown() {
        assert_eq!(
            for_terminal("invoice\u{202e}fdp.exe\u{2066}x\u{2028}y"),
            "invoice\\u{202e}fdp.exe\\u{2066}x\\u{2028}y"
        );
    }
}
