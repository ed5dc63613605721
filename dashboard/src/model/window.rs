//! Virtualized lists: which rows of a long list are on screen, so the DOM holds a screenful
//! (plus a margin) and never the 20,000 rows of a long session. Rows have a fixed height.

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
}
