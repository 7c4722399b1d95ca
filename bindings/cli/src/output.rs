//! How results are shown: plain aligned tables and labelled lines for people, or JSON
//! (`--json`) for scripts and tests.
//!
//! Tables are hand-aligned rather than drawn by a crate: a few columns of short text is all a
//! terminal client needs, and it keeps the dependency tree small. Long cells are cut with `…`
//! so a row stays one line; `show` commands print the full text.

use crate::error::Result;
use beatbook_core::model::AreaRef;
use serde::Serialize;
use std::io::Write;

/// The widest a table cell gets before it is cut (the last column is never cut).
const MAX_CELL: usize = 48;

/// A plain table.
#[derive(Debug)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Writes the table, or `empty` when it has no rows.
    pub fn write(&self, out: &mut dyn Write, empty: &str) -> Result<()> {
        if self.rows.is_empty() {
            writeln!(out, "  ({empty})")?;
            return Ok(());
        }
        let last = self.headers.len().saturating_sub(1);
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, c)| fit(c, if i == last { usize::MAX } else { MAX_CELL }))
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &cells {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        write_row(out, &header, &widths)?;
        for row in &cells {
            write_row(out, row, &widths)?;
        }
        Ok(())
    }
}

fn write_row(out: &mut dyn Write, cells: &[String], widths: &[usize]) -> Result<()> {
    let mut line = String::from(" ");
    for (i, cell) in cells.iter().enumerate() {
        line.push(' ');
        line.push_str(cell);
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
        let mut t = Table::new(&["ID", "TEXT", "LAST"]);
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
        Table::new(&["A"])
            .write(&mut buf, "no patrols")
            .expect("write");
        assert_eq!(String::from_utf8(buf).expect("utf8"), "  (no patrols)\n");
    }
}
