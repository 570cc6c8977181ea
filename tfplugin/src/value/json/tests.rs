//! Tests of the JSON wire form: the type encoding, values and stored state.

use std::collections::BTreeMap;

use super::{decode_json, decode_stored_json};
use crate::path::AttributePath;
use crate::value::{Type, Value};

#[test]
fn type_json_roundtrip() {
    let ty = Type::object([
        ("a", Type::Number),
        ("b", Type::list(Type::String)),
        ("c", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        ("d", Type::map(Type::set(Type::String))),
    ]);
    let json = ty.to_json();
    assert_eq!(
        String::from_utf8(json.clone()).unwrap(),
        r#"["object",{"a":"number","b":["list","string"],"c":["tuple",["bool","dynamic"]],"d":["map",["set","string"]]}]"#
    );
    assert_eq!(Type::from_json(&json).unwrap(), ty);
    assert_eq!(Type::String.to_json(), b"\"string\"");
    assert!(Type::from_json(b"\"nope\"").is_err());
    assert!(Type::from_json(b"[\"list\"]").is_err());
    assert!(Type::from_json(b"[\"object\",{\"a\":\"string\"},[\"a\"]]").is_ok());
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(decode_json(b"{\"a\":", &Type::object([("a", Type::String)])).is_err());
    assert!(decode_json(b"[1,2]x", &Type::list(Type::Number)).is_err());
    let deep = "[".repeat(100_000);
    assert!(decode_json(deep.as_bytes(), &Type::Dynamic).is_err());
}

#[test]
fn json_state_decode() {
    let ty = Type::object([
        ("id", Type::String),
        ("days", Type::Number),
        ("huge", Type::Number),
        (
            "policy",
            Type::object([("type", Type::String), ("value", Type::String)]),
        ),
        ("hsms", Type::list(Type::object([("hsm_id", Type::String)]))),
        ("tags", Type::map(Type::String)),
        ("extra", Type::Dynamic),
        ("gone", Type::Bool),
    ]);
    let json = br#" {
        "id": "cluster-abc\u00e9\ud83d\ude00\n",
        "days": 90,
        "huge": 123456789012345678901234567890.5,
        "policy": {"type": "DAYS", "value": "7"},
        "hsms": [{"hsm_id": "hsm-1"}, {"hsm_id": null}],
        "tags": {},
        "extra": {"value": ["a", 1], "type": ["tuple", ["string", "number"]]}
    }"#;
    let v = decode_json(json, &ty).unwrap();
    assert_eq!(v.get("id").unwrap().as_str(), Some("cluster-abcé😀\n"));
    assert_eq!(
        v.get("days").unwrap().as_number().unwrap().as_i64(),
        Some(90)
    );
    assert_eq!(
        v.get("huge").unwrap().as_number().unwrap().to_string(),
        "123456789012345678901234567890.5"
    );
    assert_eq!(
        v.get("policy").unwrap().get("type").unwrap().as_str(),
        Some("DAYS")
    );
    assert_eq!(
        v.get("hsms").unwrap(),
        &Value::List(vec![
            Value::object([("hsm_id", Value::string("hsm-1"))]),
            Value::object([("hsm_id", Value::Null)]),
        ])
    );
    assert_eq!(v.get("tags").unwrap(), &Value::Map(BTreeMap::new()));
    assert_eq!(
        v.get("extra").unwrap(),
        &Value::Dynamic(
            Type::Tuple(vec![Type::String, Type::Number]),
            Box::new(Value::Tuple(vec![Value::string("a"), Value::from_i64(1)]))
        )
    );
    assert_eq!(v.get("gone").unwrap(), &Value::Null);
    let err = decode_json(br#"{"days": "x"}"#, &ty).unwrap_err();
    assert_eq!(err.path(), Some(&AttributePath::attr("days")));
    let err = decode_json(br#"{"nope": 1}"#, &ty).unwrap_err();
    assert!(err.message().contains("nope"));
}

#[test]
fn stored_state_drops_removed_attributes_at_every_depth_and_keeps_numbers_exact() {
    let inner = || Type::object([("keep", Type::Number)]);
    let ty = Type::object([
        ("id", Type::String),
        ("big", Type::Number),
        ("long", Type::Number),
        ("single", inner()),
        ("list", Type::list(inner())),
        ("set", Type::set(inner())),
        ("map", Type::map(inner())),
    ]);
    let json = br#"{
        "id": "x",
        "big": 12345678901234567890123,
        "long": 0.1000000000000000055511151231257827,
        "single": {"keep": 1, "gone": true},
        "list": [{"keep": 2, "gone": "a"}, {"keep": -12345678901234567890123.25}],
        "set": [{"gone": null, "keep": 3}],
        "map": {"k": {"keep": 4, "gone": [1, {"deep": 2}]}},
        "removed_top": {"x": 5}
    }"#;
    let stored = decode_stored_json(json, &ty).unwrap();
    assert!(!stored.fits_as_is());
    let dropped: Vec<String> = stored.dropped.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        dropped,
        [
            "single.gone",
            "list[0].gone",
            "set[0].gone",
            "map[\"k\"].gone",
            "removed_top"
        ]
    );
    let v = &stored.value;
    let number = |v: &Value| v.as_number().unwrap().to_string();
    assert_eq!(number(v.get("big").unwrap()), "12345678901234567890123");
    assert_eq!(
        number(v.get("long").unwrap()),
        "0.1000000000000000055511151231257827"
    );
    let Value::List(list) = v.get("list").unwrap() else {
        panic!("list")
    };
    assert_eq!(list[0], Value::object([("keep", Value::from_i64(2))]));
    assert_eq!(
        number(list[1].get("keep").unwrap()),
        "-12345678901234567890123.25"
    );
    assert_eq!(
        v.get("map").unwrap(),
        &Value::Map(BTreeMap::from([(
            "k".to_string(),
            Value::object([("keep", Value::from_i64(4))])
        )]))
    );

    // State that already fits is said to fit; a missing attribute or a dropped one is not.
    let fits = br#"{"id":"x","big":1e400,"long":0.1000000000000000055511151231257827,
        "single":null,"list":[],"set":null,"map":{"a":{"keep":1}}}"#;
    let stored = decode_stored_json(fits, &ty).unwrap();
    assert!(stored.fits_as_is(), "{stored:?}");
    let missing = br#"{"id":"x","single":{}}"#;
    let stored = decode_stored_json(missing, &ty).unwrap();
    assert!(stored.missing_attributes && !stored.fits_as_is());
    assert_eq!(stored.value.get("big"), Some(&Value::Null));
    // Strict decoding still refuses what the type lacks; a dynamic value is never trimmed.
    assert!(decode_json(json, &ty).is_err());
    let dynamic = Type::object([("d", Type::Dynamic)]);
    let bad = br#"{"d": {"value": {"a": 1, "b": 2}, "type": ["object", {"a": "number"}]}}"#;
    assert!(decode_stored_json(bad, &dynamic).is_err());
}

#[test]
fn json_has_no_unknown_values() {
    // Whatever the JSON, a value read from it is wholly known: null stays null.
    let ty = Type::object([
        ("s", Type::String),
        ("l", Type::list(Type::Number)),
        ("d", Type::Dynamic),
    ]);
    let v = decode_json(br#"{"s": null, "l": [1, null], "d": null}"#, &ty).unwrap();
    assert!(v.is_wholly_known());
    assert_eq!(v.get("s"), Some(&Value::Null));
    let stored = decode_stored_json(br#"{"s": "x"}"#, &ty).unwrap();
    assert!(stored.value.is_wholly_known());
}
