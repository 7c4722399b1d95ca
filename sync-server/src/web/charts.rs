//! Charts drawn on the server as SVG: no chart library, no script, nothing fetched — the page
//! prints and saves as PDF exactly as it shows. Each chart is a `<figure>` with a caption, an
//! `aria-label` summary and, beside it, the same numbers as a table (the charts are never the
//! only way to read a figure).
//!
//! One shape covers every chart the report needs: horizontal bars, one per label, with the
//! previous period's value as a thinner bar under it for the trend.

use maud::{html, Markup};

/// One bar: this period's value and, for a trend, the previous period's.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub previous: Option<f64>,
}

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 190.0;
const VALUE_WIDTH: f64 = 70.0;
const ROW: f64 = 30.0;
/// Colours with at least 4.5:1 contrast on white (WCAG AA), told apart by size as well.
const NOW_FILL: &str = "#1d4f91";
const PREVIOUS_FILL: &str = "#767676";

/// A number as the charts and tables print it.
pub fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A horizontal bar chart; `unit` follows each value ("h", "contacts").
pub fn bars(caption: &str, unit: &str, bars: &[Bar]) -> Markup {
    let max = bars
        .iter()
        .flat_map(|b| [b.value, b.previous.unwrap_or(0.0)])
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 {
        (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / max
    } else {
        0.0
    };
    let height = ROW * bars.len().max(1) as f64 + 10.0;
    let has_previous = bars.iter().any(|b| b.previous.is_some());
    let summary = bars
        .iter()
        .map(|b| format!("{}: {} {unit}", b.label, number(b.value)))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        figure.chart {
            figcaption { (caption) }
            @if bars.is_empty() {
                p.muted { "Nothing recorded in this period." }
            } @else {
                svg xmlns="http://www.w3.org/2000/svg" role="img"
                    aria-label=(format!("{caption}. {summary}"))
                    viewBox=(format!("0 0 {WIDTH} {height}")) width="100%" {
                    @for (i, bar) in bars.iter().enumerate() {
                        @let y = 5.0 + ROW * i as f64;
                        text x=(LABEL_WIDTH - 8.0) y=(y + 14.0) text-anchor="end" font-size="13"
                            fill="#1a1a1a" { (bar.label) }
                        rect x=(LABEL_WIDTH) y=(y + 2.0) height="14"
                            width=(format!("{:.1}", bar.value * scale)) fill=(NOW_FILL) {}
                        @if let Some(previous) = bar.previous {
                            rect x=(LABEL_WIDTH) y=(y + 18.0) height="6"
                                width=(format!("{:.1}", previous * scale)) fill=(PREVIOUS_FILL) {}
                        }
                        text x=(LABEL_WIDTH + bar.value * scale + 6.0) y=(y + 14.0) font-size="13"
                            fill="#1a1a1a" { (number(bar.value)) " " (unit) }
                    }
                }
                @if has_previous {
                    p.legend {
                        span.key.key-now aria-hidden="true" {} " this period "
                        span.key.key-prev aria-hidden="true" {} " previous period"
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_say_their_numbers() {
        let svg = bars(
            "Patrol hours by kind",
            "h",
            &[
                Bar {
                    label: "foot".into(),
                    value: 10.0,
                    previous: Some(5.0),
                },
                Bar {
                    label: "hotspot <b>".into(),
                    value: 2.5,
                    previous: None,
                },
            ],
        )
        .into_string();
        // The longest bar fills the plotting width; the previous one is half of it.
        assert!(svg.contains(r#"width="380.0""#), "{svg}");
        assert!(svg.contains(r#"width="190.0""#), "{svg}");
        assert!(
            svg.contains("foot: 10 h; hotspot &lt;b&gt;: 2.5 h"),
            "{svg}"
        );
        assert!(!svg.contains("<b>"), "labels are escaped");
        assert!(svg.contains("previous period"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let html = bars("Contacts", "", &[]).into_string();
        assert!(html.contains("Nothing recorded"));
        assert!(!html.contains("<svg"));
    }
}
