//! The processes under a given one, read from `/proc`: what the tests count (a host's WebKit
//! processes) and what the benches weigh (a whole browser's memory).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The processes descending from `root` (children, theirs, and so on; not `root`): pid and
/// command name.
pub fn descendants(root: u32) -> Vec<(u32, String)> {
    let all = processes();
    let parents: HashMap<u32, u32> = all.iter().map(|(p, _, pp)| (*p, *pp)).collect();
    all.into_iter()
        .filter(|(pid, _, _)| descends_from(&parents, *pid, root))
        .map(|(pid, comm, _)| (pid, comm))
        .collect()
}

/// The proportional set size of `root` and its descendants together, KiB (shared pages count
/// once across the tree, split among their users), and how many processes that is. A process
/// that ends while it is read counts nothing.
pub fn pss_kib(root: u32) -> (u64, usize) {
    let pids: Vec<u32> = std::iter::once(root)
        .chain(descendants(root).into_iter().map(|(pid, _)| pid))
        .collect();
    let total = pids.iter().filter_map(|pid| pss_kib_of(*pid)).sum();
    (total, pids.len())
}

/// [`pss_kib`] once it has settled: three readings a second apart within 2% of each other (a
/// page still painting, a worker starting), or what it is after 30 s.
pub fn settled_pss_kib(root: u32) -> (u64, usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut last: Vec<u64> = Vec::new();
    loop {
        let (kib, processes) = pss_kib(root);
        last.push(kib);
        if last.len() > 3 {
            last.remove(0);
        }
        let (lo, hi) = (
            *last.iter().min().unwrap_or(&0),
            *last.iter().max().unwrap_or(&0),
        );
        if (last.len() == 3 && hi - lo <= hi / 50) || std::time::Instant::now() > deadline {
            return (kib, processes);
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// [`pss_kib`] by command name: each name with its processes' PSS together, KiB, and how many
/// there are (`root` under its own name), largest first.
pub fn pss_by_name(root: u32) -> Vec<(String, u64, usize)> {
    let root_name = std::fs::read_to_string(format!("/proc/{root}/comm"))
        .map(|c| c.trim().to_owned())
        .unwrap_or_default();
    let mut by_name: HashMap<String, (u64, usize)> = HashMap::new();
    for (pid, name) in std::iter::once((root, root_name)).chain(descendants(root)) {
        if let Some(kib) = pss_kib_of(pid) {
            let entry = by_name.entry(name).or_default();
            entry.0 += kib;
            entry.1 += 1;
        }
    }
    let mut rows: Vec<(String, u64, usize)> =
        by_name.into_iter().map(|(n, (k, c))| (n, k, c)).collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    rows
}

/// What a process's resident memory is, by kind of mapping: its own anonymous memory, its own
/// binary, WebKit (and JavaScriptCore), ICU (WebKit's text library), the GTK stack (GTK, GDK,
/// GLib, cairo, pango, fonts, X), Mesa (OpenGL, and LLVM where Mesa emulates a GPU), and other
/// files. A file's pages the process has written (relocations) count under the file. Each kind
/// with its RSS and PSS, KiB, in that order; kinds the process does not map are left out. Empty
/// if the process cannot be read.
pub fn memory_by_kind(pid: u32) -> Vec<(&'static str, u64, u64)> {
    const KINDS: [&str; 7] = [
        "anonymous",
        "own binary",
        "WebKit",
        "ICU",
        "GTK stack",
        "Mesa",
        "other files",
    ];
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return Vec::new();
    };
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut totals = [(0u64, 0u64); KINDS.len()];
    let mut kind = 0;
    for line in smaps.lines() {
        let kib = |prefix: &str| {
            line.strip_prefix(prefix)
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        };
        if let Some(rss) = kib("Rss:") {
            totals[kind].0 += rss;
        } else if let Some(pss) = kib("Pss:") {
            totals[kind].1 += pss;
        } else if line
            .split_whitespace()
            .next()
            .is_some_and(|range| range.contains('-') && !range.ends_with(':'))
        {
            // A mapping's header: "start-end perms offset dev inode [path]".
            let path = line.split_whitespace().nth(5).unwrap_or("");
            kind = mapping_kind(path, &exe);
        }
    }
    KINDS
        .iter()
        .zip(totals)
        .filter(|(_, (rss, _))| *rss > 0)
        .map(|(name, (rss, pss))| (*name, rss, pss))
        .collect()
}

/// Which of [`memory_by_kind`]'s kinds a mapping of `path` is (an index), `exe` being the
/// process's own binary.
fn mapping_kind(path: &str, exe: &str) -> usize {
    const GTK_STACK: [&str; 22] = [
        "libgtk-",
        "libgdk",
        "libglib-",
        "libgio-",
        "libgobject-",
        "libgmodule-",
        "libcairo",
        "libpango",
        "libharfbuzz",
        "libfreetype",
        "libfontconfig",
        "libatk",
        "libepoxy",
        "libX",
        "libxcb",
        "libxkb",
        "libpixman",
        "libpng",
        "libgraphite",
        "libfribidi",
        "libthai",
        "libdatrie",
    ];
    const MESA: [&str; 7] = [
        "libLLVM",
        "libgallium",
        "libGL",
        "libEGL",
        "libgbm",
        "libglapi",
        "libvulkan",
    ];
    let file = path.rsplit('/').next().unwrap_or("");
    if !path.starts_with('/') {
        0
    } else if path == exe {
        1
    } else if file.starts_with("libwebkit") || file.starts_with("libjavascriptcore") {
        2
    } else if file.starts_with("libicu") {
        3
    } else if GTK_STACK.iter().any(|p| file.starts_with(p)) {
        4
    } else if MESA.iter().any(|p| file.starts_with(p)) || file.ends_with("_dri.so") {
        5
    } else {
        6
    }
}

/// One process's PSS, KiB (`None`: it ended, or is not ours to read).
pub fn pss_kib_of(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
}

/// Notes the processes under a root whose command name starts with a prefix, on a thread of
/// its own: those running when it starts and every one started until it is finished.
pub struct Watch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<BTreeSet<u32>>>,
}

impl Watch {
    /// Starts watching `root`'s descendants named `prefix`…, every 10 ms (a /proc scan takes a
    /// few ms more): one that lives 50 ms or more is never missed.
    pub fn start(root: u32, prefix: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            let note = |seen: &mut BTreeSet<u32>| {
                let named = descendants(root)
                    .into_iter()
                    .filter(|(_, c)| c.starts_with(prefix));
                seen.extend(named.map(|(pid, _)| pid));
            };
            while !stopped.load(Ordering::SeqCst) {
                note(&mut seen);
                std::thread::sleep(Duration::from_millis(10));
            }
            note(&mut seen);
            seen
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops watching; the pids of every process seen.
    pub fn finish(mut self) -> BTreeSet<u32> {
        self.stop.store(true, Ordering::SeqCst);
        let thread = self.thread.take().expect("a watch finishes once");
        thread.join().expect("the process watch")
    }
}

impl Drop for Watch {
    /// A watch dropped unfinished (a test that failed first) stops its thread.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Every live process (zombies left out): pid, command name, parent pid.
fn processes() -> Vec<(u32, String, u32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let mut fields = stat[close + 1..].split_whitespace();
        // A zombie has ended (its files closed, its memory gone); only its parent's reaping is
        // left, which for WebKit's processes comes when WebKit gets to it.
        if fields.next() == Some("Z") {
            continue;
        }
        let ppid = fields.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        out.push((pid, comm, ppid));
    }
    out
}

/// Whether `pid` descends from `ancestor` in `parents` (pid to parent pid); a bounded walk.
fn descends_from(parents: &HashMap<u32, u32>, pid: u32, ancestor: u32) -> bool {
    let mut current = pid;
    for _ in 0..64 {
        match parents.get(&current) {
            Some(&parent) if parent == ancestor => return true,
            Some(&parent) if parent > 1 => current = parent,
            _ => return false,
        }
    }
    false
}
