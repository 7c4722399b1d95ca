//! `beatbook areas`: the LSOA boundaries that places are tagged with, offline.

use crate::args::Global;
use crate::error::{CliError, Result};
use crate::output::{self, Table};
use crate::{session, vocab};
use beatbook_core::model::GeoPoint;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Load (replace) the area boundaries from a GeoJSON file of LSOAs.
    Load {
        /// A GeoJSON FeatureCollection with lsoa_code, lsoa_name, lap_code and lap_name on each
        /// feature, in WGS84.
        #[arg(value_name = "FILE.geojson")]
        file: PathBuf,
    },
    /// List the loaded LSOAs.
    List,
    /// Which LSOA and LAP a point is in.
    Tag {
        /// Latitude (WGS84 decimal degrees).
        #[arg(long, allow_negative_numbers = true, value_parser = vocab::latitude)]
        lat: f64,
        /// Longitude (WGS84 decimal degrees; west is negative).
        #[arg(long, allow_negative_numbers = true, value_parser = vocab::longitude)]
        lon: f64,
    },
}

pub fn run(cmd: Command, global: &Global, out: &mut dyn Write) -> Result<()> {
    let store = session::open_existing(global)?;
    let json = global.json;
    match cmd {
        Command::Load { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::file(&file, "read the area boundaries", &e))?;
            let count = store.load_area_boundaries(&text)?;
            if json {
                return output::json(out, &serde_json::json!({ "lsoas_loaded": count }));
            }
            writeln!(
                out,
                "Loaded {} from {}.",
                output::count(count, "LSOA", "LSOAs"),
                file.display()
            )?;
            Ok(())
        }
        Command::List => {
            let lsoas = store.lsoas()?;
            if json {
                return output::json(out, &lsoas);
            }
            let mut table = Table::new(&["LSOA", "NAME", "LAP", "NEIGHBOURHOOD"]);
            for l in lsoas {
                table.row(vec![
                    l.code.to_string(),
                    l.name,
                    l.lap_code,
                    l.neighbourhood.unwrap_or_default(),
                ]);
            }
            table.write(out, "no areas loaded; see `beatbook areas load --help`")
        }
        Command::Tag { lat, lon } => {
            let tag = store.tag_point(GeoPoint::new(lat, lon))?;
            if json {
                return output::json(out, &tag);
            }
            match tag {
                Some(tag) => {
                    let name = store
                        .lsoas()?
                        .into_iter()
                        .find(|l| l.code == tag.lsoa_code)
                        .map(|l| format!(" ({})", l.name))
                        .unwrap_or_default();
                    writeln!(out, "LSOA {}{name}, LAP {}", tag.lsoa_code, tag.lap_code)?;
                }
                None => writeln!(out, "That point is outside every loaded area.")?,
            }
            Ok(())
        }
    }
}
