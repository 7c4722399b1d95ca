//! Puts a device's clock off by a set amount. The core reads the operating system's clock and
//! adds the offset it learnt from the server's last answer (`sync_state.clock_offset_ms`);
//! writing that offset is exactly the state of a phone whose clock moved by that much since it
//! last heard from the server — the case the protocol's clock rules are for (any answer
//! corrects it again).

use beatbook_core::StoreKey;
use rusqlite::OpenFlags;
use std::path::Path;

/// Three days, in milliseconds.
pub const THREE_DAYS_MS: i64 = 3 * 24 * 60 * 60 * 1000;

/// Makes the device's clock read `ahead_ms` (negative: behind) away from the server's.
pub fn set_clock_off(store_path: &Path, key: &StoreKey, ahead_ms: i64) {
    let conn =
        crate::keyed::open_keyed(store_path, &key.to_hex(), OpenFlags::SQLITE_OPEN_READ_WRITE);
    conn.execute(
        "UPDATE sync_state SET clock_offset_ms = ?1 WHERE id = 1",
        [ahead_ms],
    )
    .expect("set the clock offset");
}
