//! Reading web pages for URL training with a real streaming HTML parser, `lol_html`
//! (Cloudflare's own, the engine behind `HTMLRewriter`), never with regexes: the readable
//! text (paragraph breaks at block elements; scripts, styles, navigation and other
//! non-content elements left out), the title, and the links. Sitemaps are read with the
//! same parser (`<loc>` elements). Pure: unit-tested on the host.

use lol_html::html_content::{Element, TextChunk, TextType};
use lol_html::{doc_text, element, end_tag, text, HtmlRewriter, Settings};
use std::cell::RefCell;
use std::rc::Rc;

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
const SKIPPED: &str = "head, script, style, noscript, template, svg, nav, footer, iframe, object, select, button";
/// Elements that start a new paragraph.
const BLOCKS: &str = "p, div, br, h1, h2, h3, h4, h5, h6, li, dt, dd, tr, td, th, section, article, main, header, \
                      blockquote, pre, table, ul, ol, dl, hr, figure, figcaption, address, details, summary";

#[derive(Default)]
struct State {
    skip: usize,
    in_title: bool,
    in_h1: bool,
    title: String,
    h1: String,
    text: String,
    links: Vec<String>,
}

fn push_break(text: &mut String) {
    if !text.is_empty() && !text.ends_with("\n\n") {
        text.push_str("\n\n");
    }
}

/// Extracts title, text and links from an HTML document.
pub fn extract(html: &str) -> Page {
    let state = Rc::new(RefCell::new(State::default()));
    let (s1, s2, s3, s4, s5, s6) =
        (state.clone(), state.clone(), state.clone(), state.clone(), state.clone(), state.clone());
    let settings = Settings::new()
        .append_element_content_handler(element!(SKIPPED, move |el: &mut Element| {
            if el.end_tag_handlers().is_some() {
                s1.borrow_mut().skip += 1;
                let s = s1.clone();
                el.on_end_tag(end_tag!(move |_| {
                    let mut st = s.borrow_mut();
                    st.skip = st.skip.saturating_sub(1);
                    Ok(())
                }))?;
            }
            Ok(())
        }))
        .append_element_content_handler(element!("title", move |el: &mut Element| {
            s2.borrow_mut().in_title = true;
            let s = s2.clone();
            if el.end_tag_handlers().is_some() {
                el.on_end_tag(end_tag!(move |_| {
                    s.borrow_mut().in_title = false;
                    Ok(())
                }))?;
            }
            Ok(())
        }))
        .append_element_content_handler(element!("h1", move |el: &mut Element| {
            s5.borrow_mut().in_h1 = true;
            let s = s5.clone();
            if el.end_tag_handlers().is_some() {
                el.on_end_tag(end_tag!(move |_| {
                    s.borrow_mut().in_h1 = false;
                    Ok(())
                }))?;
            }
            Ok(())
        }))
        .append_element_content_handler(element!(BLOCKS, move |el: &mut Element| {
            push_break(&mut s3.borrow_mut().text);
            let s = s3.clone();
            if el.end_tag_handlers().is_some() {
                el.on_end_tag(end_tag!(move |_| {
                    push_break(&mut s.borrow_mut().text);
                    Ok(())
                }))?;
            }
            Ok(())
        }))
        .append_element_content_handler(element!("a[href]", move |el: &mut Element| {
            if let Some(href) = el.get_attribute("href") {
                s4.borrow_mut().links.push(decode_entities(href.trim()));
            }
            Ok(())
        }))
        .append_document_content_handler(doc_text!(move |t: &mut TextChunk| {
            let mut st = s6.borrow_mut();
            let raw = t.as_str();
            if raw.is_empty() {
                return Ok(());
            }
            let decoded = match t.text_type() {
                TextType::Data | TextType::RCData => decode_entities(raw),
                TextType::ScriptData | TextType::RawText | TextType::PlainText | TextType::CDataSection => {
                    raw.to_string()
                }
            };
            if st.in_title {
                st.title.push_str(&decoded);
                return Ok(());
            }
            if st.skip > 0 || matches!(t.text_type(), TextType::ScriptData | TextType::RawText) {
                return Ok(());
            }
            if st.in_h1 {
                st.h1.push_str(&decoded);
            }
            st.text.push_str(&decoded);
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    // A parse problem leaves what was read so far: a partial page beats none.
    let _ = rewriter.write(html.as_bytes()).and_then(|_| rewriter.end());
    let st = state.borrow();
    let clean = |s: &str| {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!t.is_empty()).then_some(t)
    };
    let text = st.text.split("\n\n").filter_map(clean).collect::<Vec<_>>().join("\n\n");
    Page { title: clean(&st.title).or_else(|| clean(&st.h1)), text, links: st.links.clone() }
}

/// The `<loc>` values of a sitemap (or sitemap index).
pub fn sitemap_locs(xml: &str) -> Vec<String> {
    let locs = Rc::new(RefCell::new(Vec::<String>::new()));
    let cur = Rc::new(RefCell::new(String::new()));
    let (l, c) = (locs.clone(), cur.clone());
    let settings = Settings::new().append_element_content_handler(text!("loc", move |t: &mut TextChunk| {
        c.borrow_mut().push_str(t.as_str());
        if t.last_in_text_node() {
            let v = decode_entities(c.borrow().trim());
            if !v.is_empty() {
                l.borrow_mut().push(v);
            }
            c.borrow_mut().clear();
        }
        Ok(())
    }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let _ = rewriter.write(xml.as_bytes()).and_then(|_| rewriter.end());
    let out = locs.borrow().clone();
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
