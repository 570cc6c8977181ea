//! The JSON wire form: the crate's one JSON parser, used for every JSON it reads (numbers
//! kept as their decimal text, so no digit is lost), the cty JSON type encoding
//! ([`Type::to_json`](crate::value::Type::to_json),
//! [`Type::from_json`](crate::value::Type::from_json)), the JSON form of a `DynamicValue`
//! ([`decode_json`]) and stored resource state read into the current schema
//! ([`decode_stored_json`]). Stored state must go through here, never through `serde_json`.
//! JSON has no form for unknown values (Terraform sends JSON only for stored state, which
//! is wholly known): nothing read here is unknown, and values are never written as JSON.
//!
//! The parts: `parse` (the parser), `types` (the type encoding), `decode` (values and stored
//! state), their tests in `tests.rs`. This file only hands the entry points on.
//!
//! It stands on cty types and values, numbers, the value error, paths and what decoding
//! shares; it must not know msgpack, typed access, protobuf or any provider's domain.

mod decode;
mod parse;
mod types;

pub use decode::{decode_json, decode_stored_json, StoredState};

#[cfg(test)]
mod tests;
