//! The workspace's own `uniffi-bindgen`, pinned to the uniffi version the library is built
//! with (the generator and the scaffolding must agree). `scripts/bindings.sh` runs it.

fn main() {
    uniffi::uniffi_bindgen_main()
}
