//! The `benchgate` binary: [`benchgate::app::run`] on the process's arguments.

use std::process::ExitCode;

/// With BERTScore built in, mimalloc: every forward pass allocates attention
/// matrices of tens of MB, which glibc's allocator hands back to the kernel
/// and maps afresh (page faults, system time); mimalloc keeps them.
#[cfg(feature = "bertscore")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(benchgate::app::run(std::env::args_os()))
}
