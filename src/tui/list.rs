//! A scrolling selection over a (possibly filtered) list: each pane and list modal owns
//! one. Only the rows in [`ListState::window`] are ever built into widgets, so 10,000
//! rows cost what a screenful costs.

#[derive(Debug, Default, Clone)]
pub struct ListState {
    /// Indices into the owner's items that pass the filter, in order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// First row shown, as the last draw scrolled it (a Cell: drawing takes `&self`).
    pub offset: std::cell::Cell<usize>,
    pub filter: String,
}

impl ListState {
    /// Re-applies the filter after the items changed, keeping the selection on the same
    /// item where it still exists (by `key`), else at the same position.
    pub fn refresh<T>(
        &mut self,
        items: &[T],
        text: impl Fn(&T) -> String,
        keep: Option<&dyn Fn(&T) -> bool>,
    ) {
        let f = self.filter.to_lowercase();
        self.visible = items
            .iter()
            .enumerate()
            .filter(|(_, it)| f.is_empty() || text(it).to_lowercase().contains(&f))
            .map(|(i, _)| i)
            .collect();
        if let Some(p) = keep.and_then(|k| self.visible.iter().position(|i| k(&items[*i]))) {
            self.selected = p;
        }
        self.clamp();
    }

    pub fn current(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    pub fn len(&self) -> usize {
        self.visible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    pub fn up(&mut self, n: usize) {
        self.selected = self.selected.saturating_sub(n);
    }

    pub fn down(&mut self, n: usize) {
        self.selected = (self.selected + n).min(self.visible.len().saturating_sub(1));
    }

    /// A new filter: the selection back to the top, the rows it lets through shown.
    pub fn refilter<T>(&mut self, filter: &str, items: &[T], text: impl Fn(&T) -> String) {
        self.filter = filter.to_string();
        self.top();
        self.refresh(items, text, None);
    }

    pub fn top(&mut self) {
        self.selected = 0;
    }

    pub fn bottom(&mut self) {
        self.selected = self.visible.len().saturating_sub(1);
    }

    /// The range of `visible` to draw in `height` rows, scrolling just enough to keep
    /// the selection in view, and remembered for the next frame.
    pub fn window(&self, height: usize) -> std::ops::Range<usize> {
        let h = height.max(1);
        let mut off = self.offset.get().min(self.selected);
        if self.selected >= off + h {
            off = self.selected + 1 - h;
        }
        self.offset.set(off);
        off..(off + h).min(self.visible.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_selection_and_stays_small() {
        let items: Vec<String> = (0..10_000).map(|i| format!("s{i}")).collect();
        let mut l = ListState::default();
        l.refresh(&items, |s| s.clone(), None);
        l.down(50);
        let r = l.window(20);
        assert_eq!((r.start, r.len()), (31, 20));
        assert!(r.contains(&50));
        l.up(3);
        assert_eq!(l.window(20).start, 31);
        l.filter = "s999".into();
        l.refresh(&items, |s| s.clone(), Some(&|s: &String| s == "s9999"));
        assert_eq!(l.len(), 11);
        assert_eq!(items[l.current().unwrap()], "s9999");
    }
}
