//! Text cells bound for spreadsheets (every CSV Beatbook writes: the contacts export on a
//! device, the performance report on device and server).
//!
//! A cell a spreadsheet reads as a formula is an attack on whoever opens the file (CSV
//! injection: `=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`). Free text in Beatbook is typed by
//! officers from what the public says, so any of it may start that way. Following OWASP's
//! advice, a cell whose first character (or first after leading spaces) is `=`, `+`, `-`, `@`,
//! a tab or a carriage return is prefixed with `'`, which spreadsheets show as text and do not
//! run. A plain number (`-1.5`) is left alone so that numeric columns stay numeric.

use std::borrow::Cow;

/// The cell as a spreadsheet should receive it: unchanged unless it could start a formula.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if could_start_formula(cell) && cell.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn could_start_formula(cell: &str) -> bool {
    let formula_start = |c: char| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r');
    match cell.chars().next() {
        Some(first) if formula_start(first) => true,
        Some(' ') => cell.trim_start_matches(' ').starts_with(formula_start),
        _ => false,
    }
}

/// The byte-order mark Excel needs to read a CSV file as UTF-8 (without it, "Zoë" shows as
/// "ZoÃ«" in Excel on Windows); other spreadsheets accept it too.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_defused() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "  =1+1",
        ] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn ordinary_text_and_numbers_are_untouched() {
        for cell in ["Noise from the flats", "-1.23456", "+44", "", "a=b", " 12"] {
            assert_eq!(spreadsheet_safe(cell), cell, "{cell:?}");
        }
    }
}
