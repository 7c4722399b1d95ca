//! End-to-end tests for Beatbook live in `tests/`; the driver programs they run (devices that
//! can be killed mid-write) live in `src/bin/`.
