//! The server binary's memory allocator: jemalloc, with its background thread returning freed
//! memory to the operating system.
//!
//! Why (measured in `docs/performance.md`, "Server memory under 400 concurrent pulls"): with
//! glibc's malloc a burst of 400 concurrent pulls left the process holding about 190 MiB 30 s
//! later (20 MiB before it): freed memory stayed in glibc's arenas. jemalloc's background
//! thread purges unused dirty pages after `dirty_decay_ms` (1 s here) and drops them at once
//! rather than keeping them as "muzzy" pages (`muzzy_decay_ms: 0`), so resident memory falls
//! back within seconds of a burst, with no timer or `malloc_trim` call of ours.
//!
//! The options are compiled into jemalloc (`JEMALLOC_SYS_WITH_MALLOC_CONF` in
//! `.cargo/config.toml`), so no unsafe symbol export is needed; `_RJEM_MALLOC_CONF` in the
//! environment overrides them at run time. Only the binary uses jemalloc (`main.rs` declares
//! this module): the library and its tests keep the system allocator.

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
