//! Spools: where a streaming report writes its per-case fragments while the run goes on, so
//! memory does not grow with the number of cases. A spool is a hidden temporary file next to the
//! report (deleted when dropped) or, for reports rendered in memory, a buffer. At the end the
//! report is assembled from a head, ranges of the spool and a tail, in time linear in its size.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Fragments written so far: in memory or in a temporary file.
pub(crate) enum Spool {
    /// A buffer (reports rendered in memory, tests).
    Memory(Vec<u8>),
    /// A temporary file, removed on drop.
    File {
        /// Buffered writer over the file.
        out: BufWriter<File>,
        /// Its path, removed on drop.
        path: PathBuf,
        /// Bytes written.
        len: u64,
    },
}

impl Spool {
    /// An in-memory spool.
    pub(crate) fn memory() -> Self {
        Spool::Memory(Vec::new())
    }

    /// A spool file in the folder of `report` (so it lives on the same disk as the report).
    pub(crate) fn beside(report: &Path) -> io::Result<Self> {
        let dir = match report.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = report
            .file_name()
            .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
        let (path, file) = super::atomic::create_temp(&dir, &format!("{name}.spool"))?;
        Ok(Spool::File {
            out: BufWriter::with_capacity(256 * 1024, file),
            path,
            len: 0,
        })
    }

    /// Bytes written so far (the offset of the next fragment).
    pub(crate) fn len(&self) -> u64 {
        match self {
            Spool::Memory(v) => v.len() as u64,
            Spool::File { len, .. } => *len,
        }
    }

    /// Appends bytes.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Spool::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
            Spool::File { out, len, .. } => {
                out.write_all(bytes)?;
                *len += bytes.len() as u64;
                Ok(())
            }
        }
    }

    /// Copies the byte ranges `ranges` (in order) to `to`.
    pub(crate) fn copy_ranges(
        &mut self,
        ranges: &[(u64, u64)],
        to: &mut dyn Write,
    ) -> io::Result<()> {
        match self {
            Spool::Memory(v) => {
                for &(start, end) in ranges {
                    let (s, e) = (usize::try_from(start), usize::try_from(end));
                    let chunk = match (s, e) {
                        (Ok(s), Ok(e)) => v.get(s..e),
                        _ => None,
                    };
                    to.write_all(
                        chunk.ok_or_else(|| io::Error::other("spool range out of bounds"))?,
                    )?;
                }
                Ok(())
            }
            Spool::File { out, .. } => {
                out.flush()?;
                let file = out.get_mut();
                for &(start, end) in ranges {
                    file.seek(SeekFrom::Start(start))?;
                    let copied = io::copy(&mut (&mut *file).take(end - start), to)?;
                    if copied != end - start {
                        return Err(io::Error::other("the report spool file was truncated"));
                    }
                }
                file.seek(SeekFrom::End(0))?;
                Ok(())
            }
        }
    }

    /// Copies everything written so far to `to`.
    pub(crate) fn copy_all(&mut self, to: &mut dyn Write) -> io::Result<()> {
        let len = self.len();
        self.copy_ranges(&[(0, len)], to)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Spool::File { path, .. } = self {
            // Best effort: the file is ours and useless once the report is written.
            let _ = fs::remove_file(&*path);
        }
    }
}

/// Appends `(start, end)` to `ranges`, extending the last range when they touch.
pub(crate) fn push_range(ranges: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    if start == end {
        return;
    }
    match ranges.last_mut() {
        Some(last) if last.1 == start => last.1 = end,
        _ => ranges.push((start, end)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_spool_copies_ranges_in_order_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("junit.xml");
        let mut s = Spool::beside(&report).unwrap();
        s.write(b"aaa").unwrap();
        s.write(b"bbb").unwrap();
        s.write(b"ccc").unwrap();
        let mut out = Vec::new();
        s.copy_ranges(&[(6, 9), (0, 3)], &mut out).unwrap();
        assert_eq!(out, b"cccaaa");
        s.write(b"d").unwrap();
        let mut all = Vec::new();
        s.copy_all(&mut all).unwrap();
        assert_eq!(all, b"aaabbbcccd");
        drop(s);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "spool removed"
        );
    }

    #[test]
    fn ranges_merge_when_adjacent() {
        let mut r = Vec::new();
        push_range(&mut r, 0, 5);
        push_range(&mut r, 5, 9);
        push_range(&mut r, 12, 14);
        push_range(&mut r, 14, 14);
        assert_eq!(r, vec![(0, 9), (12, 14)]);
    }
}
