//! Opens an encrypted in-memory database and answers SQLite's version number: enough for the
//! linker to keep SQLite, SQLCipher and its OpenSSL crypto, and nothing else.

/// SQLite's version number, or -1 if the keyed database could not be opened.
#[no_mangle]
pub extern "C" fn baseline_sqlcipher_version() -> i32 {
    let open = || -> rusqlite::Result<i32> {
        let conn = rusqlite::Connection::open_in_memory()?;
        conn.pragma_update(
            None,
            "key",
            "x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'",
        )?;
        conn.query_row("SELECT sqlite_version()", [], |r| r.get::<_, String>(0))?;
        Ok(rusqlite::version_number())
    };
    open().unwrap_or(-1)
}
