//! An export's body written out: ASR's REST body as JSON, an ARM template
//! (a `deploymentTemplate` with one
//! `Microsoft.RecoveryServices/vaults/replicationRecoveryPlans` resource, to
//! deploy to the vault's resource group) or the same resource in Bicep.

use serde_json::{Value, json};

use crate::interop::asr::CreateRecoveryPlanInput;

/// The api-version the template and Bicep name.
pub const API_VERSION: &str = crate::provider::azure::ASR_API_VERSION;

/// The three forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `CreateRecoveryPlanInput`, as `PUT` takes it.
    Json,
    /// An ARM template.
    Arm,
    /// Bicep.
    Bicep,
}

/// The vault's name: the last segment of its id.
fn vault_name(vault: &str) -> &str {
    vault
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(vault)
}

/// `body` as `form`, ending in a newline.
pub fn render(form: Form, body: &CreateRecoveryPlanInput, vault: &str, name: &str) -> String {
    let value = serde_json::to_value(body).unwrap_or(Value::Null);
    match form {
        Form::Json => pretty(&value),
        Form::Arm => pretty(&json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{
                "type": "Microsoft.RecoveryServices/vaults/replicationRecoveryPlans",
                "apiVersion": API_VERSION,
                "name": format!("{}/{name}", vault_name(vault)),
                "properties": value["properties"],
            }],
        })),
        Form::Bicep => {
            let mut out = format!(
                "resource vault 'Microsoft.RecoveryServices/vaults@{API_VERSION}' existing = {{\n  name: {}\n}}\n\n\
                 resource recoveryPlan 'Microsoft.RecoveryServices/vaults/replicationRecoveryPlans@{API_VERSION}' = {{\n  parent: vault\n  name: {}\n  properties: ",
                bicep_string(vault_name(vault)),
                bicep_string(name)
            );
            bicep_value(&value["properties"], 1, &mut out);
            out.push_str("\n}\n");
            out
        }
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// A Bicep string literal: single quotes, `\` escapes, `${` kept literal.
pub fn bicep_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A Bicep object key: bare when it is an identifier.
fn bicep_key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident { k.to_owned() } else { bicep_string(k) }
}

fn bicep_value(value: &Value, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&bicep_string(s)),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&indent);
                out.push_str("  ");
                bicep_value(item, depth + 1, out);
                out.push('\n');
            }
            out.push_str(&indent);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push_str("{\n");
            for (k, v) in map {
                out.push_str(&indent);
                out.push_str("  ");
                out.push_str(&bicep_key(k));
                out.push_str(": ");
                bicep_value(v, depth + 1, out);
                out.push('\n');
            }
            out.push_str(&indent);
            out.push('}');
        }
    }
}
