//! `beatbook search`: offline full-text search over notes, contacts' non-personal text,
//! problems and patrols, best match first, with the matched words in [brackets].

use crate::error::Result;
use crate::output::{self, Table};
use crate::session::Session;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The words to find (all must match; the last may be the start of a word).
    pub words: String,
    /// The most results to show.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=200))]
    pub limit: u16,
}

pub fn run(args: Args, s: &Session, json: bool, out: &mut dyn Write) -> Result<()> {
    let hits = s.store.search(&args.words, usize::from(args.limit))?;
    if json {
        return output::json(out, &hits);
    }
    let mut table = Table::new(&["KIND", "REF", "TITLE", "SNIPPET"]);
    for h in &hits {
        table.row(vec![
            h.kind.to_string(),
            output::reference_text(&h.record_id),
            h.title.clone(),
            h.snippet.clone(),
        ]);
    }
    table.write(out, "nothing found")
}
