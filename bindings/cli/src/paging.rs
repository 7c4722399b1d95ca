//! Long lists cut to a screenful: `--limit N` (50 by default) and `--all`.
//!
//! A year of contacts is thousands of rows; a person at a terminal wants the newest few and to
//! know how many more there are. Tables show at most the limit, and a last line says how many
//! were left out and how to see them. `--json` is for scripts and always carries everything.

use std::io::Write;

/// Rows shown by default.
pub const DEFAULT_LIMIT: u32 = 50;

#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Paging {
    /// Show at most this many rows (the newest or most urgent first) [--json: everything].
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Show every row.
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            limit: DEFAULT_LIMIT,
            all: false,
        }
    }
}

/// Which end of a list is kept when it is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The list is oldest first; the newest rows are kept.
    Last,
    /// The list is most urgent first; the first rows are kept.
    First,
}

impl Paging {
    /// Cuts `rows` to the limit, keeping `keep`'s end; returns how many were left out.
    pub fn cut<T>(&self, rows: &mut Vec<T>, keep: Keep) -> usize {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if self.all || rows.len() <= limit {
            return 0;
        }
        let left_out = rows.len() - limit;
        match keep {
            Keep::Last => {
                rows.drain(..left_out);
            }
            Keep::First => rows.truncate(limit),
        }
        left_out
    }

    /// The line under a cut table (nothing when nothing was left out).
    pub fn note(&self, left_out: usize, out: &mut dyn Write) -> std::io::Result<()> {
        if left_out == 0 {
            return Ok(());
        }
        writeln!(
            out,
            "… and {left_out} more not shown (--limit N or --all to see them; --json has everything)."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_keeps_the_chosen_end_and_counts_the_rest() {
        let paging = Paging {
            limit: 3,
            all: false,
        };
        let mut oldest_first: Vec<u32> = (1..=10).collect();
        assert_eq!(paging.cut(&mut oldest_first, Keep::Last), 7);
        assert_eq!(oldest_first, vec![8, 9, 10]);
        let mut urgent_first: Vec<u32> = (1..=10).collect();
        assert_eq!(paging.cut(&mut urgent_first, Keep::First), 7);
        assert_eq!(urgent_first, vec![1, 2, 3]);
        let mut short = vec![1, 2];
        assert_eq!(paging.cut(&mut short, Keep::Last), 0);
        let all = Paging {
            limit: 3,
            all: true,
        };
        let mut every: Vec<u32> = (1..=10).collect();
        assert_eq!(all.cut(&mut every, Keep::Last), 0);
        assert_eq!(every.len(), 10);
        let mut note = Vec::new();
        paging.note(7, &mut note).expect("written");
        assert!(String::from_utf8_lossy(&note).contains("7 more"));
        let mut none = Vec::new();
        paging.note(0, &mut none).expect("written");
        assert!(none.is_empty());
    }
}
