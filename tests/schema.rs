//! The JSON Schemas in docs/ must match the code.

use barometer::evidence::Evidence;
use barometer::facts::Facts;

fn check(file: &str, schema: serde_json::Value, what: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        on_disk == schema,
        "docs/{file} is out of date: run `cargo run -- schema {what} > docs/{file}`"
    );
}

#[test]
fn evidence_schema_is_in_sync() {
    check("evidence.schema.json", Evidence::json_schema(), "evidence");
}

#[test]
fn facts_schema_is_in_sync() {
    check("facts.schema.json", Facts::json_schema(), "facts");
}
