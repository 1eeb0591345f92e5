//! jailvol command-line entry point: everything lives in the library; this only runs the
//! CLI and turns its result into an exit status.

fn main() {
    std::process::exit(jailvol::cli::main());
}
