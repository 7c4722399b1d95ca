//! How full a feed page may get: at most `limit` records and, in stored bytes, at most
//! `max_bytes` — but never empty while a record is left, so a puller always advances. Both
//! backends read a page's rows one by one through a [`PageBudget`] and stop as soon as it says
//! no; the page is then cut short and says `has_more`.

/// The running tally for one page.
#[derive(Debug)]
pub(crate) struct PageBudget {
    limit: usize,
    max_bytes: usize,
    taken: usize,
    bytes: usize,
    cut: bool,
}

impl PageBudget {
    pub(crate) fn new(limit: u32, max_bytes: usize) -> Self {
        Self {
            limit: limit as usize,
            max_bytes,
            taken: 0,
            bytes: 0,
            cut: false,
        }
    }

    /// Whether the next row, of `bytes`, goes in this page. After the first `false` the page
    /// is complete and more rows follow it.
    pub(crate) fn admit(&mut self, bytes: usize) -> bool {
        let over = self.bytes.saturating_add(bytes) > self.max_bytes;
        if self.taken >= self.limit || (self.taken > 0 && over) {
            self.cut = true;
            return false;
        }
        self.taken += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        true
    }

    /// Whether rows were left out (the page has more after it).
    pub(crate) fn cut(&self) -> bool {
        self.cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_stops_at_its_record_limit_or_its_byte_budget_but_never_empty() {
        let mut by_count = PageBudget::new(2, usize::MAX);
        assert!(by_count.admit(10) && by_count.admit(10));
        assert!(!by_count.admit(10));
        assert!(by_count.cut());

        let mut by_bytes = PageBudget::new(100, 25);
        assert!(by_bytes.admit(10) && by_bytes.admit(10));
        assert!(!by_bytes.admit(10), "30 bytes would pass 25");
        assert!(by_bytes.cut());

        let mut huge = PageBudget::new(100, 25);
        assert!(huge.admit(1_000), "the first record always goes in");
        assert!(!huge.admit(1));

        let mut short = PageBudget::new(100, 25);
        assert!(short.admit(5));
        assert!(!short.cut(), "nothing was left out");
    }
}
