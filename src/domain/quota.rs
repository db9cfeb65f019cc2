//! Storage quotas per plan (CONTRACT.md, "Limits and fairness"): the plans' defaults, the
//! operator's per-workspace overrides, the decision and the words of a refusal. The counts
//! and the check itself live in `store::quotas`, inside the write's own D1 batch.

use super::validate::Errors;
use serde_json::{Map, Value};

/// What a quota limits. The names are the API's: the `resource` of a refusal and the keys
/// of `storage_quotas` (in `GET /v1/workspace`, the operator API and `GET /v1/usage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Agents,
    FunctionsPerAgent,
    Customers,
    Conversations,
    MessagesPerConversation,
    TrainingItems,
    TrainingBytes,
    BlobBytes,
    WebhookSubscriptions,
    WidgetKeys,
}

const MB: i64 = 1_000_000;
const GB: i64 = 1_000_000_000;

/// The largest limit an operator may set: JSON numbers stay exact up to 2^53, and D1
/// binds integers as JS numbers.
pub const MAX_LIMIT: i64 = 1_000_000_000_000_000;

impl Resource {
    /// In the order of CONTRACT.md's table, which is the order of every `storage_quotas`
    /// and `storage` object.
    pub const ALL: [Resource; 10] = [
        Resource::Agents,
        Resource::FunctionsPerAgent,
        Resource::Customers,
        Resource::Conversations,
        Resource::MessagesPerConversation,
        Resource::TrainingItems,
        Resource::TrainingBytes,
        Resource::BlobBytes,
        Resource::WebhookSubscriptions,
        Resource::WidgetKeys,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Resource::Agents => "agents",
            Resource::FunctionsPerAgent => "functions_per_agent",
            Resource::Customers => "customers",
            Resource::Conversations => "conversations",
            Resource::MessagesPerConversation => "messages_per_conversation",
            Resource::TrainingItems => "training_items",
            Resource::TrainingBytes => "training_bytes",
            Resource::BlobBytes => "blob_bytes",
            Resource::WebhookSubscriptions => "webhook_subscriptions",
            Resource::WidgetKeys => "widget_keys",
        }
    }

    pub fn parse(name: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The defaults of the free, pro and enterprise plans. Bytes are decimal: MB = 10^6,
    /// GB = 10^9.
    pub fn defaults(self) -> [i64; 3] {
        match self {
            Resource::Agents => [10, 100, 1_000],
            Resource::FunctionsPerAgent => [20, 50, 100],
            Resource::Customers | Resource::Conversations => [1_000, 100_000, 1_000_000],
            Resource::MessagesPerConversation => [1_000, 10_000, 100_000],
            Resource::TrainingItems => [100, 10_000, 100_000],
            Resource::TrainingBytes | Resource::BlobBytes => [10 * MB, 200 * MB, 2 * GB],
            Resource::WebhookSubscriptions | Resource::WidgetKeys => [5, 20, 100],
        }
    }

    /// The plan's default limit (an unknown plan is `free`, as `workspace::plan_defaults`).
    pub fn plan_default(self, plan: &str) -> i64 {
        let [free, pro, enterprise] = self.defaults();
        match plan {
            "pro" => pro,
            "enterprise" => enterprise,
            _ => free,
        }
    }
}

/// Validates the operator API's `storage_quotas`: an object of known resource names, each
/// a positive integer. Partial: what it leaves out takes the plan's default. Returns the
/// overrides as stored (JSON text of the object).
pub fn overrides_input(value: &Value, errors: &mut Errors) -> Option<String> {
    let Some(map) = value.as_object() else {
        errors.add("storage_quotas", "The storage_quotas must be an object of resource names and limits.");
        return None;
    };
    let mut out = Map::new();
    let before = errors.0.len();
    for (key, v) in map {
        let field = format!("storage_quotas.{key}");
        let Some(resource) = Resource::parse(key) else {
            let known: Vec<&str> = Resource::ALL.iter().map(|r| r.name()).collect();
            errors.add(&field, format!("Unknown resource '{key}': use {}.", known.join(", ")));
            continue;
        };
        match v.as_i64().filter(|n| (1..=MAX_LIMIT).contains(n)) {
            Some(n) => {
                out.insert(resource.name().into(), Value::from(n));
            }
            None => errors.add(&field, format!("The {field} must be an integer between 1 and {MAX_LIMIT}.")),
        }
    }
    (errors.0.len() == before).then(|| Value::Object(out).to_string())
}

/// The limits that apply: every resource, in table order, the override where the
/// workspace has one (`overrides`: the stored JSON text, `None`: the plan's defaults).
pub fn effective(plan: &str, overrides: Option<&str>) -> Vec<(Resource, i64)> {
    let set: Map<String, Value> = overrides.and_then(|o| serde_json::from_str(o).ok()).unwrap_or_default();
    Resource::ALL
        .into_iter()
        .map(|r| (r, set.get(r.name()).and_then(Value::as_i64).unwrap_or_else(|| r.plan_default(plan))))
        .collect()
}

/// `effective` as the API shows it: `{"agents": 10, ...}`, all ten keys.
pub fn effective_json(plan: &str, overrides: Option<&str>) -> Value {
    Value::Object(effective(plan, overrides).into_iter().map(|(r, n)| (r.name().to_string(), Value::from(n))).collect())
}

/// The decision: a write that adds `adding` to `current` is refused past the limit
/// (reaching it exactly is allowed). The write batch's guard applies the same rule to the
/// count after the write, `current + adding`.
pub fn exceeds(current: i64, adding: i64, limit: i64) -> bool {
    current.saturating_add(adding) > limit
}

/// A refused write: what the 403 reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Exceeded {
    pub resource: Resource,
    pub current: i64,
    pub limit: i64,
    pub plan: String,
}

impl Exceeded {
    pub fn message(&self) -> String {
        format!(
            "Storage quota exceeded: {} ({} of {} on the {} plan).",
            self.resource.name(),
            self.current,
            self.limit,
            self.plan
        )
    }
}

/// The text a guard aborts its batch with, `STORAGE_QUOTA_EXCEEDED(<resource>)`
/// (migration 0009's trigger): which resource refused, found in the error D1 reports.
pub const REFUSAL_MARK: &str = "STORAGE_QUOTA_EXCEEDED(";

pub fn refused_resource(error_text: &str) -> Option<Resource> {
    let rest = &error_text[error_text.find(REFUSAL_MARK)? + REFUSAL_MARK.len()..];
    Resource::parse(&rest[..rest.find(')')?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_the_contract_table() {
        let row = |plan: &str| effective(plan, None).into_iter().map(|(_, n)| n).collect::<Vec<_>>();
        assert_eq!(row("free"), [10, 20, 1_000, 1_000, 1_000, 100, 10_000_000, 10_000_000, 5, 5]);
        assert_eq!(row("pro"), [100, 50, 100_000, 100_000, 10_000, 10_000, 200_000_000, 200_000_000, 20, 20]);
        assert_eq!(
            row("enterprise"),
            [1_000, 100, 1_000_000, 1_000_000, 100_000, 100_000, 2_000_000_000, 2_000_000_000, 100, 100]
        );
    }

    #[test]
    fn names_round_trip_and_keep_table_order() {
        for r in Resource::ALL {
            assert_eq!(Resource::parse(r.name()), Some(r));
        }
        assert_eq!(Resource::parse("agent"), None);
        let shown = effective_json("free", None);
        let keys: Vec<&String> = shown.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 10);
        assert_eq!(keys[0], "agents");
        assert_eq!(keys[9], "widget_keys");
    }

    #[test]
    fn overrides_are_partial_and_replace_only_their_keys() {
        let mut e = Errors::new();
        let stored = overrides_input(&json!({"agents": 2, "blob_bytes": 5000}), &mut e).unwrap();
        assert!(e.is_empty());
        let shown = effective_json("pro", Some(&stored));
        assert_eq!(shown["agents"], 2);
        assert_eq!(shown["blob_bytes"], 5000);
        assert_eq!(shown["customers"], 100_000);
        assert_eq!(overrides_input(&json!({}), &mut e).as_deref(), Some("{}"));
        // Stored text that is not an object (never written by the API) means no overrides.
        assert_eq!(effective_json("free", Some("nonsense"))["agents"], 10);
    }

    #[test]
    fn overrides_refuse_unknown_keys_and_non_positive_integers() {
        let mut e = Errors::new();
        let out = overrides_input(
            &json!({"agent": 1, "customers": 0, "conversations": -3, "training_bytes": 1.5, "blob_bytes": "9",
                    "messages_per_conversation": null, "agents": MAX_LIMIT + 1, "widget_keys": 1}),
            &mut e,
        );
        assert_eq!(out, None);
        for k in [
            "agent",
            "customers",
            "conversations",
            "training_bytes",
            "blob_bytes",
            "messages_per_conversation",
            "agents",
        ] {
            assert!(e.has(&format!("storage_quotas.{k}")), "{k}: {e:?}");
        }
        assert!(!e.has("storage_quotas.widget_keys"));
        let mut e = Errors::new();
        assert_eq!(overrides_input(&json!([1]), &mut e), None);
        assert!(e.has("storage_quotas"));
        let mut e = Errors::new();
        assert_eq!(overrides_input(&Value::Null, &mut e), None);
        assert!(e.has("storage_quotas"));
    }

    #[test]
    fn reaching_the_limit_is_allowed_passing_it_is_not() {
        assert!(!exceeds(9, 1, 10));
        assert!(exceeds(10, 1, 10));
        assert!(exceeds(0, 3, 2));
        assert!(!exceeds(5, 0, 5));
        assert!(exceeds(9_999_000, 1_001, 10_000_000));
        assert!(exceeds(i64::MAX, 1, MAX_LIMIT));
    }

    #[test]
    fn refusal_words_and_the_guard_text() {
        let x = Exceeded { resource: Resource::Agents, current: 10, limit: 10, plan: "free".into() };
        assert_eq!(x.message(), "Storage quota exceeded: agents (10 of 10 on the free plan).");
        assert_eq!(
            refused_resource("D1_ERROR: STORAGE_QUOTA_EXCEEDED(functions_per_agent): SQLITE_CONSTRAINT"),
            Some(Resource::FunctionsPerAgent)
        );
        assert_eq!(refused_resource("STORAGE_QUOTA_EXCEEDED(nothing)"), None);
        assert_eq!(refused_resource("UNIQUE constraint failed"), None);
        assert_eq!(refused_resource("STORAGE_QUOTA_EXCEEDED(agents"), None);
    }
}
