//! Reading web pages for URL training: the readable text (paragraph breaks at block
//! elements; scripts, styles, navigation and other non-content elements left out), the
//! title, and the links; and the `<loc>` values of sitemaps. A small tokenizer written for
//! exactly this (tags, attributes, comments, raw-text elements, character references)
//! rather than a full HTML parser crate: a streaming parser added ~250 KiB of gzipped wasm
//! for the same three results. Pure: unit-tested on the host.

/// What a page says.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Page {
    pub title: Option<String>,
    /// Readable text; paragraphs separated by blank lines.
    pub text: String,
    /// `href` values of links, entity-decoded, in document order (not resolved).
    pub links: Vec<String>,
}

/// Elements whose content is not readable page text.
const SKIPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "svg", "nav", "footer", "iframe", "object", "select", "button",
];
/// Elements whose content is raw text: nothing inside is a tag.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "xmp", "noscript", "iframe", "noembed", "noframes"];
/// Elements that start a new paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "main",
    "header",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "hr",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
];
/// Elements without an end tag.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

fn push_break(text: &mut String) {
    if !text.is_empty() && !text.ends_with("\n\n") {
        text.push_str("\n\n");
    }
}

/// One tag: its lower-cased name, whether it closes, and its attributes.
struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    attrs: Vec<(String, String)>,
}

/// Parses the tag starting at `<` (`s` begins after it); returns the tag and the bytes
/// consumed after the `<`, or `None` when this `<` does not start a tag (it is text).
fn parse_tag(s: &str) -> Option<(Tag, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let closing = b.first() == Some(&b'/');
    if closing {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b':') {
        i += 1;
    }
    if i == start || !b[start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            None => return Some((Tag { name, closing, self_closing, attrs }, b.len())),
            Some(b'>') => return Some((Tag { name, closing, self_closing, attrs }, i + 1)),
            Some(b'/') => {
                self_closing = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let a = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = s[a..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let v = i + 1;
                    let end = s[v..].find(q as char).map_or(b.len(), |e| v + e);
                    value = s[v..end].to_string();
                    i = (end + 1).min(b.len());
                }
                _ => {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = s[v..i].to_string();
                }
            }
        }
        if key.is_empty() {
            i += 1;
        } else {
            attrs.push((key, value));
        }
    }
}

/// Finds `</name` case-insensitively from `from`; the index of its `<`.
fn find_end_tag(s: &str, from: usize, name: &str) -> Option<usize> {
    let lower = s[from..].to_ascii_lowercase();
    lower.find(&format!("</{name}")).map(|i| from + i)
}

/// Extracts title, text and links from an HTML document.
pub fn extract(html: &str) -> Page {
    let (mut title, mut h1, mut text, mut links) = (String::new(), String::new(), String::new(), Vec::new());
    let (mut skip, mut in_title, mut in_h1) = (0usize, false, false);
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        let Some(lt) = rest.find('<') else {
            add_text(&decode_entities(rest), skip, in_title, in_h1, &mut title, &mut h1, &mut text);
            break;
        };
        if lt > 0 {
            add_text(&decode_entities(&rest[..lt]), skip, in_title, in_h1, &mut title, &mut h1, &mut text);
        }
        let at = i + lt;
        let after = &html[at + 1..];
        if after.starts_with("!--") {
            i = after.find("-->").map_or(html.len(), |e| at + 1 + e + 3);
            continue;
        }
        if after.starts_with('!') || after.starts_with('?') {
            i = after.find('>').map_or(html.len(), |e| at + 1 + e + 1);
            continue;
        }
        let Some((tag, used)) = parse_tag(after) else {
            add_text("<", skip, in_title, in_h1, &mut title, &mut h1, &mut text);
            i = at + 1;
            continue;
        };
        i = at + 1 + used;
        let name = tag.name.as_str();
        if tag.closing {
            if SKIPPED.contains(&name) {
                skip = skip.saturating_sub(1);
            }
            match name {
                "title" => in_title = false,
                "h1" => in_h1 = false,
                _ => {}
            }
            if BLOCKS.contains(&name) {
                push_break(&mut text);
            }
            continue;
        }
        if name == "a" {
            if let Some((_, href)) = tag.attrs.iter().find(|(k, _)| k == "href") {
                links.push(decode_entities(href.trim()));
            }
        }
        if BLOCKS.contains(&name) {
            push_break(&mut text);
        }
        let has_end = !tag.self_closing && !VOID.contains(&name);
        if name == "title" && has_end {
            // RCDATA: text up to </title>, references decoded, no tags.
            let end = find_end_tag(html, i, "title").unwrap_or(html.len());
            title.push_str(&decode_entities(&html[i..end]));
            i = end;
            in_title = true;
            continue;
        }
        if RAW_TEXT.contains(&name) && has_end {
            // Raw text is never page text: jump to its end tag.
            i = find_end_tag(html, i, name).unwrap_or(html.len());
            if SKIPPED.contains(&name) {
                skip += 1;
            }
            continue;
        }
        if has_end {
            if SKIPPED.contains(&name) {
                skip += 1;
            }
            if name == "h1" {
                in_h1 = true;
            }
        }
    }
    let clean = |s: &str| {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!t.is_empty()).then_some(t)
    };
    let text = text.split("\n\n").filter_map(clean).collect::<Vec<_>>().join("\n\n");
    Page { title: clean(&title).or_else(|| clean(&h1)), text, links }
}

fn add_text(t: &str, skip: usize, in_title: bool, in_h1: bool, title: &mut String, h1: &mut String, text: &mut String) {
    if in_title {
        title.push_str(t);
        return;
    }
    if skip > 0 {
        return;
    }
    if in_h1 {
        h1.push_str(t);
    }
    text.push_str(t);
}

/// The `<loc>` values of a sitemap (or sitemap index).
pub fn sitemap_locs(xml: &str) -> Vec<String> {
    let lower = xml.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = lower[from..].find("<loc") {
        let Some(gt) = lower[from + open..].find('>') else { break };
        let start = from + open + gt + 1;
        let end = lower[start..].find("</loc").map_or(xml.len(), |e| start + e);
        let raw = xml[start..end].trim();
        let raw = raw.strip_prefix("<![CDATA[").and_then(|r| r.strip_suffix("]]>")).unwrap_or(raw);
        let v = decode_entities(raw.trim());
        if !v.is_empty() {
            out.push(v);
        }
        from = end;
    }
    out
}

/// Whether a body looks like a sitemap (an XML `urlset` or `sitemapindex`).
pub fn looks_like_sitemap(body: &str) -> bool {
    let head: String = body.chars().take(2048).collect::<String>().to_ascii_lowercase();
    head.contains("<urlset") || head.contains("<sitemapindex")
}

const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("ndash", "–"),
    ("mdash", "—"),
    ("hellip", "…"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("euro", "€"),
    ("pound", "£"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("deg", "°"),
    ("times", "×"),
    ("middot", "·"),
    ("bull", "•"),
    ("eacute", "é"),
    ("egrave", "è"),
    ("aacute", "á"),
    ("agrave", "à"),
    ("ouml", "ö"),
    ("uuml", "ü"),
    ("auml", "ä"),
    ("szlig", "ß"),
];

/// Decodes character references: numeric ones and the common named ones; anything else
/// is kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|i| i + 1);
        let decoded = end.filter(|&e| rest.as_bytes().get(e) == Some(&b';') && e > 1).and_then(|e| {
            let name = &rest[1..e];
            let ch = if let Some(num) = name.strip_prefix('#') {
                let n = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse::<u32>().ok(),
                };
                n.and_then(char::from_u32).map(String::from)
            } else {
                NAMED.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
            };
            ch.map(|c| (c, e + 1))
        });
        match decoded {
            Some((text, len)) => {
                out.push_str(&text);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head><title>Shipping &amp; Returns</title>
<style>body { color: red }</style><script>var secret = "not text";</script></head>
<body><nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>
<main><h1>Returns</h1><p>You can return any item within <b>30 days</b>.</p>
<p>Refunds take 5&ndash;7 days &mdash; sometimes less.<br>Contact us.</p>
<ul><li>Free labels</li><li>No questions</li></ul>
<a href="/faq?a=1&amp;b=2#top">FAQ</a><a href="https://other.example/x">Other</a>
<script type="application/json">{"x": 1}</script><noscript>Enable JS</noscript></main>
<footer>© 2024 Acme <a href="mailto:help@acme.test">mail</a></footer></body></html>"#;

    #[test]
    fn title_text_and_links() {
        let p = extract(PAGE);
        assert_eq!(p.title.as_deref(), Some("Shipping & Returns"));
        assert_eq!(
            p.text,
            "Returns\n\nYou can return any item within 30 days.\n\nRefunds take 5–7 days — sometimes less.\n\n\
             Contact us.\n\nFree labels\n\nNo questions\n\nFAQOther"
        );
        assert!(!p.text.contains("secret") && !p.text.contains("color") && !p.text.contains("Enable JS"));
        assert_eq!(
            p.links,
            vec!["/", "/pricing", "/faq?a=1&b=2#top", "https://other.example/x", "mailto:help@acme.test"]
        );
    }

    #[test]
    fn h1_is_the_title_when_there_is_none() {
        let p = extract("<body><h1>Hello <i>there</i></h1><p>x</p></body>");
        assert_eq!(p.title.as_deref(), Some("Hello there"));
    }

    #[test]
    fn broken_html_still_gives_text() {
        let p = extract("<p>one<p>two <div>three</span> <b>four");
        assert_eq!(p.text, "one\n\ntwo\n\nthree four");
        assert_eq!(extract("").text, "");
        assert_eq!(extract("just text, no tags").text, "just text, no tags");
    }

    #[test]
    fn markup_inside_text_is_not_text() {
        let p = extract("<p>a &lt;b&gt; c</p><!-- comment --><p>d</p>");
        assert_eq!(p.text, "a <b> c\n\nd");
    }

    #[test]
    fn sitemaps() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://acme.test/a</loc><lastmod>2024-01-01</lastmod></url>
  <url><loc> https://acme.test/b?x=1&amp;y=2 </loc></url>
</urlset>"#;
        assert!(looks_like_sitemap(xml));
        assert_eq!(sitemap_locs(xml), vec!["https://acme.test/a", "https://acme.test/b?x=1&y=2"]);
        assert!(!looks_like_sitemap(r#"{"not": "xml"}"#));
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a &amp; b &#65;&#x42; &unknown; & c &lt"), "a & b AB &unknown; & c &lt");
        assert_eq!(decode_entities("&#xZZ; &#1114112;"), "&#xZZ; &#1114112;");
    }
}
