//! Reads a SQLCipher store the way a thief with its key would: the database file and its
//! write-ahead log byte for byte — every page, free or live, and every WAL frame, current or
//! left over from an earlier round of the log — decrypted with the store's own key, so a test
//! can say a value survives *nowhere* in the files (issue 12, item 5), not merely that no query
//! returns it.
//!
//! The format (SQLCipher 4's, as both the device and the server stores use it): pages of 4,096
//! bytes, each ending in reserved bytes — a 16-byte IV, then the page's HMAC: 32 bytes of
//! HMAC-SHA256 in a store made by this build (`store_key::PAGE_MAC`), 64 of HMAC-SHA512 in one
//! made before — and encrypted with AES-256-CBC (no padding) under the IV of its own page. Which
//! of the two a file uses is found from page 1, which decrypts to SQLite's header only with the
//! right one. Page 1 starts with
//! the 16-byte KDF salt in place of SQLite's "SQLite format 3" header; its encrypted part starts
//! after it. A raw `x'…'` key, the form both stores use, *is* the AES key: SQLCipher runs no
//! PBKDF2 for it (the salt only derives the HMAC key, which this reader does not need). The WAL
//! has a plain 32-byte header (page size at offset 8), then frames of a 24-byte plain header
//! (page number first) and one page encrypted exactly as in the database file.
//!
//! A broken decryptor would find nothing and make every "no hit" pass, so [`decrypt_store`]
//! checks what it decrypted: page 1 must show SQLite's header fields (page size, reserved bytes,
//! the fixed payload fractions 64/32/32) and the WAL's page size must match; it panics
//! otherwise. Callers also scan before erasing, as a control that the values are found.
//!
//! The server packs each record's values (deflated after a fixed dictionary, server schema 10),
//! so a value can be in a page without its bytes being there: the scan inflates every place a
//! packed row could start and searches what comes out as well.

use beatbook_server::storage::packed_values::{inflate_prefix, DICTIONARY_V1};
use openssl::symm::{Cipher, Crypter, Mode};
use std::path::{Path, PathBuf};

/// SQLCipher 4's default page size.
pub const PAGE_SIZE: usize = 4096;
/// Reserved bytes at the end of each page: IV (16) + HMAC-SHA256 (32) or HMAC-SHA512 (64).
const RESERVED_CHOICES: [usize; 2] = [48, 80];
const IV_LEN: usize = 16;
/// Page 1's salt, where a plain file has SQLite's header string.
const SALT_LEN: usize = 16;
const WAL_HEADER: usize = 32;
const WAL_FRAME_HEADER: usize = 24;

/// A store's decrypted contents.
#[derive(Debug)]
pub struct DecryptedStore {
    /// Every page of the database file, in file order (page 1 first).
    pub pages: Vec<Vec<u8>>,
    /// Every whole frame in the WAL file (none if there is no WAL), in file order.
    pub wal_frames: Vec<Vec<u8>>,
}

impl DecryptedStore {
    /// Where `needle` occurs, ignoring ASCII case: `"page N"` or `"WAL frame N (page P)"`.
    pub fn find(&self, needle: &str) -> Vec<String> {
        let needle = needle.to_ascii_lowercase().into_bytes();
        let mut hits = Vec::new();
        for (i, page) in self.pages.iter().enumerate() {
            if contains(page, &needle) {
                hits.push(format!("page {}", i + 1));
            }
        }
        for (i, frame) in self.wal_frames.iter().enumerate() {
            if contains(&frame[WAL_FRAME_HEADER..], &needle) {
                let page = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
                hits.push(format!("WAL frame {i} (page {page})"));
            }
        }
        hits
    }
}

/// Whether the needle is in the bytes as they are, or in a record's values the server packed
/// (`beatbook_server::storage::packed_values`): a packed row is its form byte and a deflate
/// stream, so every place that byte occurs is inflated as far as it goes and searched too.
fn contains(haystack: &[u8], lowercase_needle: &[u8]) -> bool {
    contains_plain(haystack, lowercase_needle)
        || haystack
            .iter()
            .enumerate()
            .filter(|(_, &byte)| byte == DICTIONARY_V1)
            .any(|(at, _)| {
                let inflated = inflate_prefix(&haystack[at + 1..], PAGE_SIZE * 16);
                contains_plain(&inflated, lowercase_needle)
            })
}

fn contains_plain(haystack: &[u8], lowercase_needle: &[u8]) -> bool {
    haystack
        .windows(lowercase_needle.len())
        .any(|w| w.eq_ignore_ascii_case(lowercase_needle))
}

/// Decrypts the database file at `db` and its `-wal` with the raw 32-byte key given as 64 hex
/// characters. Panics if the file does not decrypt to a SQLite database (wrong key, wrong
/// format): the scan must not pass on garbage.
pub fn decrypt_store(db: &Path, key_hex: &str) -> DecryptedStore {
    let key = key_bytes(key_hex);
    let file = std::fs::read(db).unwrap_or_else(|e| panic!("read {}: {e}", db.display()));
    assert!(
        !file.is_empty() && file.len() % PAGE_SIZE == 0,
        "{}: {} bytes is not a whole number of {PAGE_SIZE}-byte pages",
        db.display(),
        file.len()
    );
    let reserved = reserved_of(&key, &file[..PAGE_SIZE], db);
    let pages: Vec<Vec<u8>> = file
        .chunks(PAGE_SIZE)
        .enumerate()
        .map(|(i, page)| decrypt_page(&key, page, i == 0, reserved))
        .collect();
    assert_sqlite_header(&pages[0], db, reserved);

    let wal_path = wal_path(db);
    let wal = std::fs::read(&wal_path).unwrap_or_default();
    let mut wal_frames = Vec::new();
    if wal.len() >= WAL_HEADER {
        let page_size = u32::from_be_bytes([wal[8], wal[9], wal[10], wal[11]]) as usize;
        assert_eq!(
            page_size,
            PAGE_SIZE,
            "{}: the WAL's page size",
            wal_path.display()
        );
        for frame in wal[WAL_HEADER..].chunks_exact(WAL_FRAME_HEADER + PAGE_SIZE) {
            let page_number = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
            let mut plain = frame[..WAL_FRAME_HEADER].to_vec();
            let page = decrypt_page(&key, &frame[WAL_FRAME_HEADER..], page_number == 1, reserved);
            if page_number == 1 {
                assert_sqlite_header(&page, &wal_path, reserved);
            }
            plain.extend_from_slice(&page);
            wal_frames.push(plain);
        }
    }
    DecryptedStore { pages, wal_frames }
}

/// What page `page` of the store at `db` holds now, for a failure message: the table or index
/// it belongs to (SQLite's dbstat), or "a free page" when none claims it.
pub fn page_owner(db: &Path, key_hex: &str, page: u32) -> String {
    let conn = crate::keyed::open_keyed(db, key_hex, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY);
    conn.query_row("SELECT name FROM dbstat WHERE pageno = ?1", [page], |r| {
        r.get::<_, String>(0)
    })
    .unwrap_or_else(|_| "a free page".to_owned())
}

/// How many reserved bytes end each page of the file whose page 1 is `first_page`: the choice
/// under which page 1 decrypts to SQLite's header. Panics when none does (wrong key, format).
fn reserved_of(key: &[u8; 32], first_page: &[u8], file: &Path) -> usize {
    RESERVED_CHOICES
        .into_iter()
        .find(|&reserved| {
            is_sqlite_header(&decrypt_page(key, first_page, true, reserved), reserved)
        })
        .unwrap_or_else(|| {
            panic!(
                "{}: page 1 does not decrypt to a SQLite header (wrong key or format)",
                file.display()
            )
        })
}

/// One page decrypted; page 1 comes back with SQLite's header string where its salt was.
fn decrypt_page(key: &[u8; 32], page: &[u8], first: bool, reserved: usize) -> Vec<u8> {
    let end = PAGE_SIZE - reserved;
    let iv = &page[end..end + IV_LEN];
    let start = if first { SALT_LEN } else { 0 };
    let mut crypter =
        Crypter::new(Cipher::aes_256_cbc(), Mode::Decrypt, key, Some(iv)).expect("AES-256-CBC");
    crypter.pad(false);
    let mut out = vec![0u8; end - start + IV_LEN];
    let mut n = crypter
        .update(&page[start..end], &mut out)
        .expect("decrypt a page");
    n += crypter.finalize(&mut out[n..]).expect("finish a page");
    out.truncate(n);
    if first {
        let mut whole = b"SQLite format 3\0".to_vec();
        whole.extend_from_slice(&out);
        whole
    } else {
        out
    }
}

/// Page 1 decrypted right shows SQLite's header fields; garbage would not.
fn assert_sqlite_header(page: &[u8], file: &Path, reserved: usize) {
    assert!(
        is_sqlite_header(page, reserved),
        "{}: page 1 does not decrypt to a SQLite header (wrong key or format)",
        file.display()
    );
}

/// Whether `page` shows SQLite's header fields: the page size, the fixed payload fractions
/// 64/32/32, and room reserved at each page's end for at least the IV and HMAC found there
/// (SQLCipher sets the B-tree's reserve when the key is given, before the page MAC is chosen,
/// so a store made with HMAC-SHA256 still reserves the 80 bytes SHA-512 would need).
fn is_sqlite_header(page: &[u8], reserved: usize) -> bool {
    let page_size = u16::from_be_bytes([page[16], page[17]]) as usize;
    let header_reserve = page[20] as usize;
    page_size == PAGE_SIZE
        && RESERVED_CHOICES.contains(&header_reserve)
        && header_reserve >= reserved
        && page[21..24] == [64u8, 32, 32]
}

fn key_bytes(hex: &str) -> [u8; 32] {
    assert_eq!(hex.len(), 64, "a raw key is 64 hex characters");
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).expect("hex");
    }
    key
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decryptor against SQLCipher itself: a keyed file written through SQLCipher decrypts
    /// to its header and its values, in the file and in the WAL; the wrong key is caught.
    #[test]
    fn a_sqlcipher_file_and_its_wal_decrypt_to_their_values() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("s.db");
        let key = "ab".repeat(32);
        let conn = crate::keyed::open_keyed(&db, &key, crate::keyed::read_write());
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('Marigold Quince');")
            .expect("write");
        let raw = std::fs::read(&db).expect("raw");
        assert!(!contains(&raw, b"marigold"), "not in clear");
        let store = decrypt_store(&db, &key);
        assert!(!store.wal_frames.is_empty(), "the write is in the WAL");
        let hits = store.find("MARIGOLD quince");
        assert!(hits.iter().any(|h| h.starts_with("WAL")), "{hits:?}");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        let store = decrypt_store(&db, &key);
        assert!(store.wal_frames.is_empty());
        assert!(
            store.find("marigold").iter().any(|h| h.starts_with("page")),
            "in a page after the checkpoint"
        );
        let wrong = std::panic::catch_unwind(|| decrypt_store(&db, &"cd".repeat(32)));
        assert!(wrong.is_err(), "the wrong key cannot pass as a clean scan");
    }

    /// A store made before HMAC-SHA256 (64 bytes of HMAC-SHA512 reserved on each page)
    /// decrypts too.
    #[test]
    fn a_file_with_the_earlier_page_mac_decrypts_to_its_values() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("earlier.db");
        let key = "ab".repeat(32);
        beatbook_core::store_key::open_with_page_mac(
            &db,
            &beatbook_core::StoreKey::from_hex(&key).expect("key"),
            crate::keyed::read_write(),
            beatbook_core::store_key::EARLIER_PAGE_MAC,
        )
        .expect("create")
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('Marigold Quince');")
        .expect("write");
        let store = decrypt_store(&db, &key);
        assert!(store.find("marigold").iter().any(|h| h.starts_with("page")));
    }

    /// A value the server packed is found in the page it sits in, whole or cut short by the
    /// page's end, and not where it is absent.
    #[test]
    fn a_packed_value_is_found_whole_or_cut_short_and_only_where_it_is() {
        let packed = beatbook_server::storage::packed_values::pack(
            r#"{"details":{"name":"Marigold Quince","phone":"07700 900123"},"ethnicity":null}"#,
        )
        .expect("pack");
        assert!(!contains_plain(&packed, b"marigold"), "packed, not plain");
        let mut page = vec![0x01, 0x07, 0x00, 0x01];
        page.extend_from_slice(&packed);
        page.extend_from_slice(&[0x01; 40]);
        assert!(contains(&page, b"marigold quince"));
        let cut = &page[..page.len() - 40 - packed.len() / 4];
        assert!(
            contains(cut, b"marigold"),
            "the start of a cut row still inflates"
        );
        assert!(!contains(&page, b"ottoline"));
    }
}
