//! Virtualized lists: which rows of a long list are on screen, so the DOM holds a screenful
//! (plus a margin) and never the 20,000 rows of a long session. Rows have a fixed height, or
//! (the sessions list: group headers and sessions) heights known in advance, given as
//! [`tops`].

/// A list's geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListWindow {
    pub row_height: f64,
    /// Rows rendered beyond each edge, so a fast scroll does not show blank space.
    pub overscan: usize,
}

/// The rows to render and the spacers that stand for the others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Visible {
    pub start: usize,
    pub end: usize,
    /// Height of the spacer before the first rendered row.
    pub pad_top: f64,
    /// Height of the spacer after the last rendered row.
    pub pad_bottom: f64,
}

impl ListWindow {
    /// The rows of a `len`-row list seen through a viewport `height` high, scrolled `scroll_top`.
    pub fn visible(&self, len: usize, scroll_top: f64, height: f64) -> Visible {
        let h = self.row_height.max(1.0);
        let first = (scroll_top.max(0.0) / h).floor() as usize;
        let shown = (height.max(0.0) / h).ceil() as usize + 1;
        let start = first.saturating_sub(self.overscan).min(len);
        let end = (first + shown + self.overscan).min(len);
        Visible {
            start,
            end,
            pad_top: start as f64 * h,
            pad_bottom: (len - end) as f64 * h,
        }
    }

    /// The rows of a list whose rows start at `tops` (see [`tops`]) seen through a viewport
    /// `height` high, scrolled `scroll_top`.
    pub fn visible_tops(&self, tops: &[f64], scroll_top: f64, height: f64) -> Visible {
        let len = tops.len().saturating_sub(1);
        let total = tops.last().copied().unwrap_or(0.0);
        let top = scroll_top.max(0.0);
        // The row under the viewport's top edge, and the first row below its bottom edge.
        let first = tops[..len].partition_point(|&t| t <= top).saturating_sub(1);
        let past = tops[..len].partition_point(|&t| t < top + height.max(0.0));
        let start = first.saturating_sub(self.overscan).min(len);
        let end = (past + self.overscan).min(len).max(start);
        Visible {
            start,
            end,
            pad_top: tops.get(start).copied().unwrap_or(0.0),
            pad_bottom: total - tops.get(end).copied().unwrap_or(total),
        }
    }

    /// The scroll position that shows the last row at the bottom: where a list that follows
    /// the stream ("tail") is kept.
    pub fn bottom(&self, len: usize, height: f64) -> f64 {
        (len as f64 * self.row_height - height).max(0.0)
    }

    /// True when the viewport is at (or within a row of) the bottom, so new rows should keep
    /// it there; false once the user scrolled up to read.
    pub fn at_bottom(&self, len: usize, scroll_top: f64, height: f64) -> bool {
        scroll_top + self.row_height >= self.bottom(len, height)
    }
}

/// Where each row starts, for rows of the given heights, and the whole list's height last:
/// `tops([30, 70, 70]) == [0, 30, 100, 170]`.
pub fn tops(heights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut tops = vec![0.0];
    let mut y = 0.0;
    for h in heights {
        y += h.max(0.0);
        tops.push(y);
    }
    tops
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: ListWindow = ListWindow {
        row_height: 20.0,
        overscan: 5,
    };

    #[test]
    fn a_long_list_renders_a_screenful() {
        let v = LIST.visible(20_000, 0.0, 400.0);
        assert_eq!((v.start, v.end), (0, 26));
        assert_eq!(v.pad_top, 0.0);
        assert_eq!(v.pad_bottom, (20_000 - 26) as f64 * 20.0);
        let v = LIST.visible(20_000, 100_000.0, 400.0);
        assert_eq!((v.start, v.end), (4995, 5026));
        assert_eq!(
            v.pad_top + (v.end - v.start) as f64 * 20.0 + v.pad_bottom,
            400_000.0
        );
    }

    #[test]
    fn short_lists_and_odd_inputs_are_clamped() {
        let v = LIST.visible(3, 0.0, 400.0);
        assert_eq!((v.start, v.end, v.pad_bottom), (0, 3, 0.0));
        let v = LIST.visible(3, 99_999.0, 400.0);
        assert_eq!((v.start, v.end), (3, 3));
        let v = LIST.visible(0, -5.0, -1.0);
        assert_eq!((v.start, v.end), (0, 0));
    }

    #[test]
    fn bottom_and_following() {
        assert_eq!(LIST.bottom(100, 400.0), 1600.0);
        assert_eq!(LIST.bottom(5, 400.0), 0.0);
        assert!(LIST.at_bottom(100, 1590.0, 400.0));
        assert!(!LIST.at_bottom(100, 1000.0, 400.0));
    }

    #[test]
    fn rows_of_two_heights() {
        // A header of 30 then nine rows of 70, repeated: 1,000 rows, 66,000 px.
        let heights = (0..1000).map(|i| if i % 10 == 0 { 30.0 } else { 70.0 });
        let t = tops(heights);
        assert_eq!(t.len(), 1001);
        assert_eq!(t[..4], [0.0, 30.0, 100.0, 170.0]);
        assert_eq!(*t.last().unwrap(), 66_000.0);
        let v = LIST.visible_tops(&t, 0.0, 400.0);
        // Rows 0..=6 cover 0..450: seven on screen, five more below.
        assert_eq!((v.start, v.end, v.pad_top), (0, 12, 0.0));
        assert_eq!(v.pad_bottom, 66_000.0 - t[12]);
        // Scrolled into the middle of row 503 (which starts at 33,170).
        assert_eq!(t[503], 33_170.0);
        let v = LIST.visible_tops(&t, 33_200.0, 400.0);
        assert_eq!(v.start, 503 - 5);
        assert!(t[v.end] >= 33_600.0, "the viewport's bottom is covered");
        assert!(v.end - v.start < 20, "{v:?}");
        assert_eq!(v.pad_top, t[v.start]);
        assert_eq!(v.pad_top + (t[v.end] - t[v.start]) + v.pad_bottom, 66_000.0);
    }

    #[test]
    fn rows_of_known_heights_at_the_edges() {
        let empty = tops([]);
        assert_eq!(empty, [0.0]);
        let v = LIST.visible_tops(&empty, 50.0, 400.0);
        assert_eq!((v.start, v.end, v.pad_top, v.pad_bottom), (0, 0, 0.0, 0.0));
        let t = tops([30.0, 70.0]);
        let v = LIST.visible_tops(&t, 99_999.0, 400.0);
        assert_eq!((v.start, v.end), (0, 2));
        let v = LIST.visible_tops(&[], -5.0, -1.0);
        assert_eq!((v.start, v.end), (0, 0));
    }
}
