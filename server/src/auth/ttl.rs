//! Token lifetimes written as humans do: `90s`, `15m`, `1h`, `7d`.

use std::time::Duration;

/// Parses `<n><unit>` with unit `s`, `m`, `h` or `d` (a bare number is seconds).
pub fn parse(text: &str) -> Result<Duration, String> {
    match parse_overlap(text)? {
        Duration::ZERO => Err(format!("{:?}: a lifetime must be positive", text.trim())),
        positive => Ok(positive),
    }
}

/// Like [`parse`], and 0 is allowed: a key rotated out with no overlap stops verifying at once.
pub fn parse_overlap(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, e.g. 1h, 30m, 7d"))?;
    let unit_s = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: unknown unit {unit:?}; use s, m, h or d")),
    };
    n.checked_mul(unit_s)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?}: too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse("0h").is_err());
        assert!(parse("1w").unwrap_err().contains("unknown unit"));
        assert!(parse("h").is_err());
        assert_eq!(parse_overlap("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_overlap("24h").unwrap(), Duration::from_secs(86_400));
    }
}
