//! Splitting training text into chunks of bounded size for the full-text index: whole
//! paragraphs where they fit, else whole sentences, else words; a chunk never exceeds
//! `MAX_CHUNK_CHARS` characters and never cuts a word unless the word alone is longer.

/// Upper bound of a chunk, in characters.
pub const MAX_CHUNK_CHARS: usize = 1000;
/// At most this many chunks are kept per training item (the rest of a huge page is not
/// indexed; the item still completes).
pub const MAX_CHUNKS: usize = 400;

/// Collapses runs of white space inside a paragraph into single spaces.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraphs: separated by a blank line (or more).
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.trim().is_empty() {
                out.push(squash(&cur));
            }
            cur.clear();
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    if !cur.trim().is_empty() {
        out.push(squash(&cur));
    }
    out
}

/// Sentences of a squashed paragraph: split after `.`, `!` or `?` followed by a space.
fn sentences(p: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = p.char_indices().collect();
    for w in chars.windows(2) {
        let ((_, c), (j, next)) = (w[0], w[1]);
        if matches!(c, '.' | '!' | '?' | '。') && next == ' ' {
            out.push(p[start..j].trim());
            start = j + 1;
        }
    }
    if start < p.len() {
        out.push(p[start..].trim());
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// Pieces no longer than `max`: the words of `s`, a word longer than `max` cut in parts.
fn words(s: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for w in s.split_whitespace() {
        if len(w) <= max {
            out.push(w.to_string());
        } else {
            let cs: Vec<char> = w.chars().collect();
            for part in cs.chunks(max) {
                out.push(part.iter().collect());
            }
        }
    }
    out
}

/// Packs units (each at most `max` long) into chunks of at most `max`, each unit joined to
/// the one before it by its own separator.
fn pack<'a>(units: impl IntoIterator<Item = (String, &'a str)>, max: usize, out: &mut Vec<String>) {
    let mut cur = String::new();
    for (u, sep) in units {
        if cur.is_empty() {
            cur = u;
        } else if len(&cur) + len(sep) + len(&u) <= max {
            cur.push_str(sep);
            cur.push_str(&u);
        } else {
            out.push(std::mem::take(&mut cur));
            cur = u;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
}

/// Splits `text` into chunks of at most `max` characters on paragraph, then sentence,
/// then word boundaries.
pub fn chunk_with(text: &str, max: usize) -> Vec<String> {
    let max = max.max(16);
    // Units that fit: whole paragraphs, or the sentences (or words) of longer ones.
    let mut units: Vec<(String, bool)> = Vec::new(); // (unit, starts a paragraph)
    for p in paragraphs(text) {
        if len(&p) <= max {
            units.push((p, true));
            continue;
        }
        let mut first = true;
        for s in sentences(&p) {
            if len(s) <= max {
                units.push((s.to_string(), first));
            } else {
                let mut parts = Vec::new();
                pack(words(s, max).into_iter().map(|w| (w, " ")), max, &mut parts);
                for part in parts {
                    units.push((part, first));
                    first = false;
                }
            }
            first = false;
        }
    }
    let mut out = Vec::new();
    pack(units.into_iter().map(|(u, para)| (u, if para { "\n\n" } else { " " })), max, &mut out);
    out
}

/// `chunk_with` at the default size, at most `MAX_CHUNKS` chunks.
pub fn chunk(text: &str) -> Vec<String> {
    let mut c = chunk_with(text, MAX_CHUNK_CHARS);
    c.truncate(MAX_CHUNKS);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn short_text_is_one_chunk() {
        assert_eq!(chunk("Hello world.\n\nSecond   paragraph."), vec!["Hello world.\n\nSecond paragraph."]);
        assert!(chunk("   \n\n ").is_empty());
    }

    #[test]
    fn paragraphs_are_kept_whole_when_they_fit() {
        let a = "A".repeat(30);
        let b = "B".repeat(30);
        let text = format!("{a} one.\n\n{b} two.\n\n{a} three.");
        let c = chunk_with(&text, 80);
        assert_eq!(c, vec![format!("{a} one.\n\n{b} two."), format!("{a} three.")]);
    }

    #[test]
    fn long_paragraphs_split_on_sentences() {
        let text = "The refund policy is simple. You get your money back within 30 days! Is that clear? Yes it is.";
        let c = chunk_with(text, 40);
        assert_eq!(
            c,
            vec![
                "The refund policy is simple.",
                "You get your money back within 30 days!",
                "Is that clear? Yes it is."
            ]
        );
    }

    #[test]
    fn bounds_hold_and_no_word_is_lost() {
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&format!("Sentence number {i} talks about shipping and returns. "));
            if i % 7 == 0 {
                text.push_str("\n\n");
            }
        }
        text.push_str(&"x".repeat(2500));
        for max in [16, 50, 200, 1000] {
            let c = chunk_with(&text, max);
            assert!(c.iter().all(|s| s.chars().count() <= max), "max {max}");
            let joined: Vec<String> = c.iter().flat_map(|s| words_of(s)).collect();
            let expect = words_of(&text);
            assert_eq!(joined.concat(), expect.concat(), "max {max}");
        }
    }

    #[test]
    fn multibyte_text_is_cut_on_characters() {
        let text = "é".repeat(2500);
        let c = chunk(&text);
        assert_eq!(c.len(), 3);
        assert!(c.iter().all(|s| s.chars().count() <= MAX_CHUNK_CHARS));
    }

    #[test]
    fn chunk_count_is_capped() {
        let text = "word ".repeat(MAX_CHUNK_CHARS * (MAX_CHUNKS + 10) / 5);
        assert_eq!(chunk(&text).len(), MAX_CHUNKS);
    }
}
