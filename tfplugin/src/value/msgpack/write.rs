//! Writing msgpack primitives into a buffer: [`Writer`], which keeps the path of the value
//! being written so that every error names where it happened. The counterpart of `read`.
//!
//! It stands on numbers, the value error and paths; it must not know cty types or values
//! (`encode` and `refinements` walk those), protobuf or gRPC, or any provider's domain.

use std::fmt;

use super::super::error::ValueError;
use super::super::number::Number;
use crate::path::{AttributePath, PathStep};

/// Writes msgpack into a buffer, keeping the path of the value being written for errors.
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    pub(super) path: AttributePath,
}

impl Writer {
    /// An error from the msgpack writer, at the current path.
    pub(super) fn fail<E: fmt::Display>(&self, e: E) -> ValueError {
        ValueError::encode(&self.path, format!("Could not write msgpack: {e}."))
    }

    /// A length as msgpack holds it (at most `u32::MAX`).
    pub(super) fn len(&self, n: usize) -> Result<u32, ValueError> {
        u32::try_from(n).map_err(|_| ValueError::encode(&self.path, "The value is too large."))
    }

    pub(super) fn nil(&mut self) -> Result<(), ValueError> {
        rmp::encode::write_nil(&mut self.buf).map_err(|e| self.fail(e))
    }

    pub(super) fn str(&mut self, s: &str) -> Result<(), ValueError> {
        rmp::encode::write_str(&mut self.buf, s).map_err(|e| self.fail(e))
    }

    pub(super) fn array_len(&mut self, n: usize) -> Result<(), ValueError> {
        let n = self.len(n)?;
        rmp::encode::write_array_len(&mut self.buf, n)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn map_len(&mut self, n: usize) -> Result<(), ValueError> {
        let n = self.len(n)?;
        rmp::encode::write_map_len(&mut self.buf, n)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn sint(&mut self, i: i64) -> Result<(), ValueError> {
        rmp::encode::write_sint(&mut self.buf, i)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn uint(&mut self, u: u64) -> Result<(), ValueError> {
        rmp::encode::write_uint(&mut self.buf, u)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub(super) fn bool(&mut self, b: bool) -> Result<(), ValueError> {
        rmp::encode::write_bool(&mut self.buf, b).map_err(|e| self.fail(e))
    }

    /// The header of an extension value of `len` bytes.
    pub(super) fn ext_meta(&mut self, len: usize, code: i8) -> Result<(), ValueError> {
        let len = self.len(len)?;
        rmp::encode::write_ext_meta(&mut self.buf, len, code)
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// An integer when the number is one that fits, a float when it is exactly one,
    /// otherwise its decimal text (every digit kept).
    pub(super) fn number(&mut self, n: &Number) -> Result<(), ValueError> {
        if let Some(i) = n.as_i64() {
            return self.sint(i);
        }
        let float = if n.is_infinite() {
            Some(n.as_f64())
        } else if !n.is_whole() {
            n.exact_f64()
        } else {
            None
        };
        match float {
            Some(f) => rmp::encode::write_f64(&mut self.buf, f).map_err(|e| self.fail(e)),
            None => self.str(&n.to_string()),
        }
    }

    /// Runs `f` with `step` on the path.
    pub(super) fn with<T>(
        &mut self,
        step: PathStep,
        f: impl FnOnce(&mut Self) -> Result<T, ValueError>,
    ) -> Result<T, ValueError> {
        self.path.push(step);
        let result = f(self);
        self.path.pop();
        result
    }
}
