//! Tests of the msgpack wire form: byte fixtures as Terraform sends them, both directions.

use std::collections::BTreeMap;

use super::{decode_msgpack, encode_msgpack};
use crate::path::AttributePath;
use crate::value::{Number, Refinements, Type, Value, ValueError};

fn roundtrip(v: &Value, ty: &Type) -> Value {
    let bytes = encode_msgpack(v, ty).unwrap();
    decode_msgpack(&bytes, ty).unwrap()
}

#[test]
fn unknown_fixture() {
    assert_eq!(
        decode_msgpack(&[0xd4, 0, 0], &Type::String).unwrap(),
        Value::unknown()
    );
    assert_eq!(
        encode_msgpack(&Value::unknown(), &Type::String).unwrap(),
        vec![0xd4, 0, 0]
    );
    // An unknown of any type, and a zero-length extension.
    assert!(decode_msgpack(&[0xd4, 0, 0], &Type::list(Type::Number))
        .unwrap()
        .is_unknown());
    assert!(decode_msgpack(&[0xc7, 0, 0], &Type::Dynamic)
        .unwrap()
        .is_unknown());
}

#[test]
fn refined_unknown_fixture() {
    // fixext8, type 12: {1: false, 2: "ab-"}
    let bytes = [0xd7, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'a', b'b', b'-'];
    let v = decode_msgpack(&bytes, &Type::String).unwrap();
    // The same payload in the longer ext8 framing reads the same.
    let ext8 = [
        0xc7, 0x08, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'a', b'b', b'-',
    ];
    assert_eq!(decode_msgpack(&ext8, &Type::String).unwrap(), v);
    let expected = Value::Unknown(Refinements {
        not_null: true,
        string_prefix: Some("ab-".into()),
        ..Default::default()
    });
    assert_eq!(v, expected);
    assert_eq!(
        encode_msgpack(&expected, &Type::String).unwrap(),
        bytes.to_vec()
    );
    // Not-null alone on an object; refinements do not apply to dynamic.
    let nn = Value::Unknown(Refinements::not_null());
    assert_eq!(
        encode_msgpack(&nn, &Type::object([("a", Type::String)])).unwrap(),
        vec![0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2]
    );
    assert_eq!(
        encode_msgpack(&nn, &Type::Dynamic).unwrap(),
        vec![0xd4, 0, 0]
    );
    // Number bounds and length bounds survive; future keys are ignored.
    let r = Value::Unknown(Refinements {
        number_lower: Some((Number::from_i64(7), true)),
        number_upper: Some((Number::parse("379.5").unwrap(), false)),
        ..Default::default()
    });
    assert_eq!(roundtrip(&r, &Type::Number), r);
    let l = Value::Unknown(Refinements {
        not_null: true,
        length_lower: Some(1),
        length_upper: Some(3),
        ..Default::default()
    });
    assert_eq!(roundtrip(&l, &Type::set(Type::String)), l);
    let future = [0xd6, 0x0c, 0x81, 0x63, 0xc3, 0x00];
    assert!(decode_msgpack(&future[..5], &Type::String).is_err()); // truncated
    let future = [0xd5, 0x0c, 0x81, 0x63];
    assert!(decode_msgpack(&future, &Type::String).is_err()); // value missing
    let future = [0xd6, 0x0c, 0x81, 0x63, 0xc3, 0xc0];
    assert_eq!(
        decode_msgpack(&future, &Type::String).unwrap(),
        Value::unknown()
    );
}

#[test]
fn nested_object_fixture() {
    let ty = Type::object([
        ("a", Type::String),
        ("b", Type::object([("c", Type::Number)])),
    ]);
    let bytes = [
        0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0x81, 0xa1, b'c', 0x05,
    ];
    let v = decode_msgpack(&bytes, &ty).unwrap();
    let expected = Value::object([
        ("a", Value::string("x")),
        ("b", Value::object([("c", Value::from_i64(5))])),
    ]);
    assert_eq!(v, expected);
    assert_eq!(encode_msgpack(&expected, &ty).unwrap(), bytes.to_vec());
    // Absent attributes are null, and encoding writes every attribute.
    let partial = decode_msgpack(&[0x81, 0xa1, b'a', 0xc0], &ty).unwrap();
    assert_eq!(partial.get("b"), Some(&Value::Null));
    let enc = encode_msgpack(&Value::object([("a", Value::string("x"))]), &ty).unwrap();
    assert_eq!(enc, vec![0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    // An attribute the type does not have is an error with the object's path.
    let err = decode_msgpack(&[0x81, 0xa1, b'b', 0x81, 0xa1, b'z', 0xc0], &ty).unwrap_err();
    assert_eq!(err.path(), Some(&AttributePath::attr("b")));
    // A wrong kind deep inside names the place.
    let err = decode_msgpack(&[0x81, 0xa1, b'b', 0x81, 0xa1, b'c', 0xc3], &ty).unwrap_err();
    assert_eq!(err.path(), Some(&AttributePath::attr("b").then_attr("c")));
    assert!(err.to_string().starts_with("b.c: "), "{err}");
    assert!(!err.message().contains("b.c"));
}

#[test]
fn number_fixtures() {
    let big = "123456789012345678901234567890";
    let mut bytes = vec![0xbe];
    bytes.extend_from_slice(big.as_bytes());
    let v = decode_msgpack(&bytes, &Type::Number).unwrap();
    assert_eq!(v.as_number().unwrap().to_string(), big);
    assert_eq!(encode_msgpack(&v, &Type::Number).unwrap(), bytes);

    let max_u64 = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    let v = decode_msgpack(&max_u64, &Type::Number).unwrap();
    assert_eq!(v.as_number().unwrap().to_string(), "18446744073709551615");
    let enc = encode_msgpack(&v, &Type::Number).unwrap();
    assert_eq!(enc[0], 0xb4); // a 20-character string
    assert_eq!(decode_msgpack(&enc, &Type::Number).unwrap(), v);

    let float = [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0];
    let v = decode_msgpack(&float, &Type::Number).unwrap();
    assert_eq!(v, Value::Number(Number::parse("1.5").unwrap()));
    assert_eq!(encode_msgpack(&v, &Type::Number).unwrap(), float.to_vec());
    // float32 and small ints
    assert_eq!(
        decode_msgpack(&[0xca, 0x3f, 0xc0, 0, 0], &Type::Number).unwrap(),
        Value::Number(Number::parse("1.5").unwrap())
    );
    assert_eq!(
        encode_msgpack(&Value::from_i64(90), &Type::Number).unwrap(),
        vec![90]
    );
    assert_eq!(
        encode_msgpack(&Value::from_i64(-1), &Type::Number).unwrap(),
        vec![0xff]
    );
    // A decimal that no float holds exactly travels as a string.
    let tenth = Value::Number(Number::parse("0.1").unwrap());
    assert_eq!(
        encode_msgpack(&tenth, &Type::Number).unwrap(),
        b"\xa30.1".to_vec()
    );
    assert_eq!(roundtrip(&tenth, &Type::Number), tenth);
    let f = Value::Number(Number::from_f64(0.1));
    assert_eq!(encode_msgpack(&f, &Type::Number).unwrap()[0], 0xcb);
    assert_eq!(roundtrip(&f, &Type::Number), f);
    assert!(decode_msgpack(b"\xa3abc", &Type::Number).is_err());
}

#[test]
fn empty_versus_null() {
    assert_eq!(
        decode_msgpack(&[0xa0], &Type::String).unwrap(),
        Value::string("")
    );
    assert_eq!(decode_msgpack(&[0xc0], &Type::String).unwrap(), Value::Null);
    let lt = Type::list(Type::String);
    assert_eq!(decode_msgpack(&[0x90], &lt).unwrap(), Value::List(vec![]));
    assert_eq!(decode_msgpack(&[0xc0], &lt).unwrap(), Value::Null);
    assert_eq!(
        encode_msgpack(&Value::List(vec![]), &lt).unwrap(),
        vec![0x90]
    );
    assert_eq!(encode_msgpack(&Value::Null, &lt).unwrap(), vec![0xc0]);
}

#[test]
fn roundtrips_of_every_kind() {
    let ty = Type::object([
        ("b", Type::Bool),
        ("n", Type::Number),
        ("s", Type::String),
        ("l", Type::list(Type::Number)),
        ("set", Type::set(Type::String)),
        ("m", Type::map(Type::Bool)),
        ("t", Type::Tuple(vec![Type::String, Type::Number])),
        ("d", Type::Dynamic),
        ("u", Type::String),
        ("null", Type::list(Type::String)),
    ]);
    let v = Value::object([
        ("b", Value::Bool(true)),
        ("n", Value::Number(Number::parse("-12.25").unwrap())),
        ("s", Value::string("héllo")),
        ("l", Value::List(vec![Value::from_i64(1), Value::unknown()])),
        (
            "set",
            Value::Set(vec![Value::string("a"), Value::string("b")]),
        ),
        (
            "m",
            Value::Map(BTreeMap::from([("k".to_string(), Value::Bool(false))])),
        ),
        (
            "t",
            Value::Tuple(vec![Value::string("x"), Value::from_i64(2)]),
        ),
        (
            "d",
            Value::Dynamic(
                Type::list(Type::String),
                Box::new(Value::List(vec![Value::string("z")])),
            ),
        ),
        ("u", Value::unknown()),
        ("null", Value::Null),
    ]);
    assert_eq!(roundtrip(&v, &ty), v);
    assert!(!v.is_wholly_known());
    // Mismatches carry the path.
    let bad = Value::object([("l", Value::List(vec![Value::string("x")]))]);
    let err = encode_msgpack(&bad, &ty).unwrap_err();
    assert_eq!(err.path(), Some(&AttributePath::attr("l").index(0)));
    assert!(matches!(err, ValueError::Mismatch { .. }));
}

#[test]
fn dynamic_fixture() {
    // ["string" as bin, "hi"]
    let mut bytes = vec![0x92, 0xc4, 0x08];
    bytes.extend_from_slice(b"\"string\"");
    bytes.extend_from_slice(&[0xa2, b'h', b'i']);
    let v = decode_msgpack(&bytes, &Type::Dynamic).unwrap();
    assert_eq!(
        v,
        Value::Dynamic(Type::String, Box::new(Value::string("hi")))
    );
    assert_eq!(v.as_str(), Some("hi"));
    assert_eq!(encode_msgpack(&v, &Type::Dynamic).unwrap(), bytes);
    // The type as a msgpack string is accepted too; an unwrapped value is wrapped.
    let mut as_str = vec![0x92, 0xa8];
    as_str.extend_from_slice(b"\"string\"");
    as_str.extend_from_slice(&[0xa2, b'h', b'i']);
    assert_eq!(decode_msgpack(&as_str, &Type::Dynamic).unwrap(), v);
    assert_eq!(
        encode_msgpack(&Value::string("hi"), &Type::Dynamic).unwrap(),
        bytes
    );
    assert_eq!(
        decode_msgpack(&[0xc0], &Type::Dynamic).unwrap(),
        Value::Null
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for bytes in [
        &[0xc1][..],
        &[],
        &[0x92, 0x01],
        &[0xa1, b'a', 0x00],
        &[0xa2, 0xff, 0xfe],
    ] {
        assert!(
            decode_msgpack(bytes, &Type::String).is_err(),
            "{bytes:02x?}"
        );
    }
    assert!(decode_msgpack(&[0x92, 0xa1, b'x', 0x01], &Type::Dynamic).is_err());
    assert!(decode_msgpack(&[0x91, 0x01], &Type::Tuple(vec![])).is_err());
}

#[test]
fn numbers_of_stored_state_keep_every_digit() {
    // Numbers as stored JSON state holds them (decimal text), answered in msgpack: not a
    // digit lost, whether the number travels as an integer, a float or a string.
    for text in [
        "123456789012345678901234567890.5",
        "0.1000000000000000055511151231257827",
        "-12345678901234567890123.25",
        "12345678901234567890123",
        "1e400",
    ] {
        let v = Value::Number(Number::parse(text).unwrap());
        assert_eq!(roundtrip(&v, &Type::Number), v, "{text}");
    }
    let ty = Type::object([("extra", Type::Dynamic)]);
    let v = Value::object([(
        "extra",
        Value::Dynamic(
            Type::Tuple(vec![Type::String, Type::Number]),
            Box::new(Value::Tuple(vec![
                Value::string("a"),
                Value::Number(Number::parse("-0.005").unwrap()),
            ])),
        ),
    )]);
    assert_eq!(roundtrip(&v, &ty), v);
}

/// Hand-built bytes of Terraform's wire format (object-wire-format.md, "refined unknown
/// values"): read into refinements, and written back byte for byte.
#[test]
fn refinement_fixtures_both_ways() {
    let both_ways = |bytes: &[u8], ty: &Type, expected: Refinements| {
        let v = decode_msgpack(bytes, ty).unwrap();
        assert_eq!(v, Value::Unknown(expected), "{bytes:02x?}");
        assert_eq!(
            encode_msgpack(&v, ty).unwrap(),
            bytes.to_vec(),
            "{bytes:02x?}"
        );
    };
    // A number in 7..=379: ext8, 11 bytes, {3: [7, true], 4: [379, true]}.
    both_ways(
        &[
            0xc7, 0x0b, 0x0c, 0x82, 0x03, 0x92, 0x07, 0xc3, 0x04, 0x92, 0xcd, 0x01, 0x7b, 0xc3,
        ],
        &Type::Number,
        Refinements {
            number_lower: Some((Number::from_i64(7), true)),
            number_upper: Some((Number::from_i64(379), true)),
            ..Default::default()
        },
    );
    // Not null, above -1.5 (exclusive), a float bound: {1: false, 3: [-1.5, false]}.
    both_ways(
        &[
            0xc7, 0x0f, 0x0c, 0x82, 0x01, 0xc2, 0x03, 0x92, 0xcb, 0xbf, 0xf8, 0, 0, 0, 0, 0, 0,
            0xc2,
        ],
        &Type::Number,
        Refinements {
            not_null: true,
            number_lower: Some((Number::parse("-1.5").unwrap(), false)),
            ..Default::default()
        },
    );
    // A prefix alone: fixext8 {2: "clus-"}.
    both_ways(
        &[0xd7, 0x0c, 0x81, 0x02, 0xa5, b'c', b'l', b'u', b's', b'-'],
        &Type::String,
        Refinements {
            string_prefix: Some("clus-".into()),
            ..Default::default()
        },
    );
    // A list of 1 to 300 elements: {5: 1, 6: 300} (300 as uint16).
    both_ways(
        &[0xc7, 0x07, 0x0c, 0x82, 0x05, 0x01, 0x06, 0xcd, 0x01, 0x2c],
        &Type::list(Type::String),
        Refinements {
            length_lower: Some(1),
            length_upper: Some(300),
            ..Default::default()
        },
    );
    // A map, not null, at most 2: ext8, 5 bytes, {1: false, 6: 2}.
    both_ways(
        &[0xc7, 0x05, 0x0c, 0x82, 0x01, 0xc2, 0x06, 0x02],
        &Type::map(Type::Bool),
        Refinements {
            not_null: true,
            length_upper: Some(2),
            ..Default::default()
        },
    );
}

#[test]
fn refinements_that_say_nothing_or_do_not_apply_are_not_written() {
    // As go-cty: an infinite bound, a length of at least 0, an empty prefix, a prefix on a
    // number are no refinement; with nothing left, the value is extension type 0.
    for (r, ty) in [
        (
            Refinements {
                number_lower: Some((Number::from_f64(f64::NEG_INFINITY), true)),
                ..Default::default()
            },
            Type::Number,
        ),
        (
            Refinements {
                length_lower: Some(0),
                ..Default::default()
            },
            Type::set(Type::String),
        ),
        (
            Refinements {
                string_prefix: Some(String::new()),
                ..Default::default()
            },
            Type::String,
        ),
        (
            Refinements {
                string_prefix: Some("x".into()),
                length_upper: Some(1),
                ..Default::default()
            },
            Type::Number,
        ),
    ] {
        assert_eq!(
            encode_msgpack(&Value::Unknown(r.clone()), &ty).unwrap(),
            vec![0xd4, 0, 0],
            "{r:?}"
        );
    }
}

#[test]
fn a_long_prefix_is_cut_to_what_terraform_reads() {
    let long = "é".repeat(200); // 400 bytes
    let v = Value::Unknown(Refinements {
        string_prefix: Some(long.clone()),
        ..Default::default()
    });
    let bytes = encode_msgpack(&v, &Type::String).unwrap();
    assert!(bytes.len() <= 3 + 1024, "{}", bytes.len());
    let Value::Unknown(r) = decode_msgpack(&bytes, &Type::String).unwrap() else {
        panic!("unknown")
    };
    let prefix = r.string_prefix.unwrap();
    assert!(prefix.len() <= 256 && long.starts_with(&prefix), "{prefix}");
    assert!(prefix.len() >= 250, "{}", prefix.len());
}

#[test]
fn terraform_1_0_unknowns_read_and_written_as_before() {
    // Terraform before 1.6 sends and reads extension type 0 only, with a one-byte payload.
    let ty = Type::object([("a", Type::String), ("n", Type::Number)]);
    let bytes = [0x82, 0xa1, b'a', 0xd4, 0, 0, 0xa1, b'n', 0xd4, 0, 0];
    let v = decode_msgpack(&bytes, &ty).unwrap();
    assert_eq!(
        v,
        Value::object([("a", Value::unknown()), ("n", Value::unknown())])
    );
    assert_eq!(encode_msgpack(&v, &ty).unwrap(), bytes.to_vec());
}
