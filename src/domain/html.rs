//! Reading web pages for URL training. The HTML is parsed by the runtime's streaming
//! parser, HTMLRewriter (`js/html.mjs`, called through `platform::html`), which hands back
//! the raw title, first `<h1>`, readable text (paragraph breaks at block elements; scripts,
//! styles, navigation and other non-content elements left out) and links. `finish` turns
//! those into a `Page`: character references decoded, white space normalised. Sitemaps
//! (XML) are read here. Pure: unit-tested on the host.

use serde::Deserialize;

/// What a page says.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Page {
    pub title: Option<String>,
    /// Readable text; paragraphs separated by blank lines.
    pub text: String,
    /// `href` values of links, entity-decoded, in document order (not resolved).
    pub links: Vec<String>,
}

/// What the parser collected, as written in the page (references not decoded).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct RawPage {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub h1: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub links: Vec<String>,
}

/// Decodes and tidies what the parser collected. The title falls back to the first `<h1>`.
pub fn finish(raw: &RawPage) -> Page {
    let clean = |s: &str| {
        let t = decode_entities(s).split_whitespace().collect::<Vec<_>>().join(" ");
        (!t.is_empty()).then_some(t)
    };
    let text = raw.text.split("\n\n").filter_map(clean).collect::<Vec<_>>().join("\n\n");
    let links = raw.links.iter().map(|l| decode_entities(l.trim())).filter(|l| !l.is_empty()).collect();
    Page { title: clean(&raw.title).or_else(|| clean(&raw.h1)), text, links }
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

    #[test]
    fn finish_decodes_and_tidies() {
        let raw = RawPage {
            title: "  Shipping &amp; Returns ".into(),
            h1: "Returns".into(),
            text: "Returns\n\n  You can return\n any item.\n\n\n\nRefunds take 5&ndash;7 days &mdash; a &lt;b&gt;.\n\n"
                .into(),
            links: vec!["/faq?a=1&amp;b=2#top".into(), " ".into(), "https://other.example/x".into()],
        };
        let p = finish(&raw);
        assert_eq!(p.title.as_deref(), Some("Shipping & Returns"));
        assert_eq!(p.text, "Returns\n\nYou can return any item.\n\nRefunds take 5–7 days — a <b>.");
        assert_eq!(p.links, vec!["/faq?a=1&b=2#top", "https://other.example/x"]);
    }

    #[test]
    fn h1_is_the_title_when_there_is_none() {
        let p = finish(&RawPage { h1: "Hello <there>".into(), text: "x".into(), ..Default::default() });
        assert_eq!(p.title.as_deref(), Some("Hello <there>"));
        assert_eq!(finish(&RawPage::default()), Page::default());
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
