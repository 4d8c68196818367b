//! The `drplan` binary: all behaviour lives in the library (`drplan::cli`).

fn main() {
    std::process::exit(drplan::cli::main());
}
