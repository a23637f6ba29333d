//! A small file system of the test's own (a tmpfs mounted where the test says), to fill up or
//! make read-only under a running host: disk full and read-only data, for real. Mounting needs
//! root, which `make test` has on CI machines; unmounted when dropped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs.
pub struct SmallDisk {
    at: PathBuf,
}

fn mount(args: &[&str]) -> Result<(), String> {
    let out = Command::new("mount")
        .args(args)
        .output()
        .expect("mount (util-linux) runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "mount {args:?} failed (the fault-injection tests need root): {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes` at `at` (created if missing).
    pub fn mount(at: &Path, megabytes: u32) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let size = format!("size={megabytes}m,mode=0700");
        mount(&["-t", "tmpfs", "-o", &size, "tmpfs", &at.to_string_lossy()])
            .unwrap_or_else(|e| panic!("{e}"));
        Self { at: at.to_owned() }
    }

    /// Fills what is left with a file of zeros (`filler`); returns its size in bytes.
    pub fn fill(&self) -> u64 {
        let mut file = std::fs::File::create(self.at.join("filler")).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        let mut written = 0;
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // The last partial block, byte by byte would be slow; a 1 KiB chunk is enough.
        let small = [0u8; 1024];
        while let Ok(n) = file.write(&small) {
            if n == 0 {
                break;
            }
            written += n as u64;
        }
        written
    }

    /// Removes the filler.
    pub fn free(&self) {
        std::fs::remove_file(self.at.join("filler")).unwrap();
    }

    /// Makes the file system read-only (`true`) or writable again. Linux refuses to make it
    /// read-only while a file on it is open for writing ("mount point is busy"), so that fails
    /// until every such process is gone.
    pub fn read_only(&self, read_only: bool) -> Result<(), String> {
        let mode = if read_only {
            "remount,ro"
        } else {
            "remount,rw"
        };
        mount(&["-o", mode, &self.at.to_string_lossy()])
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a process of the test's host may still have a file open there.
        let _ = Command::new("umount").arg("-l").arg(&self.at).output();
    }
}
