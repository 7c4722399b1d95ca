//! `beatbook keygen`: make a store key file. The host app's job, since the core never makes
//! keys; see `key.rs` for why the key lives in a file.

use crate::args::Global;
use crate::error::Result;
use crate::{key, output};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the key. Must not exist yet: keygen never overwrites a key.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: Args, global: &Global, out: &mut dyn Write) -> Result<()> {
    key::generate(&args.out)?;
    if global.json {
        return output::json(out, &serde_json::json!({ "key_file": args.out }));
    }
    writeln!(
        out,
        "Wrote a new store key to {} (readable by you only).",
        args.out.display()
    )?;
    writeln!(
        out,
        "Keep it safe and private: without it the store cannot be opened."
    )?;
    writeln!(out, "Next:")?;
    writeln!(out, "  export BEATBOOK_KEY_FILE={}", args.out.display())?;
    writeln!(
        out,
        "  beatbook init --name \"Your Name\" --role pcso --team \"Your Team\""
    )?;
    Ok(())
}
