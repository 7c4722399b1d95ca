//! The oldest few of a stream, and how many there were: what a queue page shows.
//!
//! Why: a supervisor's review queue (on a device and on the server's web page) is read one
//! record at a time and shown per team member, oldest first, at most a page at a time with a
//! count of the rest. Keeping every item to sort them held the team's whole unreviewed history
//! in memory for one page; this keeps at most `limit` items (a max-heap: a full one drops its
//! newest for an older item) and counts every item offered.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::convert::Infallible;

/// An item with the key it is ordered by (oldest = smallest key), then by when it was offered.
#[derive(Debug)]
struct Keyed<K, T> {
    key: K,
    offered: usize,
    item: T,
}

impl<K: Ord, T> PartialEq for Keyed<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord, T> Eq for Keyed<K, T> {}

impl<K: Ord, T> PartialOrd for Keyed<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord, T> Ord for Keyed<K, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.key, self.offered).cmp(&(&other.key, other.offered))
    }
}

/// The `limit` items with the smallest keys among those offered (all of them without a
/// limit), and how many were offered.
#[derive(Debug)]
pub struct OldestKept<K, T> {
    limit: Option<usize>,
    heap: BinaryHeap<Keyed<K, T>>,
    offered: usize,
}

impl<K: Ord, T> OldestKept<K, T> {
    /// Keeps at most `limit` items; `None` keeps every one.
    pub fn new(limit: Option<usize>) -> Self {
        OldestKept {
            limit,
            heap: BinaryHeap::new(),
            offered: 0,
        }
    }

    /// Counts `item` and keeps it if its key is among the `limit` smallest so far (of equal
    /// keys, the first offered is the older).
    pub fn offer(&mut self, key: K, item: T) {
        let Ok(()) = self.offer_with::<Infallible>(key, || Ok(item));
    }

    /// [`offer`](Self::offer), making the item only if it is kept: a long queue's items past
    /// its page cost their key, not the reading and formatting of the rest of their row.
    pub fn offer_with<E>(&mut self, key: K, make: impl FnOnce() -> Result<T, E>) -> Result<(), E> {
        let offered = self.offered;
        self.offered += 1;
        // Offered after every item held, it is older than the newest held only by its key.
        let full = self.limit.is_some_and(|limit| self.heap.len() >= limit);
        if full && self.heap.peek().is_none_or(|newest| key >= newest.key) {
            return Ok(());
        }
        let item = make()?;
        if full {
            self.heap.pop();
        }
        self.heap.push(Keyed { key, offered, item });
        Ok(())
    }

    /// Counts an item that is not to be kept whatever its key (not one of those asked for).
    pub fn count_passed(&mut self) {
        self.offered += 1;
    }

    /// How many items were offered or counted, kept or not.
    pub fn offered(&self) -> usize {
        self.offered
    }

    /// The kept items, smallest key first.
    pub fn into_sorted(self) -> Vec<T> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|keyed| keyed.item)
            .collect()
    }
}

/// [`OldestKept`] per group (a queue's team members), each group keeping its own `limit`.
#[derive(Debug)]
pub struct OldestKeptPer<G, K, T> {
    limit: Option<usize>,
    groups: BTreeMap<G, OldestKept<K, T>>,
}

impl<G: Ord, K: Ord, T> OldestKeptPer<G, K, T> {
    /// Each group keeps at most `limit` items; `None` keeps every one.
    pub fn new(limit: Option<usize>) -> Self {
        OldestKeptPer {
            limit,
            groups: BTreeMap::new(),
        }
    }

    fn group(&mut self, group: G) -> &mut OldestKept<K, T> {
        let limit = self.limit;
        self.groups
            .entry(group)
            .or_insert_with(|| OldestKept::new(limit))
    }

    /// [`OldestKept::offer`] in `group`.
    pub fn offer(&mut self, group: G, key: K, item: T) {
        self.group(group).offer(key, item);
    }

    /// [`OldestKept::offer_with`] in `group`.
    pub fn offer_with<E>(
        &mut self,
        group: G,
        key: K,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<(), E> {
        self.group(group).offer_with(key, make)
    }

    /// [`OldestKept::count_passed`] in `group`.
    pub fn count_passed(&mut self, group: G) {
        self.group(group).count_passed();
    }

    /// Each group in order, with how many were offered to it and what it kept (smallest key
    /// first).
    pub fn into_groups(self) -> impl Iterator<Item = (G, usize, Vec<T>)> {
        self.groups.into_iter().map(|(group, kept)| {
            let offered = kept.offered();
            (group, offered, kept.into_sorted())
        })
    }
}

#[cfg(test)]
mod tests;
