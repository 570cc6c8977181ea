//! cty values as Terraform sends and expects them: types, values (null, unknown, refined
//! unknown, known), the msgpack and JSON wire forms of `DynamicValue`, stored resource state
//! (JSON) read into the current schema ([`decode_stored_json`]: numbers keep every digit,
//! attributes the schema no longer has are dropped at any depth), and typed access
//! ([`TfType`], [`Field`], [`ObjectReader`], [`ObjectBuilder`]) so that
//! resource code works with Rust types and never with bytes.
//!
//! The parts, from the bottom up (each knows only those below it, and [`crate::path`]):
//! - `number`: [`Number`], exact decimal text;
//! - `cty`: [`Type`], [`Value`], [`Refinements`] ([`Value::keep_refinements`]: what was
//!   known about an unknown stays known through code that cannot say it);
//! - `error`: [`ValueError`], the one error of all the parts above it;
//! - `decode`: what reading either wire form shares;
//! - `json/`: the crate's one JSON parser (`parse`), the type encoding (`types`),
//!   [`decode_json`] and [`decode_stored_json`] (`decode`); JSON has no unknown values;
//! - `msgpack/`: raw reading (`read`), [`decode_msgpack`] (`decode`), [`encode_msgpack`]
//!   (`encode`), unknowns and their refinements, both ways (`refinements`);
//! - `field`: [`Field`] (null, unknown or known);
//! - `tf_type`: [`TfType`], the one Rust ↔ Terraform type mapping;
//! - `object`: [`ObjectReader`], [`ObjectBuilder`].
//!
//! This file only hands their names on, so that everything is reached as
//! `tfplugin::value::…`. No part of this module knows protobuf or gRPC types (the dispatch
//! layer hands it plain byte slices), schemas, diagnostics, or any provider's domain.

mod cty;
mod decode;
mod error;
mod field;
mod json;
mod msgpack;
mod number;
mod object;
mod tf_type;

pub use cty::{Refinements, Type, Value};
pub use error::ValueError;
pub use field::Field;
pub use json::{decode_json, decode_stored_json, StoredState};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use number::Number;
pub use object::{ObjectBuilder, ObjectReader};
pub use tf_type::TfType;
