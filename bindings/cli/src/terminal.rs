//! What the terminal the output goes to can show: how wide it is, and whether colour is
//! welcome.
//!
//! Decided once per run from standard output: piped into a file or another program, tables
//! keep their full last column and carry no colour (scripts read them); on a terminal, tables
//! are cut to its width and overdue follow-ups are shown in red, unless `NO_COLOR` is set
//! (<https://no-color.org>) or `TERM=dumb`.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// How output is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The terminal's width in columns; `None` when output is not a terminal.
    pub width: Option<usize>,
    /// Whether ANSI colour may be used.
    pub color: bool,
}

impl Layout {
    /// Plain output for a file or a pipe: no width limit, no colour.
    pub const PLAIN: Layout = Layout {
        width: None,
        color: false,
    };

    /// The layout for this run's standard output.
    pub fn current() -> Layout {
        static CURRENT: OnceLock<Layout> = OnceLock::new();
        *CURRENT.get_or_init(detect)
    }
}

fn detect() -> Layout {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return Layout::PLAIN;
    }
    let width = console::Term::stdout()
        .size_checked()
        .map(|(_rows, cols)| usize::from(cols))
        .filter(|cols| *cols >= 20);
    Layout {
        width,
        color: color_allowed(
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        ),
    }
}

/// Colour unless `NO_COLOR` is set to anything non-empty, or the terminal is `dumb`.
fn color_allowed(no_color: Option<&std::ffi::OsStr>, term: Option<&std::ffi::OsStr>) -> bool {
    no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
}

/// `text` in red, for things that are late.
pub fn alert(text: &str) -> String {
    format!("\x1b[31m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_and_dumb_terminals_get_no_colour() {
        assert!(color_allowed(None, Some(OsStr::new("xterm-256color"))));
        assert!(color_allowed(Some(OsStr::new("")), None));
        assert!(!color_allowed(Some(OsStr::new("1")), None));
        assert!(!color_allowed(None, Some(OsStr::new("dumb"))));
    }
}
