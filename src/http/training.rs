//! `/v1/training-data` (seed 000): text and Q&A items (chunked on create), URL training
//! (discover, process, resync: the pages are read in the background by the training
//! queue, `jobs::training`), and grounded search over an agent's knowledge.

use super::audit::Target;
use super::error::{ApiError, ApiResult};
use super::Reply;
use super::{body, json, no_content, raw_json, Ctx};
use crate::domain::agent::AgentKey;
use crate::domain::training::{self as dt, TypeProblem};
use crate::domain::validate::Errors;
use crate::domain::{chunk, html, listing, redact, time};
use crate::platform::html::{fetch_page, page_failure};
use crate::platform::now_ms;
use crate::platform::outbound::check;
use crate::store::agents as agents_store;
use crate::store::training::{self as store, Fields, Filters};
use serde_json::{json, Map, Value};

fn invalid_agent() -> ApiError {
    ApiError::Standard(400, "INVALID_AGENT", "The agent does not exist in this workspace or is trashed.".into(), None)
}

fn item_not_found() -> ApiError {
    ApiError::NotFound("Training data not found.".into())
}

fn creation_failed(detail: worker::Error) -> ApiError {
    worker::console_error!("training data creation failed: {}", crate::platform::d1::error_text(&detail));
    ApiError::Standard(500, "CREATION_FAILED", "The training data could not be created.".into(), None)
}

fn processing_failed(reason: &str) -> ApiError {
    ApiError::Standard(500, "PROCESSING_FAILED", format!("The URL could not be processed: {reason}"), None)
}

/// The agent a body names: live and in the caller's workspace, else 400 INVALID_AGENT.
async fn live_agent(cx: &Ctx, ws: i64, raw: &str) -> ApiResult<i64> {
    match agents_store::find(&cx.env, cx.origin(), ws, &AgentKey::parse(raw)).await? {
        Some(a) if a.is_trashed == 0 => Ok(a.id),
        _ => Err(invalid_agent()),
    }
}

fn item_id(cx: &Ctx) -> ApiResult<i64> {
    let raw = cx.param("id");
    match raw.parse::<i64>() {
        Ok(n) if n > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(item_not_found()),
    }
}

/// Redacts the fields, then chunks what is indexed: `(fields, chunks, redactions)`.
struct Prepared {
    title: Option<String>,
    content: Option<String>,
    question: Option<String>,
    answer: Option<String>,
    chunks: Vec<String>,
    redactions: usize,
}

fn prepare(
    kind: &str,
    title: Option<&str>,
    content: Option<&str>,
    question: Option<&str>,
    answer: Option<&str>,
) -> Prepared {
    let mut redactions = 0;
    let mut red = |s: Option<&str>| {
        s.map(|s| {
            let (out, n) = redact::redact(s);
            redactions += n;
            out
        })
    };
    let (title, content, question, answer) = (red(title), red(content), red(question), red(answer));
    let text = dt::indexable_text(
        kind,
        title.as_deref(),
        content.as_deref().unwrap_or_default(),
        question.as_deref().unwrap_or_default(),
        answer.as_deref().unwrap_or_default(),
    );
    Prepared { chunks: chunk::chunk(&text), title, content, question, answer, redactions }
}

impl Prepared {
    fn fields(&self) -> Fields<'_> {
        Fields {
            title: self.title.as_deref(),
            content: self.content.as_deref(),
            question: self.question.as_deref(),
            answer: self.answer.as_deref(),
        }
    }
}

/// POST /v1/training-data `{agent, type: "text"|"qa", ...}` → 201, chunked and indexed.
pub async fn create(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let kind = match dt::create_type(&map) {
        Ok(k) => k,
        Err(TypeProblem::Invalid(e)) => return Err(ApiError::Validation(e)),
        Err(TypeProblem::Unsupported(t)) => {
            return Err(ApiError::Standard(
                400,
                "INVALID_TYPE",
                format!("Unsupported training data type '{t}': use text or qa (url items come from /v1/training-data/urls/process)."),
                None,
            ))
        }
        Err(TypeProblem::Url) => {
            return Err(ApiError::Standard(
                422,
                "URL_DISCOVERY_REQUIRED",
                "URL training must use POST /v1/training-data/urls/discover and POST /v1/training-data/urls/process."
                    .into(),
                None,
            ))
        }
    };
    let mut fields_only = map.clone();
    let mut errors = Errors::new();
    let agent = dt::agent_field(&map, &mut errors);
    fields_only.remove("agent");
    fields_only.remove("type");
    let input = match dt::item_input(&fields_only, kind, true) {
        Ok(i) => Some(i),
        Err(e) => {
            for (k, msgs) in e.0 {
                for m in msgs {
                    errors.add(&k, m);
                }
            }
            None
        }
    };
    errors.into_result()?;
    let (Some(agent), Some(input)) = (agent, input) else { return Err(ApiError::Internal("unreachable".into())) };
    let agent_id = live_agent(cx, ws, &agent).await?;
    let title = input.title.clone().flatten();
    let p =
        prepare(kind, title.as_deref(), input.content.as_deref(), input.question.as_deref(), input.answer.as_deref());
    let now = time::format_millis(now_ms());
    // Test hook, only in the e2e build (feature `test-hooks`) with TEST_HOOKS=true: makes
    // the store step fail so the CREATION_FAILED answer can be checked end to end.
    if crate::platform::test_hooks(&cx.env)
        && cx.req.headers().get("X-Test-Fail").ok().flatten().as_deref() == Some("creation")
    {
        return Err(creation_failed(worker::Error::RustError("test hook: creation fails".into())));
    }
    let created = store::create(&cx.env, ws, agent_id, kind, &p.fields(), &p.chunks, p.redactions, &now).await;
    let created = match created {
        Ok(c) => c,
        Err(e) => return Err(super::error::write_failed(&cx.env, ws, &[], e, creation_failed).await),
    };
    let (item, events) = created.ok_or_else(|| {
        ApiError::Standard(500, "CREATION_FAILED", "The training data could not be created.".into(), None)
    })?;
    if let Some(id) = serde_json::from_str::<serde_json::Value>(&item).ok().and_then(|v| v.get("id").cloned()) {
        cx.audit_target(id.to_string());
    }
    super::webhooks::publish(cx, &events).await;
    raw_json(201, item)
}

pub async fn get(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let item = store::get_json(&cx.env, ws, item_id(cx)?).await?.ok_or_else(item_not_found)?;
    raw_json(200, item)
}

/// PATCH: text and qa items take their fields (re-chunked at once); url items a title.
pub async fn update(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = item_id(cx)?;
    let map = body::json_object(cx).await?;
    let existing = store::find(&cx.env, ws, id).await?.ok_or_else(item_not_found)?;
    let input = dt::item_input(&map, &existing.kind, false)?;
    let now = time::format_millis(now_ms());
    let item = if existing.kind == "url" {
        let title = input.title.clone().map(|t| t.map(|t| redact::redact(&t).0));
        match title {
            Some(t) => {
                store::set_title(&cx.env, ws, id, t.as_deref(), &now, cx.audit_statement(Target::PathIfChanged)?)
                    .await?
            }
            None => store::get_json(&cx.env, ws, id).await?,
        }
    } else {
        let title = match &input.title {
            Some(t) => t.clone(),
            None => existing.title.clone(),
        };
        let content = input.content.clone().or(existing.content.clone());
        let question = input.question.clone().or(existing.question.clone());
        let answer = input.answer.clone().or(existing.answer.clone());
        let p = prepare(&existing.kind, title.as_deref(), content.as_deref(), question.as_deref(), answer.as_deref());
        let before = store::get_json(&cx.env, ws, id).await?;
        let written = store::rewrite(
            &cx.env,
            ws,
            &existing,
            &p.fields(),
            &p.chunks,
            p.redactions,
            &now,
            before.as_deref(),
            cx.audit_statement(Target::Path)?,
        )
        .await;
        let written = match written {
            Ok(w) => w,
            Err(e) => return Err(super::error::write_failed(&cx.env, ws, &[], e, ApiError::from).await),
        };
        match written {
            Some((item, events)) => {
                super::webhooks::publish(cx, &events).await;
                Some(item)
            }
            None => None,
        }
    };
    raw_json(200, item.ok_or_else(item_not_found)?)
}

pub async fn delete(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let id = item_id(cx)?;
    let events =
        store::delete(&cx.env, ws, id, cx.audit_statement(Target::PathIfChanged)?).await?.ok_or_else(item_not_found)?;
    super::webhooks::publish(cx, &events).await;
    no_content()
}

/// GET /v1/training-data: the shared listing parameters plus `agent`, `type`, `status`.
pub async fn list(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let q = listing::parse(cx.query(), &dt::SORTABLE)?;
    let mut errors = Errors::new();
    // Present filters must be valid (`type=` is a 422), as the document says.
    let param = |k: &str| q.params.get(k).map(String::as_str);
    let kind = param("type");
    if let Some(k) = kind {
        if !dt::TYPES.contains(&k) {
            errors.add("type", format!("The type must be one of {}.", dt::TYPES.join(", ")));
        }
    }
    let status = param("status");
    if let Some(s) = status {
        if !dt::STATUSES.contains(&s) {
            errors.add("status", format!("The status must be one of {}.", dt::STATUSES.join(", ")));
        }
    }
    if param("agent").is_some_and(|a| a.trim().is_empty()) {
        errors.add("agent", "The agent must be an agent id or uid.");
    }
    errors.into_result()?;
    let agent_id = match param("agent") {
        Some(a) => {
            Some(agents_store::find(&cx.env, cx.origin(), ws, &AgentKey::parse(a)).await?.ok_or_else(invalid_agent)?.id)
        }
        None => None,
    };
    let (items, count) = store::list(&cx.env, ws, &q, &Filters { agent_id, kind, status }).await?;
    if q.count_only {
        return json(200, &json!({ "count": count }));
    }
    let end = q.skip + items.len() as i64;
    raw_json(200, format!(r#"{{"data":[{}],"start":{},"end":{end},"count":{count}}}"#, items.join(","), q.skip))
}

/// POST /v1/training-data/urls/discover `{agent, url}`: the page's same-site links (and
/// the site's sitemap's), nothing stored.
pub async fn discover(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let mut errors = Errors::new();
    let agent = dt::agent_field(&map, &mut errors);
    let url = match map.get("url") {
        Some(Value::String(s)) if crate::domain::outbound::http_url_problem(s).is_some() => {
            errors.add(
                "url",
                "The url must be an absolute http(s) URL with a host name (no user info, spaces or fragment).",
            );
            None
        }
        Some(Value::String(s)) => match check(&cx.env, s) {
            Ok(u) => Some(u),
            Err(r) => {
                errors.add("url", r.message());
                None
            }
        },
        None | Some(Value::Null) => {
            errors.add("url", "The url field is required.");
            None
        }
        Some(_) => {
            errors.add("url", "The url must be a string.");
            None
        }
    };
    errors.into_result()?;
    let (Some(agent), Some(url)) = (agent, url) else { return Err(ApiError::Internal("unreachable".into())) };
    live_agent(cx, ws, &agent).await?;

    let page = fetch_page(&cx.env, url.as_str()).await.map_err(|f| processing_failed(&page_failure(&f)))?;
    if !(200..300).contains(&page.status) {
        return Err(processing_failed(&format!("the page answered HTTP {}.", page.status)));
    }
    let body_text = String::from_utf8_lossy(&page.body);
    let extracted = crate::platform::html::extract(&body_text)
        .await
        .map_err(|e| processing_failed(&format!("the page could not be read as HTML: {e}.")))?;
    let mut urls = vec![dt::normalize(&url)];
    for l in dt::site_links(&url, extracted.links.iter().map(String::as_str)) {
        if !urls.contains(&l) {
            urls.push(l);
        }
    }
    // The site's sitemap, when it has one: its same-site pages are added.
    let mut sitemap = None;
    if let Ok(sm_url) = url.join("/sitemap.xml") {
        if let Ok(sm) = fetch_page(&cx.env, sm_url.as_str()).await {
            let text = String::from_utf8_lossy(&sm.body);
            if (200..300).contains(&sm.status) && html::looks_like_sitemap(&text) {
                sitemap = Some(sm_url.to_string());
                let locs = html::sitemap_locs(&text);
                for l in dt::site_links(&url, locs.iter().map(String::as_str)) {
                    if !urls.contains(&l) {
                        urls.push(l);
                    }
                }
            }
        }
    }
    urls.truncate(dt::MAX_DISCOVERED);
    json(
        200,
        &json!({ "url": dt::normalize(&url), "title": extracted.title, "sitemap": sitemap, "count": urls.len(), "urls": urls }),
    )
}

/// POST /v1/training-data/urls/process `{agent, urls}` → 202 with the pending url items.
pub async fn process(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let mut errors = Errors::new();
    let agent = dt::agent_field(&map, &mut errors);
    let values: Vec<Value> = match map.get("urls") {
        Some(Value::Array(a)) if a.len() <= dt::MAX_URLS => a.clone(),
        Some(Value::Array(_)) => {
            errors.add("urls", format!("At most {} URLs may be processed at once.", dt::MAX_URLS));
            Vec::new()
        }
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            errors.add("urls", "The urls must be an array of URLs.");
            Vec::new()
        }
    };
    errors.into_result()?;
    let Some(agent) = agent else { return Err(ApiError::Internal("unreachable".into())) };
    let env = &cx.env;
    let list = dt::url_list(&values, |u| check(env, u));
    let rejected: Vec<Value> = list.rejected.iter().map(|(u, why)| json!({"url": u, "reason": why})).collect();
    if list.accepted.is_empty() {
        let mut extra = Map::new();
        extra.insert(
            "urls".into(),
            Value::Array(list.rejected.iter().map(|(u, why)| Value::String(format!("{u}: {why}"))).collect()),
        );
        return Err(ApiError::Standard(
            422,
            "NO_URLS_PROVIDED",
            "No valid URLs were provided: give http(s) URLs of public pages in `urls`.".into(),
            Some(extra),
        ));
    }
    let agent_id = live_agent(cx, ws, &agent).await?;
    let now = time::format_millis(now_ms());
    let (items, events) = match store::upsert_urls(&cx.env, ws, agent_id, &list.accepted, &now).await {
        Ok(r) => r,
        Err(e) => return Err(super::error::write_failed(&cx.env, ws, &[], e, creation_failed).await),
    };
    super::webhooks::publish(cx, &events).await;
    queue_items(cx, ws, &items, &now).await?;
    raw_json(
        202,
        format!(
            r#"{{"data":[{}],"count":{},"rejected":{}}}"#,
            items.join(","),
            items.len(),
            serde_json::to_string(&rejected)?
        ),
    )
}

/// POST /v1/training-data/urls/resync `{agent}` → 202 with the re-queued url items.
pub async fn resync(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let map = body::json_object(cx).await?;
    let mut errors = Errors::new();
    let agent = dt::agent_field(&map, &mut errors);
    errors.into_result()?;
    let Some(agent) = agent else { return Err(ApiError::Internal("unreachable".into())) };
    let agent_id = live_agent(cx, ws, &agent).await?;
    let now = time::format_millis(now_ms());
    let items = store::resync(&cx.env, ws, agent_id, &now).await?;
    if items.is_empty() {
        // Seed 000's business-state body, exactly.
        return Err(ApiError::Raw(
            422,
            json!({"success": false, "message": "No completed URLs found to resync"}),
            vec![],
        ));
    }
    queue_items(cx, ws, &items, &now).await?;
    raw_json(202, format!(r#"{{"data":[{}],"count":{}}}"#, items.join(","), items.len()))
}

/// Admits the workspace's waiting items to the queue, as many as its share allows (the
/// rest follow as its pages finish); if the queue refuses, the items fail visibly instead
/// of waiting.
async fn queue_items(cx: &Ctx, ws: i64, items: &[String], now: &str) -> ApiResult<()> {
    let ids: Vec<i64> = items
        .iter()
        .filter_map(|i| serde_json::from_str::<Value>(i).ok().and_then(|v| v.get("id").and_then(Value::as_i64)))
        .collect();
    if let Err(e) = store::admit(&cx.env, ws).await {
        worker::console_error!("training queue send failed: {}", crate::platform::d1::error_text(&e));
        let events = store::fail_many(&cx.env, ws, &ids, "The item could not be queued for processing.", now).await?;
        super::webhooks::publish(cx, &events).await;
        return Err(processing_failed("the items could not be queued for processing."));
    }
    Ok(())
}

/// GET /v1/agents/{agent}/knowledge/search?q=&limit=: bm25-ranked chunks with citations.
pub async fn search(cx: &mut Ctx) -> ApiResult<Reply> {
    let ws = cx.caller()?.workspace_id;
    let params: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(cx.query().as_bytes()).into_owned().collect();
    let mut errors = Errors::new();
    let raw = params.get("q").map(String::as_str).unwrap_or_default();
    let q = raw.trim().to_string();
    if q.is_empty() {
        errors.add("q", "The q field is required.");
    } else if raw.chars().count() > 500 {
        errors.add("q", "The q may not be greater than 500 characters.");
    }
    let limit = match params.get("limit").map(String::as_str) {
        None => 10,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                errors.add("limit", "The limit must be an integer between 1 and 50.");
                10
            }
        },
    };
    errors.into_result()?;
    let agent = super::agents::find_live(cx, ws, false).await?;
    // A query without a word (only punctuation, say) matches nothing.
    let hits = match dt::fts_query(&dt::scope_token(agent.id), &q) {
        Some(fts) => store::search(&cx.env, ws, agent.id, &fts, limit).await?,
        None => Vec::new(),
    };
    json(200, &json!({ "query": q, "count": hits.len(), "data": hits }))
}
