//! Will a layer fit in memory? A check before loading, so that a file far too big for the
//! machine gets a one-line error naming it instead of an allocation failure that aborts the
//! process (Rust's allocator aborts on failure; stable Rust has no hook to turn that into an
//! error).
//!
//! The estimate is the file size times the peak-memory factor measured for its format by
//! `scripts/hostile.sh` and `bench/formats.sh` (BENCHMARKS.md). GeoJSON, measured again in the
//! twelfth session (its pages are now dropped as they are read): a 1.07 GB hexagon grid peaked
//! at 2.07 GB (1.9×), the 306 MB one at 0.64-0.70 GB (2.2×), 2M tiny triangles (367 MB, the
//! densest shape in features per byte) at 0.98 GB (2.7×), the world provinces at 1.4×; 3× holds
//! them all (it was 9×, from the same 1.07 GB file's 9.6 GB before the load's memory work).
//! Binary formats at 5-7× their size. It is compared with what the machine can
//! still give: `MemAvailable` plus free swap (`/proc/meminfo`), capped by the cgroup's limit
//! when there is one. Files under 64 MB are never refused. `CROSSBOUND_SKIP_MEMORY_CHECK=1`
//! skips the check (the load may then abort if memory runs out).

use super::{Format, LoadError};

/// Peak memory while loading, as a multiple of the file size (measured; see the module docs).
pub fn peak_factor(format: Format) -> u64 {
    match format {
        Format::GeoJson => 3,
        Format::Shapefile | Format::GeoPackage | Format::FlatGeobuf | Format::GeoParquet => 6,
    }
}

/// Files smaller than this are never refused.
const ALWAYS_TRY: u64 = 64 << 20;

/// Bytes this process can still allocate, if the platform says.
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| {
        meminfo
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    let mut avail = field("MemAvailable:")? + field("SwapFree:").unwrap_or(0);
    if let Some((limit, used)) = cgroup_limit() {
        avail = avail.min(limit.saturating_sub(used));
    }
    Some(avail)
}

/// The memory limit of this process's control group and what the group uses, bytes, when
/// there is a limit: cgroup v2 (`memory.max`), else v1 (`memory.limit_in_bytes`), in the
/// group named by `/proc/self/cgroup`, else at the mount's root (a cgroup namespace).
fn cgroup_limit() -> Option<(u64, u64)> {
    let num = |p: std::path::PathBuf| std::fs::read_to_string(p).ok()?.trim().parse::<u64>().ok();
    let groups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let path_of = |want: &dyn Fn(&str) -> bool| {
        groups.lines().find_map(|l| {
            let mut it = l.splitn(3, ':');
            let (_, ctrl, path) = (it.next()?, it.next()?, it.next()?);
            want(ctrl).then(|| path.trim_start_matches('/').to_string())
        })
    };
    let v2 = path_of(&|c| c.is_empty()).unwrap_or_default();
    let v1 = path_of(&|c| c.split(',').any(|x| x == "memory")).unwrap_or_default();
    let candidates = [
        ("/sys/fs/cgroup", v2.as_str(), "memory.max", "memory.current"),
        ("/sys/fs/cgroup", "", "memory.max", "memory.current"),
        ("/sys/fs/cgroup/memory", v1.as_str(), "memory.limit_in_bytes", "memory.usage_in_bytes"),
        ("/sys/fs/cgroup/memory", "", "memory.limit_in_bytes", "memory.usage_in_bytes"),
    ];
    candidates.iter().find_map(|(root, group, max, cur)| {
        let dir = std::path::Path::new(root).join(group);
        let limit = num(dir.join(max))?; // "max" (no limit, v2) does not parse
        (limit < 1 << 60).then_some((limit, num(dir.join(cur)).unwrap_or(0)))
    })
}

/// `Err` when a `size`-byte file of `format` is expected to need more than `available` bytes.
pub fn check(path: &str, format: Format, size: u64, available: Option<u64>) -> Result<(), LoadError> {
    let Some(available) = available else { return Ok(()) };
    let need = size.saturating_mul(peak_factor(format));
    if size < ALWAYS_TRY || need <= available {
        return Ok(());
    }
    let gb = |b: u64| b as f64 / (1u64 << 30) as f64;
    Err(LoadError::format(
        path,
        format!(
            "too big for this machine's memory: loading a {:.1} GB {} file takes about {:.1} GB ({}× its size), and {:.1} GB is free; \
             use a machine with more memory, a simplified or clipped layer, or `crossbound export-job` to run the overlay on Apache Sedona \
             (CROSSBOUND_SKIP_MEMORY_CHECK=1 tries anyway)",
            gb(size),
            format.name(),
            gb(need),
            peak_factor(format),
            gb(available)
        ),
    ))
}

/// [`check`] against this machine, unless `CROSSBOUND_SKIP_MEMORY_CHECK` is set.
pub fn check_file(path: &str, format: Format, file: &std::path::Path) -> Result<(), LoadError> {
    if std::env::var_os("CROSSBOUND_SKIP_MEMORY_CHECK").is_some_and(|v| v != "0") {
        return Ok(());
    }
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    check(path, format, size, available_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1 << 30;

    #[test]
    fn refuses_only_what_clearly_does_not_fit() {
        // A 3 GB GeoJSON needs ~9 GB: refused with 8 GB free, with the figures in one line.
        let e = check("big.geojson", Format::GeoJson, 3 * GB, Some(8 * GB)).unwrap_err().to_string();
        assert!(e.starts_with("big.geojson: too big for this machine's memory"), "{e}");
        assert!(e.contains("3.0 GB GeoJSON") && e.contains("9.0 GB") && e.contains("8.0 GB is free"), "{e}");
        assert!(!e.contains('\n'));
        // The same file with 16 GB free, a small file with little free, or no figure at all: tried.
        assert!(check("big.geojson", Format::GeoJson, 3 * GB, Some(16 * GB)).is_ok());
        assert!(check("small.geojson", Format::GeoJson, 10 << 20, Some(1 << 20)).is_ok());
        assert!(check("big.geojson", Format::GeoJson, 3 * GB, None).is_ok());
        // A binary file holds the same features in fewer bytes than GeoJSON: more memory per byte.
        assert!(check("big.parquet", Format::GeoParquet, 3 * GB, Some(16 * GB)).is_err());
        assert!(check("big.parquet", Format::GeoParquet, 3 * GB, Some(20 * GB)).is_ok());
    }

    #[test]
    fn this_machine_says_how_much_is_free() {
        if cfg!(target_os = "linux") {
            assert!(available_bytes().is_some_and(|b| b > 0));
        }
    }
}
