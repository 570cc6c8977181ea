//! Go-style duration strings (`"30m"`, `"1h30m"`, `"90s"`, `"1.5h"`), the form Terraform
//! users write in `timeouts` blocks and in other duration attributes.

use std::time::Duration;

/// A text that is not a Go duration. Its message says what to write instead.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error(
    "{input:?} is not a duration: write a number followed by a unit, such as \"90s\", \"30m\", \"1h30m\" (units: ms, s, m, h)"
)]
pub struct DurationError {
    /// The text as given.
    pub input: String,
}

/// Parses a Go duration: numbers (decimals allowed) each followed by a unit (`ns`, `us` or
/// `µs`, `ms`, `s`, `m`, `h`), or a bare `0`. Spaces around it are ignored. Negative
/// durations, an empty string, a number without a unit and durations longer than 10¹²
/// seconds are refused.
pub fn parse(input: &str) -> Result<Duration, DurationError> {
    let err = || DurationError {
        input: input.to_string(),
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err());
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        if num_len == 0 {
            return Err(err());
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        rest = &rest[unit_len..];
        total += number * seconds_per_unit;
    }
    if !total.is_finite() || total > 1e12 {
        return Err(err());
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse(" 90s "), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in ["", "30", "m", "-5m", "5 minutes", "1d", "1h30", "..5s"] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains("is not a duration"), "{bad}");
        }
    }
}
