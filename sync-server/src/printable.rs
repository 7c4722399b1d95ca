//! Text from devices or administrators made safe to print on a terminal: control characters
//! (escape sequences that repaint or retitle an operator's terminal, carriage returns and new
//! lines that forge output lines) are shown escaped (`\u{1b}`), never written raw. Enrolment
//! refuses such device names now; names stored before that are still shown safely.

use std::borrow::Cow;

/// `text` with every control character escaped.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_other_text_is_kept() {
        assert_eq!(printable("Pixel 7 — Ellis"), "Pixel 7 — Ellis");
        let shown = printable("phone\x1b[2J\x1b]0;pwned\x07\r\nforged line");
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(
            shown,
            "phone\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}\\u{a}forged line"
        );
    }
}
