//! Bar charts as geometry, drawn by the analytics page in plain SVG: bars scaled to the
//! largest value, axis labels that do not crowd, a text summary for screen readers, and the
//! share of the largest row that the tables' inline bars show. No chart library: this is all
//! a bar chart needs, and it is tested here without a browser.

/// A vertical bar chart in a `width` × `height` viewBox: bars in the top part, the axis
/// labels in a band of [`LABEL_BAND`] below.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    pub labels: Vec<AxisLabel>,
    /// The largest value, which fills the plot's height.
    pub max: f64,
}

/// One bar, in viewBox units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// `2026-11-24: $1.20`, the bar's tooltip and accessible name.
    pub title: String,
}

/// A label under the bars.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisLabel {
    pub x: f64,
    pub text: String,
    /// SVG `text-anchor`: the first and last labels keep inside the chart.
    pub anchor: &'static str,
}

/// Height of the band under the bars that holds the axis labels.
pub const LABEL_BAND: f64 = 18.0;
/// At most this many axis labels, evenly spread, so they never overlap.
pub const MAX_LABELS: usize = 6;
/// A bar takes this share of its slot; the rest is the gap to its neighbour.
const BAR_SHARE: f64 = 0.8;
/// A value above zero is drawn at least this high, so a small day is not mistaken for none.
const MIN_BAR: f64 = 1.0;

/// The chart of `points` (label, value) in order, in a `width` × `height` viewBox;
/// `value_text` writes a value for the tooltips. Negative and non-finite values count as 0.
pub fn bar_chart(
    points: &[(String, f64)],
    width: f64,
    height: f64,
    value_text: impl Fn(f64) -> String,
) -> BarChart {
    let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let max = points.iter().map(|(_, v)| clean(*v)).fold(0.0, f64::max);
    let plot = (height - LABEL_BAND).max(0.0);
    let slot = if points.is_empty() {
        0.0
    } else {
        width / points.len() as f64
    };
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let value = clean(*value);
            let h = if max > 0.0 && value > 0.0 {
                (value / max * plot).max(MIN_BAR)
            } else {
                0.0
            };
            let w = slot * BAR_SHARE;
            Bar {
                x: i as f64 * slot + (slot - w) / 2.0,
                y: plot - h,
                width: w,
                height: h,
                title: format!("{label}: {}", value_text(value)),
            }
        })
        .collect();
    let labels = label_indices(points.len())
        .into_iter()
        .map(|i| AxisLabel {
            x: (i as f64 + 0.5) * slot,
            text: short_label(&points[i].0),
            anchor: match i {
                _ if points.len() == 1 => "middle",
                0 => "start",
                i if i == points.len() - 1 => "end",
                _ => "middle",
            },
        })
        .map(|mut label| {
            // Anchored at an edge, the text starts (or ends) at the chart's edge.
            match label.anchor {
                "start" => label.x = 0.0,
                "end" => label.x = width,
                _ => {}
            }
            label
        })
        .collect();
    BarChart {
        width,
        height,
        bars,
        labels,
        max,
    }
}

/// Which points get an axis label: all of up to [`MAX_LABELS`], else that many spread evenly,
/// the first and the last included.
fn label_indices(len: usize) -> Vec<usize> {
    if len <= MAX_LABELS {
        return (0..len).collect();
    }
    let mut indices: Vec<usize> = (0..MAX_LABELS)
        .map(|k| k * (len - 1) / (MAX_LABELS - 1))
        .collect();
    indices.dedup();
    indices
}

/// `11-24` for a day key `2026-11-24` (the year is in the summary); anything else as is.
fn short_label(label: &str) -> String {
    let b = label.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        label[5..].to_owned()
    } else {
        label.to_owned()
    }
}

/// What a screen reader hears for the chart: `Cost per day, 2026-11-18 to 2026-11-24: total
/// $3.10, highest $1.20 on 2026-11-20`.
pub fn summary(
    title: &str,
    points: &[(String, f64)],
    value_text: impl Fn(f64) -> String,
) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return format!("{title}: no data");
    };
    let total: f64 = points
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .sum();
    let span = if points.len() == 1 {
        first.0.clone()
    } else {
        format!("{} to {}", first.0, last.0)
    };
    let highest = points
        .iter()
        .filter(|(_, v)| v.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, v)| *v > 0.0);
    match highest {
        Some((label, value)) => format!(
            "{title}, {span}: total {}, highest {} on {label}",
            value_text(total),
            value_text(*value)
        ),
        None => format!("{title}, {span}: none"),
    }
}

/// Each value as a percentage of the largest (0 to 100), for the tables' inline bars.
pub fn shares(values: &[f64]) -> Vec<f64> {
    let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let max = values.iter().copied().map(clean).fold(0.0, f64::max);
    values
        .iter()
        .map(|&v| {
            if max > 0.0 {
                clean(v) / max * 100.0
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(values: &[f64]) -> Vec<(String, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("2026-11-{:02}", i + 1), *v))
            .collect()
    }

    fn text(v: f64) -> String {
        format!("{v}")
    }

    #[test]
    fn bars_are_scaled_to_the_largest_value() {
        let chart = bar_chart(&days(&[1.0, 4.0, 0.0, 2.0]), 400.0, 118.0, text);
        assert_eq!(chart.max, 4.0);
        let heights: Vec<f64> = chart.bars.iter().map(|b| b.height).collect();
        assert_eq!(heights, [25.0, 100.0, 0.0, 50.0]);
        // Bars stand on the plot's floor, 100 units down, each centred in its 100-wide slot.
        for (i, bar) in chart.bars.iter().enumerate() {
            assert_eq!(bar.y + bar.height, 100.0);
            assert_eq!(bar.width, 80.0);
            assert_eq!(bar.x, i as f64 * 100.0 + 10.0);
        }
        assert_eq!(chart.bars[1].title, "2026-11-02: 4");
        let labels: Vec<_> = chart
            .labels
            .iter()
            .map(|l| (l.text.as_str(), l.anchor))
            .collect();
        assert_eq!(
            labels,
            [
                ("11-01", "start"),
                ("11-02", "middle"),
                ("11-03", "middle"),
                ("11-04", "end")
            ]
        );
        assert_eq!((chart.labels[0].x, chart.labels[3].x), (0.0, 400.0));
        assert_eq!(chart.labels[1].x, 150.0);
    }

    #[test]
    fn tiny_values_stay_visible_and_odd_values_are_zero() {
        let chart = bar_chart(&days(&[1000.0, 0.001, -5.0, f64::NAN]), 400.0, 118.0, text);
        assert_eq!(chart.bars[1].height, 1.0);
        assert_eq!(chart.bars[2].height, 0.0);
        assert_eq!(chart.bars[3].height, 0.0);
        assert_eq!(chart.max, 1000.0);
    }

    #[test]
    fn empty_all_zero_and_one_day() {
        let empty = bar_chart(&[], 400.0, 118.0, text);
        assert!(empty.bars.is_empty() && empty.labels.is_empty());
        assert_eq!(empty.max, 0.0);
        let zeros = bar_chart(&days(&[0.0, 0.0]), 400.0, 118.0, text);
        assert!(zeros.bars.iter().all(|b| b.height == 0.0 && b.y == 100.0));
        let one = bar_chart(&days(&[3.0]), 400.0, 118.0, text);
        assert_eq!(one.bars.len(), 1);
        assert_eq!(
            (one.bars[0].x, one.bars[0].width, one.bars[0].height),
            (40.0, 320.0, 100.0)
        );
        assert_eq!(one.labels.len(), 1);
        assert_eq!((one.labels[0].x, one.labels[0].anchor), (200.0, "middle"));
    }

    #[test]
    fn many_days_get_six_labels_and_thin_bars() {
        let values: Vec<f64> = (0..90).map(|i| i as f64).collect();
        let points: Vec<(String, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("day {i}"), *v))
            .collect();
        let chart = bar_chart(&points, 900.0, 118.0, text);
        assert_eq!(chart.bars.len(), 90);
        assert_eq!(chart.bars[89].height, 100.0);
        assert!((chart.bars[89].x + chart.bars[89].width - 899.0).abs() < 1e-9);
        let labels: Vec<_> = chart.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            labels,
            ["day 0", "day 17", "day 35", "day 53", "day 71", "day 89"]
        );
        assert_eq!(label_indices(7), [0, 1, 2, 3, 4, 6]);
    }

    #[test]
    fn summaries_for_screen_readers() {
        let cost = |v: f64| format!("${v:.2}");
        assert_eq!(
            summary("Cost per day", &days(&[1.0, 3.5, 0.5]), cost),
            "Cost per day, 2026-11-01 to 2026-11-03: total $5.00, highest $3.50 on 2026-11-02"
        );
        assert_eq!(summary("Cost per day", &[], cost), "Cost per day: no data");
        assert_eq!(
            summary("Cost per day", &days(&[0.0]), cost),
            "Cost per day, 2026-11-01: none"
        );
    }

    #[test]
    fn shares_of_the_largest() {
        assert_eq!(shares(&[2.0, 1.0, 0.0]), [100.0, 50.0, 0.0]);
        assert_eq!(shares(&[0.0, 0.0]), [0.0, 0.0]);
        assert!(shares(&[]).is_empty());
        assert_eq!(shares(&[f64::INFINITY, 1.0]), [0.0, 100.0]);
    }
}
