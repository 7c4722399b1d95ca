//! How results are shown: plain aligned tables and labelled lines for people, or JSON
//! (`--json`) for scripts and tests.
//!
//! Tables are hand-aligned rather than drawn by a crate: a few columns of short text is all a
//! terminal client needs, and it keeps the dependency tree small. Long cells are cut with `…`
//! so a row stays one line, and on a terminal the table is cut to its width (the widest
//! columns give way first); `show` commands print the full text. Late things (overdue
//! follow-ups) are red on a terminal that takes colour ([`crate::terminal`]).

use crate::error::Result;
use crate::terminal::{self, Layout};
use beatbook_core::model::AreaRef;
use serde::Serialize;
use std::io::Write;

/// The widest a table cell gets before it is cut (the last column is cut only to fit a
/// terminal).
const MAX_CELL: usize = 48;
/// The narrowest a column is cut to when a terminal is too narrow for the table.
const MIN_CELL: usize = 8;
/// The room the last column keeps on a narrow terminal before other columns give way.
const MIN_LAST: usize = 16;

/// A plain table.
#[derive(Debug)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// Per row, the column to show as late (red on a colour terminal).
    alerts: Vec<Option<usize>>,
    layout: Layout,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Table::with_layout(headers, Layout::current())
    }

    /// A table laid out for `layout` rather than this run's standard output.
    pub fn with_layout(headers: &[&'static str], layout: Layout) -> Self {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
            alerts: Vec::new(),
            layout,
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
        self.alerts.push(None);
    }

    /// A row whose `column` shows something late (an overdue follow-up).
    pub fn row_alerting(&mut self, cells: Vec<String>, column: usize, late: bool) {
        self.rows.push(cells);
        self.alerts.push(late.then_some(column));
    }

    /// Writes the table, or `empty` when it has no rows.
    pub fn write(&self, out: &mut dyn Write, empty: &str) -> Result<()> {
        if self.rows.is_empty() {
            writeln!(out, "  ({empty})")?;
            return Ok(());
        }
        let last = self.headers.len().saturating_sub(1);
        let mut limits: Vec<usize> = (0..self.headers.len())
            .map(|i| if i == last { usize::MAX } else { MAX_CELL })
            .collect();
        let mut widths = self.widths(&limits);
        if let Some(width) = self.layout.width {
            fit_to(&mut limits, &widths, width);
            widths = self.widths(&limits);
        }
        let header: Vec<String> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| fit(h, limits[i]))
            .collect();
        write_row(out, &header, &widths, None)?;
        for (row, alert) in self.rows.iter().zip(&self.alerts) {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, c)| fit(c, limits.get(i).copied().unwrap_or(MAX_CELL)))
                .collect();
            let alert = alert.filter(|_| self.layout.color);
            write_row(out, &cells, &widths, alert)?;
        }
        Ok(())
    }

    /// Each column's width once its cells are cut to `limits`.
    fn widths(&self, limits: &[usize]) -> Vec<usize> {
        let mut widths: Vec<usize> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| h.chars().count().min(limits[i]))
            .collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let (Some(w), Some(limit)) = (widths.get_mut(i), limits.get(i)) {
                    *w = (*w).max(fit(cell, *limit).chars().count());
                }
            }
        }
        widths
    }
}

/// Lowers `limits` so that rows of `widths` fit a terminal `width` columns wide: the last
/// column takes what is left; when that is under [`MIN_LAST`], the widest other columns give
/// way first, down to [`MIN_CELL`].
fn fit_to(limits: &mut [usize], widths: &[usize], width: usize) {
    let Some(last) = limits.len().checked_sub(1) else {
        return;
    };
    let mut widths = widths.to_vec();
    // A row is " " + (" " + cell + " ") per column but the last + " " + the last cell.
    let used = |widths: &[usize]| 2 + widths[..last].iter().map(|w| w + 2).sum::<usize>();
    while width.saturating_sub(used(&widths)) < MIN_LAST {
        let widest = (0..last)
            .filter(|i| widths[*i] > MIN_CELL)
            .max_by_key(|i| widths[*i]);
        let Some(widest) = widest else { break };
        widths[widest] -= 1;
        limits[widest] = widths[widest];
    }
    limits[last] = width.saturating_sub(used(&widths)).max(MIN_CELL);
}

fn write_row(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    alert: Option<usize>,
) -> Result<()> {
    let mut line = String::from(" ");
    for (i, cell) in cells.iter().enumerate() {
        line.push(' ');
        if alert == Some(i) {
            line.push_str(&terminal::alert(cell));
        } else {
            line.push_str(cell);
        }
        if i + 1 < cells.len() {
            let width = widths.get(i).copied().unwrap_or(0);
            let pad = width.saturating_sub(cell.chars().count());
            line.push_str(&" ".repeat(pad + 1));
        }
    }
    writeln!(out, "{}", line.trim_end())?;
    Ok(())
}

/// One line, at most `max` characters.
fn fit(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A record id held as text (search hits, audit entries, conflicts) as its short reference
/// ([`beatbook_core::short_ref`]); text that is not a UUID (a reference record's fixed id)
/// is shown as it is.
pub fn reference_text(id: &str) -> String {
    beatbook_core::short_ref::short_ref_of(id).unwrap_or_else(|| id.to_owned())
}

/// Writes `value` as pretty JSON.
pub fn json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A labelled line, `  Label:   value`, aligned for labels up to 12 characters.
pub fn field(out: &mut dyn Write, label: &str, value: impl std::fmt::Display) -> Result<()> {
    writeln!(out, "  {:<13}{value}", format!("{label}:"))?;
    Ok(())
}

/// An area as people say it: `LAP LAP-NV`, `LSOA E01990002`.
pub fn area(area: &AreaRef) -> String {
    match area {
        AreaRef::Lap(code) => format!("LAP {code}"),
        AreaRef::Lsoa(code) => format!("LSOA {code}"),
        AreaRef::Priority(id) => format!("priority area {id}"),
    }
}

/// `1 person`, `3 people`-style counts.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_long_cells_are_cut() {
        let mut t = Table::with_layout(&["ID", "TEXT", "LAST"], Layout::PLAIN);
        t.row(vec!["a".into(), "x".repeat(60), "tail".into()]);
        t.row(vec!["bbbb".into(), "short".into(), "z".repeat(60)]);
        let mut buf = Vec::new();
        t.write(&mut buf, "none").expect("write");
        let text = String::from_utf8(buf).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let col = |l: &str| {
            l.find("TEXT")
                .or_else(|| l.find('x'))
                .or_else(|| l.find("short"))
        };
        assert_eq!(col(lines[0]), col(lines[1]));
        assert_eq!(col(lines[1]), col(lines[2]));
        assert!(lines[1].contains('…'));
        assert!(lines[2].ends_with(&"z".repeat(60)));
    }

    #[test]
    fn an_empty_table_says_so() {
        let mut buf = Vec::new();
        Table::with_layout(&["A"], Layout::PLAIN)
            .write(&mut buf, "no patrols")
            .expect("write");
        assert_eq!(String::from_utf8(buf).expect("utf8"), "  (no patrols)\n");
    }

    fn table(layout: Layout) -> Table {
        let mut table = Table::with_layout(&["ID", "STATE", "PROMISE"], layout);
        table.row_alerting(
            vec![
                "01a23bbf-dfa4-7182-8962-c65a0292a0df".into(),
                "OVERDUE 3d 2h".into(),
                "Ask the council to repair the lane lighting and call back".repeat(2),
            ],
            1,
            true,
        );
        table.row_alerting(
            vec!["01a23bbf".into(), "open".into(), "Call back".into()],
            1,
            false,
        );
        table
    }

    fn written(table: &Table) -> String {
        let mut out = Vec::new();
        table.write(&mut out, "none").expect("write");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn a_terminal_table_fits_its_width_and_a_piped_one_keeps_everything() {
        for width in [40, 60, 100] {
            let text = written(&table(Layout {
                width: Some(width),
                color: false,
            }));
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{width}: {line:?}");
            }
            assert!(text.contains('…'), "{text}");
        }
        let piped = written(&table(Layout::PLAIN));
        assert!(
            piped.contains(&"Ask the council to repair the lane lighting and call back".repeat(2)),
            "{piped}"
        );
        assert!(
            piped.contains("01a23bbf-dfa4-7182-8962-c65a0292a0df"),
            "{piped}"
        );
    }

    #[test]
    fn late_cells_are_red_only_where_colour_is_welcome() {
        let coloured = written(&table(Layout {
            width: Some(120),
            color: true,
        }));
        assert!(
            coloured.contains("\x1b[31mOVERDUE 3d 2h\x1b[0m"),
            "{coloured}"
        );
        assert!(!coloured.contains("\x1b[31mopen"), "{coloured}");
        let plain = written(&table(Layout {
            width: Some(120),
            color: false,
        }));
        assert!(!plain.contains('\x1b'), "{plain}");
    }
}
