//! The msgpack wire form of a `DynamicValue`: [`decode_msgpack`] and [`encode_msgpack`], with
//! unknown values (extension type 0) and their refinements (extension type 12), numbers as
//! integers, floats or decimal strings, and dynamic values as `[type JSON, value]`.
//!
//! The parts: `read` (raw msgpack from bytes), `decode` (raw msgpack as a value of a type),
//! `write` (raw msgpack into bytes), `encode` (a value of a type as bytes), `refinements` (unknown values, both ways), and
//! their tests in `tests.rs`. This file only hands the two entry points on.
//!
//! It stands on cty types and values, numbers, the value error, paths, what decoding shares
//! and (for the type of a dynamic value) the JSON type encoding; it must not know typed
//! access, protobuf or gRPC (the dispatch layer hands it plain byte slices) or any
//! provider's domain.

mod decode;
mod encode;
mod read;
mod refinements;
mod write;

pub use decode::decode_msgpack;
pub use encode::encode_msgpack;

#[cfg(test)]
mod tests;
