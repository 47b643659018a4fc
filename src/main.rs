//! The `crossbound` binary: the desktop app without arguments, the CLI with a subcommand.

mod bench;
mod cli;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc malloc: the load and analysis stages make millions of small
/// allocations (rings, ids, per-zone vectors). With mimalloc (arenas committed as used, below)
/// the 1.2M-zone benchmark took 8-10% less time and 10% less peak memory than with glibc's
/// malloc, alternating runs (BENCHMARKS.md, "Speed at scale"). The library sets no allocator:
/// that is its users' choice.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Installed as the library's [`crossbound::stage_end`] hook: every thread of rayon's pool,
/// and this one, collects its mimalloc heap, so the pages freed by a stage's transients go
/// back to the OS before the next stage allocates. A page mimalloc gives a thread keeps the
/// blocks other threads free in it until that thread collects, which an idle worker does not.
/// On the 299k-hexagon benchmark the memory held after the load went from ~190 to ~150 MB,
/// and after the admin outlines are released from ~227 to ~165 MB. Forced (freed pages given
/// back at once, not after the purge delay): in alternating runs the peak was 211-227 MiB
/// forced and 213-243 MiB not, for the same time.
///
/// Called from outside the pool (the library's stages are), it waits until every worker has
/// collected. Called from one of the pool's workers, it must not wait on the pool, which may
/// be waiting on it: the workers then collect when they next look for work.
fn collect_heaps() {
    fn collect(_: rayon::BroadcastContext<'_>) {
        // SAFETY: `mi_collect` only frees mimalloc's own unused memory; callable from any thread.
        unsafe { libmimalloc_sys::mi_collect(true) }
    }
    if rayon::current_thread_index().is_some() {
        rayon::spawn_broadcast(collect);
    } else {
        rayon::broadcast(collect);
    }
    // SAFETY: as above.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

fn main() -> ExitCode {
    crossbound::stage_end::set_hook(collect_heaps);
    let args = cli::Cli::parse();
    if args.command.as_ref().is_some_and(|c| !matches!(c, cli::Command::App(_))) {
        // Ctrl-C: remove the temporary files of outputs being written, so an interrupted run
        // leaves neither a partial output nor a temporary file (outputs are renamed in place
        // only once complete).
        let _ = ctrlc::set_handler(|| {
            crossbound::io::atomic::remove_pending();
            eprintln!("crossbound: interrupted: no output was left half-written");
            std::process::exit(130);
        });
    }
    let result = match &args.command {
        Some(cli::Command::Analyze(a)) => cli::analyze(a),
        Some(cli::Command::Jurisdiction(a)) => cli::jurisdiction(a),
        Some(cli::Command::Brief(a)) => cli::brief(a),
        Some(cli::Command::Bench(a)) => bench::run(a),
        Some(cli::Command::App(a)) => {
            a.initial_project().and_then(|p| a.initial_scenario().and_then(|s| open_app(p, s, a.equal_earth)))
        }
        Some(cli::Command::ExportJob(a)) => cli::export_job(a),
        Some(cli::Command::Compare(a)) => cli::compare(a),
        Some(cli::Command::Suggest(a)) => cli::suggest(a),
        None => open_app(None, None, false),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the cause chain, outermost first.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("crossbound: error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "app")]
fn open_app(
    project: Option<crossbound::project::Project>,
    scenario: Option<crossbound::scenario::Scenario>,
    equal_earth: bool,
) -> anyhow::Result<()> {
    crossbound::app::run(project, scenario, equal_earth)
}

#[cfg(not(feature = "app"))]
fn open_app(
    _project: Option<crossbound::project::Project>,
    _scenario: Option<crossbound::scenario::Scenario>,
    _equal_earth: bool,
) -> anyhow::Result<()> {
    use clap::CommandFactory;
    cli::Cli::command().print_help()?;
    eprintln!("\n(built without the desktop app: rebuild with the default `app` feature to open it)");
    Ok(())
}

/// Arenas committed as they are used, not whole. With eager commit, mimalloc's default where
/// the OS overcommits (Linux), and transparent huge pages, the US demo peaked at 75-80 MB
/// instead of 39 (glibc) and the world pair at 211-218 MB instead of 139, for no speed; without
/// it, 40 and 151 MB. mimalloc reads its options and reserves its first arena in its own
/// constructor, before `main`, so the option is set from an earlier one: `.init_array.NNNNN`
/// entries run before the unnumbered `.init_array` of C constructors.
///
/// Freed pages are given back to the OS after 100 ms instead of mimalloc v3's 1,000 ms. Each
/// stage frees much of what the one before it built (the load's text and feature tables, the
/// overlay's pair list, the raw piece tables), and with a one-second delay the next stage's
/// fresh pages came on top of them: on the 1.2M-zone benchmark the peak was 1,022–1,040 MiB
/// with the default and 992–998 MiB with 100 ms (alternating runs; 983–984 MiB with immediate
/// purging, which made the run 23–65% slower). BENCHMARKS.md, eleventh session.
#[cfg(target_os = "linux")]
mod allocator_options {
    /// `mi_option_arena_eager_commit`: position 4 in mimalloc v3's `mi_option_e` (the sys
    /// crate names no constant for it; both crates are pinned in Cargo.toml for this).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    /// `mi_option_purge_delay` (ms): position 15 in the same list, likewise unnamed there.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    /// The delay set, ms (mimalloc v3's default: 1,000).
    const PURGE_DELAY_MS: std::ffi::c_long = 100;

    extern "C" fn set() {
        // SAFETY: writes entries of mimalloc's option table and reads the environment with
        // libc's `getenv`; allocates nothing. An option set here is no longer read from the
        // environment by mimalloc, so a MIMALLOC_PURGE_DELAY the user gives is left to it.
        unsafe {
            libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
            if libc::getenv(c"MIMALLOC_PURGE_DELAY".as_ptr()).is_null() {
                libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
            }
        }
    }

    #[used]
    #[unsafe(link_section = ".init_array.00100")]
    static SET: extern "C" fn() = set;
}
