//! cty numbers held exactly ([`Number`]): arbitrary precision decimal text, with the two
//! infinities, so that no digit a user wrote or an API answered is lost on the way.
//!
//! Pure arithmetic on text: this file knows no other part of the crate (no types, values,
//! wire forms or paths).

use std::cmp::Ordering;
use std::fmt;

/// The largest decimal exponent (of the leading digit) a [`Number`] accepts, so that a
/// hostile `1e999999999` cannot make us print a gigabyte.
const MAX_EXPONENT: i64 = 10_000;

/// A cty number, held exactly: `digits × 10^exponent` with a sign, or an infinity.
///
/// Integers of any size and decimal literals keep every digit; a number made from an `f64`
/// is that float's exact binary value. Equality is by numeric value (`1 == 1.0`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Repr);

/// How a [`Number`] is held.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// Normalized: `digits` has no leading zeros and no trailing zeros (zero is `"0"`,
    /// exponent 0, not negative).
    Finite {
        negative: bool,
        digits: String,
        exponent: i64,
    },
    PositiveInfinity,
    NegativeInfinity,
}

impl Number {
    /// `±digits × 10^exponent`, normalized; `None` beyond [`MAX_EXPONENT`].
    fn finite(negative: bool, digits: &str, exponent: i64) -> Option<Number> {
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Some(Number::zero());
        }
        let without_trailing = trimmed.trim_end_matches('0');
        let exponent = exponent.checked_add((trimmed.len() - without_trailing.len()) as i64)?;
        let magnitude = exponent.checked_add(without_trailing.len() as i64)?;
        if !(-MAX_EXPONENT..=MAX_EXPONENT).contains(&magnitude) {
            return None;
        }
        Some(Number(Repr::Finite {
            negative,
            digits: without_trailing.to_string(),
            exponent,
        }))
    }

    /// Zero.
    pub fn zero() -> Number {
        Number(Repr::Finite {
            negative: false,
            digits: "0".into(),
            exponent: 0,
        })
    }

    /// An integer.
    pub fn from_i64(i: i64) -> Number {
        Number::from_integer(i < 0, i.unsigned_abs())
    }

    /// An unsigned integer.
    pub fn from_u64(u: u64) -> Number {
        Number::from_integer(false, u)
    }

    /// An integer from its sign and magnitude.
    fn from_integer(negative: bool, magnitude: u64) -> Number {
        Number::finite(negative, &magnitude.to_string(), 0).unwrap_or_else(Number::zero)
    }

    /// The exact value of a float. Infinities are kept; NaN, which cty cannot hold,
    /// becomes zero (use [`Number::try_from_f64`] to refuse it instead).
    pub fn from_f64(f: f64) -> Number {
        Number::try_from_f64(f).unwrap_or_else(Number::zero)
    }

    /// The exact value of a float, or `None` for NaN.
    pub fn try_from_f64(f: f64) -> Option<Number> {
        if f.is_nan() {
            return None;
        }
        if f.is_infinite() {
            return Some(Number(if f > 0.0 {
                Repr::PositiveInfinity
            } else {
                Repr::NegativeInfinity
            }));
        }
        // Every finite f64 has at most 1074 digits after the decimal point, and Rust's
        // formatting with an explicit precision is exact, so this is the float's exact
        // decimal expansion.
        Number::parse(&format!("{f:.1074}"))
    }

    /// Parses a decimal literal: `42`, `-1.5`, `1e3`, `0.001`, `12345678901234567890123`.
    pub fn parse(s: &str) -> Option<Number> {
        let s = s.trim();
        let (negative, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp_part) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut exponent: i64 = match exp_part {
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                e.parse().ok()?
            }
            None => 0,
        };
        exponent = exponent.checked_sub(i64::try_from(frac_part.len()).ok()?)?;
        let digits = format!("{int_part}{frac_part}");
        let n = Number::finite(negative, &digits, exponent)?;
        Some(n)
    }

    /// The value as an `i64`, only when it is whole and in range.
    pub fn as_i64(&self) -> Option<i64> {
        let Repr::Finite {
            negative,
            digits,
            exponent,
        } = &self.0
        else {
            return None;
        };
        if *exponent < 0 || digits.len() as i64 + exponent > 19 {
            return None;
        }
        let mut magnitude: i128 = 0;
        for b in digits.bytes() {
            magnitude = magnitude * 10 + i128::from(b - b'0');
        }
        for _ in 0..*exponent {
            magnitude *= 10;
        }
        let signed = if *negative { -magnitude } else { magnitude };
        i64::try_from(signed).ok()
    }

    /// The nearest `f64` (huge numbers become infinities).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Finite {
                negative,
                digits,
                exponent,
            } => {
                let sign = if *negative { "-" } else { "" };
                format!("{sign}{digits}e{exponent}")
                    .parse()
                    .unwrap_or(f64::NAN)
            }
            Repr::PositiveInfinity => f64::INFINITY,
            Repr::NegativeInfinity => f64::NEG_INFINITY,
        }
    }

    /// True when the value is an integer.
    pub fn is_whole(&self) -> bool {
        matches!(&self.0, Repr::Finite { exponent, .. } if *exponent >= 0)
    }

    /// True for the two infinities.
    pub fn is_infinite(&self) -> bool {
        !matches!(self.0, Repr::Finite { .. })
    }

    /// The `f64` whose exact value this number is, if there is one.
    pub(super) fn exact_f64(&self) -> Option<f64> {
        let f = self.as_f64();
        (!f.is_nan() && Number::try_from_f64(f).as_ref() == Some(self)).then_some(f)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        use Repr::*;
        match (&self.0, &other.0) {
            (PositiveInfinity, PositiveInfinity) | (NegativeInfinity, NegativeInfinity) => {
                Ordering::Equal
            }
            (PositiveInfinity, _) | (_, NegativeInfinity) => Ordering::Greater,
            (NegativeInfinity, _) | (_, PositiveInfinity) => Ordering::Less,
            (
                Finite {
                    negative: na,
                    digits: da,
                    exponent: ea,
                },
                Finite {
                    negative: nb,
                    digits: db,
                    exponent: eb,
                },
            ) => {
                let zero_a = da == "0";
                let zero_b = db == "0";
                let sign = |neg: bool, zero: bool| {
                    if zero {
                        0
                    } else if neg {
                        -1
                    } else {
                        1
                    }
                };
                let (sa, sb) = (sign(*na, zero_a), sign(*nb, zero_b));
                if sa != sb || sa == 0 {
                    return sa.cmp(&sb);
                }
                // Same sign, both non-zero: compare magnitudes.
                let mag_a = ea + da.len() as i64;
                let mag_b = eb + db.len() as i64;
                let magnitude = mag_a.cmp(&mag_b).then_with(|| {
                    let width = da.len().max(db.len());
                    let pad = |d: &str| format!("{d:0<width$}");
                    pad(da).cmp(&pad(db))
                });
                if *na {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
        }
    }
}

impl fmt::Display for Number {
    /// The canonical decimal form: `90`, `-1.5`, `0.001`, `123456789012345678901234567890`;
    /// a number that is exactly a float shows that float's shortest form (`0.1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::PositiveInfinity => f.write_str("Infinity"),
            Repr::NegativeInfinity => f.write_str("-Infinity"),
            Repr::Finite {
                negative,
                digits,
                exponent,
            } => {
                if *exponent < 0 {
                    if let Some(float) = self.exact_f64() {
                        return write!(f, "{float}");
                    }
                }
                if *negative {
                    f.write_str("-")?;
                }
                if *exponent >= 0 {
                    f.write_str(digits)?;
                    for _ in 0..*exponent {
                        f.write_str("0")?;
                    }
                    return Ok(());
                }
                let frac = exponent.unsigned_abs() as usize;
                if digits.len() > frac {
                    let (int, rest) = digits.split_at(digits.len() - frac);
                    write!(f, "{int}.{rest}")
                } else {
                    f.write_str("0.")?;
                    for _ in 0..frac - digits.len() {
                        f.write_str("0")?;
                    }
                    f.write_str(digits)
                }
            }
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact() {
        assert_eq!(Number::from_i64(1), Number::from_f64(1.0));
        assert_eq!(Number::parse("90.0").unwrap().to_string(), "90");
        assert_eq!(Number::parse("1e3").unwrap().as_i64(), Some(1000));
        assert_eq!(Number::parse("-0.005").unwrap().to_string(), "-0.005");
        assert_eq!(Number::parse("1.5").unwrap().as_i64(), None);
        assert!(!Number::parse("1.5").unwrap().is_whole());
        assert_eq!(Number::from_f64(0.1).to_string(), "0.1");
        assert_eq!(Number::parse("0.1").unwrap().as_f64(), 0.1);
        assert_ne!(Number::parse("0.1").unwrap(), Number::from_f64(0.1));
        let big = "123456789012345678901234567890";
        assert_eq!(Number::parse(big).unwrap().to_string(), big);
        assert_eq!(Number::parse(big).unwrap().as_i64(), None);
        assert_eq!(Number::from_i64(i64::MIN).as_i64(), Some(i64::MIN));
        assert_eq!(Number::from_i64(0), Number::parse("-0.000").unwrap());
        for bad in ["", "-", ".", "1e", "abc", "1.2.3", "1e99999999999"] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert!(Number::parse("-2").unwrap() < Number::parse("-1.5").unwrap());
        assert!(Number::parse("0.01").unwrap() < Number::parse("0.1").unwrap());
        assert!(Number::parse("100").unwrap() > Number::parse("99.999").unwrap());
    }
}
