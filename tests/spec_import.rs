//! `spec import`: the OpenAPI → JSON Schema conversion rules on small documents, clear errors,
//! and the CLI (`--out`, `--strict`, `--operation`/`--status`). The vendor components are in
//! `spec_import_vendor.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use sessconform::schema::SchemaStore;
use sessconform::spec::import::{Target, import};
use sessconform::spec::{OpenApi, Profile, SpecError};

fn vendor(file: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vendor")).join(file)
}

fn doc(yaml: &str) -> OpenApi {
    OpenApi::parse("test.yml", yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn component(api: &OpenApi, name: &str, profile: Profile) -> Value {
    import(api, Target::Component(name), "t/x", profile)
        .unwrap_or_else(|e| panic!("{e}"))
        .schema
}

/// Compiles `schemas` (id → document) in a store with the built-in ones.
fn store_with(schemas: &[(&str, &Value)]) -> (tempfile::TempDir, SchemaStore) {
    let dir = tempfile::tempdir().unwrap();
    for (id, schema) in schemas {
        let path = dir.path().join(format!("{id}.json"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string(schema).unwrap()).unwrap();
    }
    let store =
        SchemaStore::load(true, &[dir.path().to_path_buf()]).unwrap_or_else(|e| panic!("{e}"));
    (dir, store)
}

const SMALL_30: &str = r#"
openapi: 3.0.3
info: {title: Small, version: '7'}
paths: {}
components:
  schemas:
    Pet:
      type: object
      description: A pet.
      additionalProperties: false
      required: [id, kind, password]
      properties:
        id: {type: string, format: uuid, readOnly: true, example: 3f1c}
        kind: {type: string, enum: [cat, dog], nullable: true}
        born: {type: integer, format: int64, nullable: true}
        weight: {type: number, minimum: 0, exclusiveMinimum: true}
        password: {type: string, writeOnly: true}
        owner: {$ref: '#/components/schemas/Owner'}
        n: {type: string}
      x-internal: yes
    Owner:
      type: object
      required: [n]
      properties:
        n: {type: string}
        pets: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    Shape:
      oneOf:
        - $ref: '#/components/schemas/Circle'
        - $ref: '#/components/schemas/Square'
      discriminator:
        propertyName: kind
        mapping: {circle: '#/components/schemas/Circle', square: '#/components/schemas/Square'}
    Circle:
      type: object
      required: [kind, r]
      properties: {kind: {type: string, enum: [circle]}, r: {type: number}}
    Square:
      allOf:
        - type: object
          properties: {kind: {type: string, enum: [square]}}
        - type: object
          required: [side]
          properties: {side: {type: number}}
    Maybe:
      nullable: true
      allOf: [{$ref: '#/components/schemas/Circle'}]
    Broken:
      type: object
      properties: {x: {$ref: 'other.yml#/components/schemas/X'}}
    Dangling:
      type: object
      properties: {x: {$ref: '#/components/schemas/Nowhere'}}
"#;

#[test]
fn openapi_30_rules() {
    let api = doc(SMALL_30);
    let pet = component(&api, "Pet", Profile::Lenient);
    let props = &pet["properties"];
    assert_eq!(
        props["kind"]["type"],
        json!(["string", "null"]),
        "nullable → type array"
    );
    assert_eq!(
        props["kind"]["enum"],
        json!(["cat", "dog", null]),
        "null joins a closed enum"
    );
    assert_eq!(props["born"]["type"], json!(["integer", "null"]));
    assert_eq!(props["born"]["format"], "int64", "formats kept");
    assert_eq!(props["id"]["format"], "uuid");
    assert_eq!(
        props["id"]["examples"],
        json!(["3f1c"]),
        "example → examples"
    );
    assert!(props["id"].get("example").is_none());
    assert_eq!(props["id"]["readOnly"], true);
    assert_eq!(
        props["weight"]["exclusiveMinimum"], 0,
        "3.0 boolean bound → 2020-12 number"
    );
    assert!(props["weight"].get("minimum").is_none());
    assert_eq!(
        pet["required"],
        json!(["id", "kind"]),
        "a writeOnly member is never in a response"
    );
    assert_eq!(props["password"]["writeOnly"], true);
    assert_eq!(
        props["n"]["type"], "string",
        "YAML 1.2: the key `n` is not a boolean"
    );
    assert!(
        pet.get("additionalProperties").is_none(),
        "lenient: the vendor's closed object opens"
    );
    assert!(pet.get("x-internal").is_none(), "vendor extensions dropped");
    assert_eq!(props["owner"]["$ref"], "#/$defs/Owner");
    assert_eq!(
        pet["$defs"]["Owner"]["properties"]["pets"]["items"]["$ref"], "#/$defs/Pet",
        "cycle kept as a reference"
    );
    assert_eq!(pet["$id"], "https://sessconform.dev/specs/t/x");
    assert_eq!(
        pet["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        pet["x-source"],
        json!({"file": "test.yml", "component": "Pet", "version": "7"})
    );
    let description = pet["description"].as_str().unwrap();
    assert!(
        description.contains("test.yml (OpenAPI 3.0.3, info.version 7): components.schemas.Pet")
            && description.ends_with("A pet."),
        "{description}"
    );

    let strict = component(&api, "Pet", Profile::Strict);
    assert_eq!(strict["$id"], "https://sessconform.dev/specs/strict/t/x");
    assert_eq!(strict["additionalProperties"], false);
    assert_eq!(strict["$defs"]["Owner"]["additionalProperties"], false);

    // Both compile in our store, and the recursion validates.
    let (_dir, store) = store_with(&[("t/x", &pet), ("strict/t/x", &strict)]);
    let body = json!({"id": "0b5e4b4e-3f1c-4d7e-9a55-0f3a2b1c4d5e", "kind": null, "extra": 1, "owner": {"n": "a", "pets": [{"id": "5d3c2b1a-0f9e-4d8c-8b7a-6e5f4d3c2b1a", "kind": "cat"}]}});
    let v = store.validate("t/x", &body).unwrap();
    assert!(v.is_empty(), "{v:?}");
    let strict_violations = store.validate("strict/t/x", &body).unwrap();
    assert_eq!(strict_violations.len(), 1, "{strict_violations:?}");
    assert_eq!(strict_violations[0].keyword, "additionalProperties");
    let nested = json!({"id": "0b5e4b4e-3f1c-4d7e-9a55-0f3a2b1c4d5e", "kind": "cat", "owner": {"n": "a", "pets": [{"id": "5d3c2b1a-0f9e-4d8c-8b7a-6e5f4d3c2b1a", "kind": "fish"}]}});
    let v = store.validate("t/x", &nested).unwrap();
    assert_eq!(v[0].instance_path, "/owner/pets/0/kind");
    // The kept format is enforced by our store.
    let v = store
        .validate("t/x", &json!({"id": "1", "kind": "cat"}))
        .unwrap();
    assert_eq!(
        (v[0].instance_path.as_str(), v[0].keyword.as_str()),
        ("/id", "format")
    );
}

#[test]
fn composition_and_discriminator_are_kept() {
    let api = doc(SMALL_30);
    let shape = component(&api, "Shape", Profile::Lenient);
    assert_eq!(
        shape["oneOf"],
        json!([{"$ref": "#/$defs/Circle"}, {"$ref": "#/$defs/Square"}])
    );
    assert_eq!(shape["discriminator"]["propertyName"], "kind");
    assert_eq!(
        shape["discriminator"]["mapping"]["square"],
        "#/$defs/Square"
    );
    assert!(shape["$defs"]["Square"]["allOf"].is_array());
    let maybe = component(&api, "Maybe", Profile::Lenient);
    assert_eq!(
        maybe["anyOf"][1],
        json!({"type": "null"}),
        "nullable without a type"
    );
    let (_dir, store) = store_with(&[
        ("t/shape", &with_id(shape, "t/shape")),
        ("t/maybe", &with_id(maybe, "t/maybe")),
    ]);
    assert!(
        store
            .validate("t/shape", &json!({"kind": "circle", "r": 1}))
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .validate("t/shape", &json!({"kind": "square"}))
            .unwrap()
            .is_empty()
    );
    assert!(store.validate("t/maybe", &Value::Null).unwrap().is_empty());
}

fn with_id(mut schema: Value, id: &str) -> Value {
    schema["$id"] = json!(format!("https://sessconform.dev/specs/{id}"));
    schema
}

#[test]
fn openapi_31_type_arrays_and_examples_pass_through() {
    let api = doc(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\ncomponents:\n  schemas:\n    S:\n      type: [string, 'null']\n      examples: [a]\n      nullable: true\n      exclusiveMinimum: 3\n",
    );
    let s = component(&api, "S", Profile::Lenient);
    assert_eq!(s["type"], json!(["string", "null"]));
    assert_eq!(s["examples"], json!(["a"]));
    assert_eq!(s["exclusiveMinimum"], 3);
}

#[test]
fn bad_input_gives_clear_errors() {
    let api = doc(SMALL_30);
    let missing = import(&api, Target::Component("Pets"), "t/x", Profile::Lenient).unwrap_err();
    assert!(matches!(missing, SpecError::MissingComponent { .. }));
    assert_eq!(
        missing.to_string(),
        "test.yml: no component `Pets` under components.schemas; did you mean Pet?"
    );
    let external = import(&api, Target::Component("Broken"), "t/x", Profile::Lenient).unwrap_err();
    assert!(
        external.to_string().contains(
            "$ref \"other.yml#/components/schemas/X\" at /components/schemas/Broken/properties/x"
        ),
        "{external}"
    );
    let dangling =
        import(&api, Target::Component("Dangling"), "t/x", Profile::Lenient).unwrap_err();
    assert!(
        dangling
            .to_string()
            .contains("components.schemas has no `Nowhere`"),
        "{dangling}"
    );
    assert!(
        dangling
            .to_string()
            .contains("at /components/schemas/Dangling/properties/x"),
        "where the dangling $ref is: {dangling}"
    );
    let id = import(&api, Target::Component("Pet"), "../x", Profile::Lenient).unwrap_err();
    assert!(matches!(id, SpecError::Usage(_)), "{id}");
    let yaml = OpenApi::parse("bad.yml", "openapi: 3.0.3\ninfo: {title: x\n").unwrap_err();
    match yaml {
        SpecError::Yaml { line, .. } => assert!(line >= 2, "line {line}"),
        other => panic!("{other}"),
    }
    let op = import(
        &api,
        Target::Operation {
            operation: "GET /nope",
            status: "200",
        },
        "t/x",
        Profile::Lenient,
    )
    .unwrap_err();
    assert_eq!(op.to_string(), "test.yml: no path `/nope` under paths");
}

// ---- the CLI ------------------------------------------------------------------------------

fn sessconform(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_writes_the_schema_and_its_strict_twin_usable_with_validate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let file = vendor("clerk-bapi-2026-05-12-openapi.yml");
    let (code, stdout, stderr) = sessconform(&[
        "spec",
        "import",
        "--openapi",
        file.to_str().unwrap(),
        "--component",
        "Session",
        "--id",
        "my/session",
        "--out",
        out,
        "--strict",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("(my/session)") && stdout.contains("(strict/my/session)"),
        "{stdout}"
    );
    assert!(dir.path().join("my/session.json").is_file());
    assert!(dir.path().join("strict/my/session.json").is_file());
    let body = vendor("examples").join("clerk-session-pending.from-webhooks-spec.json");
    let (code, stdout, _) = sessconform(&[
        "validate",
        "--specs",
        out,
        "--schema",
        "my/session",
        body.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}");

    // --operation/--status to stdout.
    let (code, stdout, stderr) = sessconform(&[
        "spec",
        "import",
        "--openapi",
        file.to_str().unwrap(),
        "--operation",
        "GET /sessions",
        "--status",
        "200",
        "--id",
        "my/sessions",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let schema: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(schema["type"], "array");
    assert_eq!(schema["items"]["$ref"], "#/$defs/Session");
    assert!(stdout.starts_with("{\n  \"$schema\""), "reading order");

    let (code, _, stderr) = sessconform(&[
        "spec",
        "import",
        "--openapi",
        file.to_str().unwrap(),
        "--component",
        "Sesion",
        "--id",
        "x",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no component `Sesion` under components.schemas; did you mean Session"),
        "{stderr}"
    );
    let (code, _, _) = sessconform(&[
        "spec",
        "import",
        "--openapi",
        file.to_str().unwrap(),
        "--operation",
        "GET /sessions",
        "--id",
        "x",
    ]);
    assert_eq!(code, Some(2), "--operation needs --status");
}
