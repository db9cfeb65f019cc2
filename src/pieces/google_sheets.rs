//! Google Sheets: `append_row` reads the sheet's header row
//! (`GET .../v4/spreadsheets/{id}/values/{sheet}!1:1`), places each value under its column
//! (a key that is no column is a VALIDATION_ERROR; a column without a value gets `""`),
//! then appends the row (`POST .../values/{sheet}:append?valueInputOption=USER_ENTERED`).
//! Output: `{spreadsheetId, updatedRange, updatedRows}` from the answer's `updates`.

use super::{bearer_json_headers, encode_segment, failure_output, is_success, join, upstream_error};
use super::{Action, Outcome, Piece, Run, RunCx};
use crate::domain::action_input::{required, Kind};
use crate::platform::outbound::{Answer, Outbound};
use serde_json::{json, Map, Value};
use worker::Method;

pub const BASE_VAR: &str = "GOOGLE_SHEETS_API_BASE";
pub const BASE_DEFAULT: &str = "https://sheets.googleapis.com";

pub static PIECE: Piece = Piece {
    name: "google-sheets",
    display_name: "Google Sheets",
    description: "Read and write Google Sheets spreadsheets.",
    credentials: Some(&["access_token"]),
    actions: &[Action {
        name: "append_row",
        display_name: "Append row",
        description: "Appends a row, placing each value under the header-row column of the same name.",
        needs_connection: true,
        fields: &[
            required("spreadsheet_id", Kind::Str, "The spreadsheet id (from its URL)."),
            required("sheet_name", Kind::Str, "The sheet (tab) name, e.g. Leads."),
            required("values", Kind::ScalarMap, "Column name (as in the header row) → value."),
        ],
        run: Run::SheetsAppendRow,
    }],
};

/// The sheet name in A1 notation: quoted (`'My Leads'`, quotes doubled) unless it is
/// letters, digits and underscores only.
pub fn a1_sheet(name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

fn values_url(base: &str, spreadsheet_id: &str, range: &str) -> String {
    join(base, &format!("v4/spreadsheets/{}/values/{range}", encode_segment(spreadsheet_id)))
}

/// The request for the header row (row 1).
pub fn header_request(base: &str, token: &str, spreadsheet_id: &str, sheet: &str) -> Outbound {
    let range = format!("{}!1:1", encode_segment(&a1_sheet(sheet)));
    let mut headers = bearer_json_headers(token);
    headers.retain(|(k, _)| k != "Content-Type");
    Outbound { method: Method::Get, url: values_url(base, spreadsheet_id, &range), headers, body: None }
}

/// The column names of a header-row answer (`{"values": [["Name", "Email"]]}`).
pub fn header_columns(answer: &Value) -> Vec<String> {
    let row = answer.get("values").and_then(Value::as_array).and_then(|rows| rows.first()).and_then(Value::as_array);
    row.map(|cells| {
        cells
            .iter()
            .map(|c| match c {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Places each value under its column; `Err` names the first key that is no column.
pub fn place(columns: &[String], values: &Map<String, Value>, sheet: &str) -> Result<Vec<Value>, String> {
    let mut row = vec![Value::String(String::new()); columns.len()];
    for (key, value) in values {
        let pos = columns
            .iter()
            .position(|c| c == key)
            .or_else(|| columns.iter().position(|c| c.trim().eq_ignore_ascii_case(key.trim())))
            .ok_or_else(|| format!("Column '{key}' not found in the header row of sheet '{sheet}'"))?;
        row[pos] = if value.is_null() { Value::String(String::new()) } else { value.clone() };
    }
    Ok(row)
}

pub fn append_request(base: &str, token: &str, spreadsheet_id: &str, sheet: &str, row: Vec<Value>) -> Outbound {
    let range = format!("{}:append?valueInputOption=USER_ENTERED", encode_segment(&a1_sheet(sheet)));
    Outbound {
        method: Method::Post,
        url: values_url(base, spreadsheet_id, &range),
        headers: bearer_json_headers(token),
        body: Some(json!({"values": [row]}).to_string().into_bytes()),
    }
}

/// The output of a successful append answer.
pub fn append_output(answer: &Value, spreadsheet_id: &str) -> Value {
    let updates = answer.get("updates").cloned().unwrap_or(Value::Null);
    json!({
        "spreadsheetId": updates.get("spreadsheetId").or_else(|| answer.get("spreadsheetId"))
            .cloned().unwrap_or_else(|| Value::String(spreadsheet_id.into())),
        "updatedRange": updates.get("updatedRange").cloned().unwrap_or(Value::Null),
        "updatedRows": updates.get("updatedRows").cloned().unwrap_or(Value::Null),
    })
}

fn text<'a>(input: &'a Map<String, Value>, key: &str) -> &'a str {
    input.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub async fn append_row(cx: &RunCx<'_>, input: &Map<String, Value>) -> Outcome {
    let base = cx.base(BASE_VAR, BASE_DEFAULT);
    let (id, sheet) = (text(input, "spreadsheet_id"), text(input, "sheet_name"));
    let empty = Map::new();
    let values = input.get("values").and_then(Value::as_object).unwrap_or(&empty);
    let header: Answer = match cx.send(header_request(&base, cx.access_token(), id, sheet)).await {
        Err(f) => return Outcome::failed(failure_output(&f)),
        Ok(a) if a.truncated => return Outcome::failed(super::too_large(&a)),
        Ok(a) if !is_success(a.status) => return Outcome::failed(upstream_error(&a)),
        Ok(a) => a,
    };
    let row = match place(&header_columns(&header.body_value()), values, sheet) {
        Ok(row) => row,
        Err(msg) => return Outcome::Invalid(msg),
    };
    match cx.send(append_request(&base, cx.access_token(), id, sheet, row)).await {
        Err(f) => Outcome::failed(failure_output(&f)),
        Ok(a) if a.truncated => Outcome::failed(super::too_large(&a)),
        Ok(a) if !is_success(a.status) => Outcome::failed(upstream_error(&a)),
        Ok(a) => Outcome::ok(append_output(&a.body_value(), id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sheet_names_in_a1_notation() {
        assert_eq!(a1_sheet("Leads"), "Leads");
        assert_eq!(a1_sheet("My Leads"), "'My Leads'");
        assert_eq!(a1_sheet("Bob's"), "'Bob''s'");
    }

    #[test]
    fn header_and_append_urls_encode_their_segments() {
        let h = header_request("http://m/sheets", "tok", "1Bxi/M", "Leads");
        assert_eq!(h.url, "http://m/sheets/v4/spreadsheets/1Bxi%2FM/values/Leads!1:1");
        assert_eq!(h.method, Method::Get);
        assert!(h.headers.contains(&("Authorization".into(), "Bearer tok".into())));
        let h = header_request("http://m/sheets", "tok", "id", "My Leads");
        assert_eq!(h.url, "http://m/sheets/v4/spreadsheets/id/values/%27My%20Leads%27!1:1");
        let a = append_request("http://m/sheets", "tok", "id", "Leads", vec![json!("x")]);
        assert_eq!(a.url, "http://m/sheets/v4/spreadsheets/id/values/Leads:append?valueInputOption=USER_ENTERED");
        assert_eq!(serde_json::from_slice::<Value>(&a.body.unwrap()).unwrap(), json!({"values": [["x"]]}));
    }

    #[test]
    fn values_go_under_their_columns_and_gaps_are_empty() {
        let header = json!({"range": "Leads!A1:D1", "values": [["Name", "Email", "Source", "Date"]]});
        let columns = header_columns(&header);
        assert_eq!(columns, cols(&["Name", "Email", "Source", "Date"]));
        let values = json!({"Date": "2025-02-01", "Name": "Jane", "Source": null});
        let row = place(&columns, values.as_object().unwrap(), "Leads").unwrap();
        assert_eq!(row, vec![json!("Jane"), json!(""), json!(""), json!("2025-02-01")]);
        // Numbers and booleans stay what they are; names match case-insensitively as a fallback.
        let row = place(&columns, json!({"email": 5, "Name": true}).as_object().unwrap(), "Leads").unwrap();
        assert_eq!(row, vec![json!(true), json!(5), json!(""), json!("")]);
    }

    #[test]
    fn an_unknown_column_is_refused() {
        let columns = cols(&["Name"]);
        assert_eq!(
            place(&columns, json!({"Phone": "1"}).as_object().unwrap(), "Leads"),
            Err("Column 'Phone' not found in the header row of sheet 'Leads'".into())
        );
        // No header row at all: every key is unknown.
        assert!(header_columns(&json!({"range": "Leads!1:1"})).is_empty());
        assert_eq!(header_columns(&json!({"values": [[1, null, "x"]]})), cols(&["1", "", "x"]));
    }

    #[test]
    fn output_comes_from_updates() {
        let answer = json!({"spreadsheetId": "id", "updates": {"spreadsheetId": "id", "updatedRange": "Leads!A15:D15", "updatedRows": 1, "updatedCells": 4}});
        assert_eq!(
            append_output(&answer, "id"),
            json!({"spreadsheetId": "id", "updatedRange": "Leads!A15:D15", "updatedRows": 1})
        );
        assert_eq!(append_output(&json!({}), "x")["spreadsheetId"], "x");
    }
}
