//! The checks, unit conversions and default texts that settings declarations name (see
//! `group`). A check takes the value as given and says what is wrong with it;
//! a conversion turns it into what the server uses.

use std::net::SocketAddr;
use std::time::Duration;

use clap::ValueEnum;

/// Sizes, counts and intervals: 0 would stall or refuse everything.
pub(crate) fn positive<T: PartialOrd + Default>(value: &T) -> Result<(), String> {
    if *value > T::default() {
        Ok(())
    } else {
        Err("must be greater than 0".into())
    }
}

/// A speed factor: finite and above 0.
pub(crate) fn positive_finite(value: &f64) -> Result<(), String> {
    if value.is_finite() && *value > 0.0 {
        Ok(())
    } else {
        Err("must be a positive number".into())
    }
}

pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

pub(crate) fn seconds(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Saturates rather than overflows: a huge number of hours is "practically forever".
pub(crate) fn hours(hours: u64) -> Duration {
    Duration::from_secs(hours.saturating_mul(3600))
}

/// For limits where 0 means "no limit": `None` is no limit.
pub(crate) fn unlimited_if_zero<T: PartialEq + Default>(value: T) -> Option<T> {
    (value != T::default()).then_some(value)
}

/// An age limit in hours where 0 means "keep all".
pub(crate) fn hours_unless_zero(value: u64) -> Option<Duration> {
    unlimited_if_zero(value).map(hours)
}

/// How a default is written in `--help`: as a user would type it.
pub(crate) trait Shown {
    fn shown(&self) -> String;
}

macro_rules! shown_by_display {
    ($($ty:ty),*) => {$(
        impl Shown for $ty {
            fn shown(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

shown_by_display!(u32, u64, usize, f64, SocketAddr);

/// Choices are shown by the name given on the command line.
macro_rules! shown_by_value_name {
    ($($ty:ty),*) => {$(
        impl Shown for $ty {
            fn shown(&self) -> String {
                self.to_possible_value()
                    .map(|value| value.get_name().to_owned())
                    .unwrap_or_default()
            }
        }
    )*};
}

shown_by_value_name!(
    super::LogFormat,
    crate::store::Durability,
    super::AuthMode,
    super::JwtAlgorithm
);

impl Shown for Vec<String> {
    fn shown(&self) -> String {
        self.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_and_conversions() {
        assert!(positive(&1u64).is_ok());
        assert_eq!(positive(&0usize).unwrap_err(), "must be greater than 0");
        assert!(positive_finite(&0.5).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(positive_finite(&bad).is_err(), "{bad}");
        }
        assert_eq!(unlimited_if_zero(0u32), None);
        assert_eq!(unlimited_if_zero(7u32), Some(7));
        assert_eq!(hours_unless_zero(0), None);
        assert_eq!(hours_unless_zero(2), Some(Duration::from_secs(7200)));
        assert_eq!(hours(u64::MAX), Duration::from_secs(u64::MAX));
        assert_eq!(crate::store::Durability::Full.shown(), "full");
        assert_eq!(super::super::JwtAlgorithm::EdDsa.shown(), "EdDSA");
    }
}
