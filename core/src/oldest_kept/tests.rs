use super::*;
use proptest::prelude::*;

proptest! {
    /// Whatever the order offered, what is kept is what sorting everything and taking the
    /// first `limit` gives (keys distinct, so the order is one), and every item is counted.
    #[test]
    fn keeps_what_a_full_sort_would_show(
        keys in proptest::collection::hash_set(0u32..10_000, 0..300),
        limit in proptest::option::of(0usize..50),
    ) {
        let keys: Vec<u32> = keys.into_iter().collect();
        let mut kept = OldestKept::new(limit);
        for &key in &keys {
            kept.offer(key, key.to_string());
        }
        prop_assert_eq!(kept.offered(), keys.len());
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        let expected: Vec<String> = sorted
            .into_iter()
            .take(limit.unwrap_or(usize::MAX))
            .map(|k| k.to_string())
            .collect();
        prop_assert_eq!(kept.into_sorted(), expected);
    }
}

#[test]
fn a_full_heap_keeps_the_first_of_equal_keys_offered() {
    let mut kept = OldestKept::new(Some(2));
    for (key, item) in [(1, "a"), (2, "b"), (2, "c"), (1, "d"), (1, "e")] {
        kept.offer(key, item);
    }
    assert_eq!(kept.into_sorted(), ["a", "d"]);
    let mut all = OldestKept::new(None);
    for (key, item) in [(2, "b"), (1, "a"), (2, "c"), (1, "d")] {
        all.offer(key, item);
    }
    assert_eq!(all.into_sorted(), ["a", "d", "b", "c"]);
    assert_eq!(
        OldestKept::<u8, u8>::new(Some(0)).into_sorted(),
        Vec::<u8>::new()
    );
}

#[test]
fn each_group_keeps_its_own_oldest_and_count() {
    let mut per = OldestKeptPer::new(Some(1));
    for (group, key) in [("b", 3), ("a", 2), ("b", 1), ("a", 5)] {
        per.offer(group, key, key);
    }
    per.count_passed("c");
    let groups: Vec<_> = per.into_groups().collect();
    assert_eq!(
        groups,
        [("a", 2, vec![2]), ("b", 2, vec![1]), ("c", 1, vec![])]
    );
}

#[test]
fn an_item_is_made_only_when_it_is_kept() {
    let mut kept = OldestKept::new(Some(2));
    let mut made = Vec::new();
    for key in [5, 3, 9, 4, 4, 1] {
        kept.offer_with(key, || -> Result<u32, ()> {
            made.push(key);
            Ok(key)
        })
        .expect("made");
    }
    // 9 comes when 5 and 3 are held; the second 4 ties the newest held and is not older.
    assert_eq!(made, [5, 3, 4, 1]);
    assert_eq!(kept.offered(), 6);
    assert_eq!(kept.into_sorted(), [1, 3]);
    let mut failing = OldestKept::new(None);
    assert_eq!(failing.offer_with(1, || Err::<u8, _>("no")), Err("no"));
    assert_eq!(failing.into_sorted(), Vec::<u8>::new());
}
