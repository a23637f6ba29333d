//! Text put into markup: the body of a desktop notification (the notification spec's markup, a
//! subset of XML) and the pages the host writes itself (the crash notice). Both need the same
//! five characters escaped, so that text from an app or a URL stays text.

/// `text` with `&`, `<`, `>`, `"` and `'` written as entities, safe inside an element or a
/// quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_characters_become_entities_and_the_rest_stays() {
        assert_eq!(
            escape(r#"a<b>&"c"'d' é"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos; é"
        );
    }
}
