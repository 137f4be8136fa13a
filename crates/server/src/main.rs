//! `embeddb`: a PostgreSQL-compatible SQL server. This file only wires the command line,
//! logging and the runtime together; `server.rs` is the server's life cycle.

mod cancel;
mod cli;
mod codec;
mod connection;
mod copy;
mod encode;
mod extended;
mod implicit;
mod results;
mod server;
mod shutdown;
mod simple;
mod startup;
mod worker;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: a server holds millions of small, long-lived
/// allocations (memtable entries, buffered rows) beside short-lived ones per statement, and
/// glibc's malloc spent a third of a bulk INSERT's time walking its fragmented free lists.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long mimalloc keeps freed memory before returning it to the OS. Its default (10 ms)
/// hands memory back between one batch of rows and the next, and the kernel then zeroes every
/// page again when it is reused: a third of a 1M-row COPY went to that. One second was still
/// shorter than a memtable's life and than the gaps between a thread's statements: a 1M-row
/// INSERT load faulted in 60k pages, not 35k, and took 10% longer. Ten seconds (jemalloc's
/// default decay, which RocksDB servers run with) keeps the memory of a running load while
/// still returning what an idle server freed.
const ALLOCATOR_PURGE_DELAY_MS: std::ffi::c_long = 10_000;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e`, which libmimalloc-sys does not name:
/// the value just before `mi_option_use_numa_nodes` (16).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const _: () = assert!(
    libmimalloc_sys::mi_option_use_numa_nodes - 1 == MI_OPTION_PURGE_DELAY,
    "mimalloc's option numbering changed: look up mi_option_purge_delay again"
);

fn configure_allocator() {
    // SAFETY: `mi_option_set` stores a value in mimalloc's option table and has no other
    // preconditions; it runs first thing in `main`, before any thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ALLOCATOR_PURGE_DELAY_MS);
    }
    disable_transparent_huge_pages();
}

/// mimalloc asks for transparent huge pages, and every first touch of one makes the kernel zero
/// 2 MiB: a sixth of a 1M-row INSERT load went to that, for memory that a statement uses
/// briefly. Ordinary pages measured 15% faster on that load. (PostgreSQL, Redis and MongoDB
/// also advise against THP.) Failure only leaves the default, so the result is not checked.
#[cfg(target_os = "linux")]
fn disable_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE sets a flag on this process's memory map; it takes no
    // pointers and has no other effect.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn disable_transparent_huge_pages() {}

/// Stack for runtime and statement threads: binding and executing deeply nested expressions
/// recurses, and a stack overflow would abort the whole server.
const THREAD_STACK_BYTES: usize = 16 << 20;

fn main() -> ExitCode {
    configure_allocator();
    let command = match cli::parse(std::env::args_os().skip(1), |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("embeddb: {message}");
            return ExitCode::from(2);
        }
    };
    let options = match command {
        cli::Command::Help => {
            print!("{}", cli::usage());
            return ExitCode::SUCCESS;
        }
        cli::Command::Version => {
            println!("embeddb {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        cli::Command::Serve(options) => options,
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("embeddb: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(server::run(options));
    // A statement thread stuck past the shutdown grace period must not keep the process up.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("embeddb: {message}");
            ExitCode::FAILURE
        }
    }
}
