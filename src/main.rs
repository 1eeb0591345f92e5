//! jailvol command-line entry point: everything lives in the library; this only runs the
//! CLI and turns its result into an exit status.

// See Cargo.toml: glibc's malloc costs check a tenth of its time on large configurations.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(jailvol::cli::main());
}
