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
    let total = pids.iter().filter_map(|pid| pss_of(*pid)).sum();
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
        if let Some(kib) = pss_of(pid) {
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

/// One process's PSS, KiB (`None`: it ended, or is not ours to read).
fn pss_of(pid: u32) -> Option<u64> {
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
