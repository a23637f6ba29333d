//! App ids: the short names users type (`syncshell open notes`).

/// Longest id derived from a name; long enough to tell apps apart, short enough to type.
const MAX_LEN: usize = 24;

/// Derives an id from the app's short name, name or host: lowercase ASCII letters, digits and
/// dashes, never empty. `taken` says whether an id is already used by another app; a numeric
/// suffix (`-2`, `-3`, ...) makes it unique.
pub fn derive(candidates: &[&str], mut taken: impl FnMut(&str) -> bool) -> String {
    let base = candidates
        .iter()
        .map(|c| slug(c))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "app".to_owned());
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .expect("an unbounded range always yields a free id")
}

/// Whether `id` has the shape of an id (what `derive` makes), so bad CLI input fails early.
pub fn is_valid(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN + 8
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = fold_accent(c).to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    // Cut at a word boundary when the name is long.
    if out.len() > MAX_LEN {
        let cut = out[..=MAX_LEN]
            .rfind('-')
            .filter(|&i| i >= 4)
            .unwrap_or(MAX_LEN);
        out.truncate(cut);
    }
    out.trim_matches('-').to_owned()
}

/// Common Latin letters with diacritics to their base letter, so "Café" becomes "cafe".
fn fold_accent(c: char) -> char {
    const GROUPS: [(&str, char); 11] = [
        ("àáâãäåā", 'a'),
        ("çćč", 'c'),
        ("èéêëēę", 'e'),
        ("ìíîïī", 'i'),
        ("ł", 'l'),
        ("ñń", 'n'),
        ("òóôõöøō", 'o'),
        ("šś", 's'),
        ("ùúûüū", 'u'),
        ("ýÿ", 'y'),
        ("žźż", 'z'),
    ];
    let lower = c.to_lowercase().next().unwrap_or(c);
    GROUPS
        .iter()
        .find(|(from, _)| from.contains(lower))
        .map_or(c, |(_, to)| *to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercase_dashed_words() {
        assert_eq!(derive(&["My Notes!"], |_| false), "my-notes");
        assert_eq!(derive(&["  Café   Crème "], |_| false), "cafe-creme");
        assert_eq!(
            derive(&["", "雪", "Fallback Name"], |_| false),
            "fallback-name"
        );
        assert_eq!(derive(&["雪"], |_| false), "app");
    }

    #[test]
    fn long_names_are_cut_at_a_word() {
        let id = derive(&["The Extraordinarily Long Application Name"], |_| false);
        assert_eq!(id, "the-extraordinarily-long");
        assert!(is_valid(&id));
    }

    #[test]
    fn a_taken_id_gets_a_numeric_suffix() {
        let taken = ["notes", "notes-2"];
        assert_eq!(derive(&["Notes"], |id| taken.contains(&id)), "notes-3");
    }

    #[test]
    fn validity_matches_what_derive_makes() {
        assert!(is_valid("notes-2"));
        for bad in ["", "Notes", "a b", "-x", "x-", "../etc", "a/b"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
