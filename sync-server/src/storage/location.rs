//! Where the server's records live, as the operator names it (`--database` /
//! `BEATBOOK_DATABASE`): a directory or `sqlite:PATH` for the embedded SQLite store,
//! `postgres://…` (or `postgresql://…`) for PostgreSQL. [`StorageLocation::open`] is the one
//! place a concrete backend is chosen; everything else holds an `Arc<dyn SyncStorage>`.

use super::postgres::PoolOptions;
use super::sqlite::key::StoreKeyError;
use super::sqlite::ReaderLimits;
use super::{PostgresStorage, SqliteStorage, StorageResult, SyncStorage};
use beatbook_core::StoreKey;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// A parsed `--database` value.
#[derive(Clone, PartialEq, Eq)]
pub enum StorageLocation {
    /// The embedded store's data directory (`beatbook-server.db` inside it).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:5432/dbname?…`).
    Postgres(String),
}

/// Why a `--database` value was not understood.
#[derive(Debug, thiserror::Error)]
#[error("--database: {0}")]
pub struct LocationError(String);

impl LocationError {
    /// Neither `--database` nor `--data` was given.
    pub fn missing() -> Self {
        Self(
            "no store named; give --database DIR|sqlite:PATH|postgres://… (or BEATBOOK_DATABASE)"
                .into(),
        )
    }
}

impl FromStr for StorageLocation {
    type Err = LocationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(LocationError(
                "empty; give a directory, sqlite:PATH or postgres://…".into(),
            ));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        if let Some(path) = s.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(LocationError("sqlite: needs a directory".into()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(LocationError(format!(
                "unknown scheme {scheme:?}; use a directory, sqlite:PATH or postgres://…"
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(s)))
    }
}

/// How many connections a store may hold and how long a call waits for one (then it is
/// answered busy: `503` with `Retry-After`), and the embedded store's key. Each backend reads
/// its own part.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// The embedded store's SQLCipher key (`sqlite::key`); opening the embedded store without
    /// one is refused. PostgreSQL ignores it.
    pub sqlite_key: Option<StoreKey>,
    /// The embedded store's pool of reader connections.
    pub sqlite_readers: ReaderLimits,
    /// PostgreSQL's pool.
    pub postgres: PoolOptions,
}

impl StoreOptions {
    /// `readers` SQLite readers, and `wait` as both backends' wait for a connection.
    pub fn with(readers: usize, wait: std::time::Duration) -> Self {
        let defaults = Self::default();
        Self {
            sqlite_key: None,
            sqlite_readers: ReaderLimits {
                size: readers,
                wait,
            },
            postgres: PoolOptions {
                checkout_timeout: wait,
                ..defaults.postgres
            },
        }
    }
}

impl StorageLocation {
    /// Opens the store (creating and migrating it as needed) with `options`.
    pub fn open_with(&self, options: &StoreOptions) -> StorageResult<Arc<dyn SyncStorage>> {
        Ok(match self {
            Self::Sqlite(dir) => {
                let key = options.sqlite_key.as_ref().ok_or(StoreKeyError::Missing)?;
                Arc::new(SqliteStorage::open_with(dir, key, options.sqlite_readers)?)
            }
            Self::Postgres(url) => Arc::new(PostgresStorage::open_with(url, &options.postgres)?),
        })
    }
}

/// Shown in logs and messages without a password.
impl fmt::Display for StorageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(dir) => write!(f, "sqlite:{}", dir.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for StorageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorageLocation({self})")
    }
}

/// `postgres://user:secret@host/db?password=x` → `postgres://user:***@host/db?password=***`.
fn redact_password(url: &str) -> String {
    let url = redact_userinfo(url);
    match url.split_once('?') {
        Some((base, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", query.join("&"))
        }
        None => url,
    }
}

fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> StorageLocation {
        s.parse().expect("parses")
    }

    #[test]
    fn a_directory_or_sqlite_url_is_the_embedded_store_and_postgres_is_postgres() {
        assert_eq!(
            parse("/var/lib/beatbook-server"),
            StorageLocation::Sqlite("/var/lib/beatbook-server".into())
        );
        assert_eq!(
            parse("sqlite:/var/lib/b"),
            StorageLocation::Sqlite("/var/lib/b".into())
        );
        assert_eq!(
            parse("sqlite:///var/lib/b"),
            StorageLocation::Sqlite("/var/lib/b".into())
        );
        assert_eq!(
            parse("postgres://beatbook@db:5432/force"),
            StorageLocation::Postgres("postgres://beatbook@db:5432/force".into())
        );
        assert!(matches!(
            parse("postgresql://db/force"),
            StorageLocation::Postgres(_)
        ));
        assert!("mysql://db/force".parse::<StorageLocation>().is_err());
        assert!("".parse::<StorageLocation>().is_err());
        assert!("sqlite:".parse::<StorageLocation>().is_err());
    }

    #[test]
    fn a_password_is_never_shown() {
        let shown = parse("postgres://beatbook:hunter2@db:5432/force?sslmode=require").to_string();
        assert_eq!(
            shown,
            "postgres://beatbook:***@db:5432/force?sslmode=require"
        );
        assert_eq!(
            parse("postgres://beatbook@db/force").to_string(),
            "postgres://beatbook@db/force"
        );
        assert_eq!(
            parse("postgres://db/force?user=b&password=hunter2").to_string(),
            "postgres://db/force?user=b&password=***"
        );
    }
}
