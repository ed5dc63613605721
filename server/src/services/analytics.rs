//! [`AnalyticsService`]: the three reports, for the sessions started in a time range, grouped
//! by day, model or project. They read the sessions' totals, never the events.

use std::sync::Arc;

use agentcast_shared::rest::{AnalyticsParams, CostReport, GroupBy, SessionsReport, UsageReport};

use super::ServiceError;
use crate::store::{Analytics, TimeRange};

/// Reports over the store's sessions. Cheap to clone.
#[derive(Clone)]
pub(crate) struct AnalyticsService {
    analytics: Arc<dyn Analytics>,
}

impl AnalyticsService {
    pub(crate) fn new(analytics: Arc<dyn Analytics>) -> Self {
        AnalyticsService { analytics }
    }

    /// Tokens per group.
    pub(crate) async fn usage(&self, params: AnalyticsParams) -> Result<UsageReport, ServiceError> {
        let (group_by, range) = parts(params)?;
        let rows = self.analytics.usage_by(group_by, &range).await?;
        Ok(UsageReport { group_by, rows })
    }

    /// Cost per group, and in all.
    pub(crate) async fn costs(&self, params: AnalyticsParams) -> Result<CostReport, ServiceError> {
        let (group_by, range) = parts(params)?;
        let rows = self.analytics.costs_by(group_by, &range).await?;
        let total_cost_usd = rows.iter().map(|r| r.total_cost_usd).sum();
        Ok(CostReport {
            group_by,
            rows,
            total_cost_usd,
        })
    }

    /// Session counts, outcomes and durations per group.
    pub(crate) async fn sessions(
        &self,
        params: AnalyticsParams,
    ) -> Result<SessionsReport, ServiceError> {
        let (group_by, range) = parts(params)?;
        let rows = self.analytics.sessions_by(group_by, &range).await?;
        Ok(SessionsReport { group_by, rows })
    }
}

/// The grouping (by day when not given) and the checked time range of a request.
fn parts(params: AnalyticsParams) -> Result<(GroupBy, TimeRange), ServiceError> {
    for (name, bound) in [("from", &params.from), ("to", &params.to)] {
        if let Some(bound) = bound
            && !looks_like_a_time(bound)
        {
            return Err(ServiceError::invalid(
                name,
                format!(
                    "{bound:?} is not an RFC 3339 date or time such as 2026-11-01 or 2026-11-01T12:00:00Z"
                ),
            ));
        }
    }
    let range = TimeRange {
        from: params.from,
        to: params.to,
    };
    Ok((params.group_by.unwrap_or_default(), range))
}

/// `YYYY-MM-DD` optionally followed by `T...`: bounds are compared as strings with the stored
/// UTC timestamps, so anything else would silently select nonsense.
fn looks_like_a_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let date = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    date && (bytes.len() == 10 || bytes[10] == b'T')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_must_be_dates_or_times() {
        assert!(looks_like_a_time("2026-11-01"));
        assert!(looks_like_a_time("2026-11-01T12:00:00Z"));
        assert!(!looks_like_a_time("yesterday"));
        assert!(!looks_like_a_time("2026-11-1"));
        assert!(!looks_like_a_time("2026-11-01 12:00"));
    }

    #[test]
    fn a_bad_bound_names_its_parameter_and_day_is_the_default_group() {
        let params = |from: &str| AnalyticsParams {
            group_by: None,
            from: Some(from.to_owned()),
            to: None,
        };
        let err = parts(params("yesterday")).unwrap_err().to_string();
        assert!(err.starts_with("from: \"yesterday\" is not"), "{err}");
        let (group, range) = parts(params("2026-11-01")).unwrap();
        assert_eq!(group, GroupBy::Day);
        assert_eq!(range.from.as_deref(), Some("2026-11-01"));
    }
}
