//! The tree a scan may read: nothing outside the scanned folder's git work tree (or the folder
//! itself, outside any work tree) is read, whatever a symbolic link in it points at. A link to
//! a CI runner's credentials or to `/proc/self/environ` would otherwise have its content parsed
//! and quoted into a public log.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The folder reads under `path` stay inside: the git work tree holding it, else the folder
/// itself (for a file, its folder), as a canonical path. `None` when it cannot be resolved.
pub fn boundary_of(path: &Path) -> Option<PathBuf> {
    let folder = if path.is_dir() { path } else { path.parent()? };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let tree = super::work_tree_holding(folder).unwrap_or_else(|| folder.to_path_buf());
    std::fs::canonicalize(tree).ok()
}

/// Where `path` leads when that is outside `boundary` (through a symbolic link of it or of a
/// folder above it); `None` when it stays inside or cannot be resolved (a dangling link or a
/// loop, which reading then reports). A link is shown by what it holds (`/proc/self/environ`,
/// not the process's own number), anything else by where it really is.
pub fn leads_outside(path: &Path, boundary: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    if real.starts_with(boundary) {
        return None;
    }
    Some(std::fs::read_link(path).unwrap_or(real))
}

/// The text of a file inside `boundary` (when there is one) of at most `limit` bytes, or why it
/// was not read, as the end of a sentence: a link leads outside, it is no regular file, too
/// large, not UTF-8, or cannot be read.
pub fn read_inside(path: &Path, boundary: Option<&Path>, limit: u64) -> Result<String, String> {
    if let Some(target) = boundary.and_then(|b| leads_outside(path, b)) {
        return Err(format!(
            "it is a symbolic link to `{}`, outside the scanned tree",
            target.display()
        ));
    }
    text_of(read_regular(path, limit), limit)
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Unread {
    /// A named pipe, socket or device: opening or reading one can block the scan for ever or
    /// act on hardware, so it is never read. The text says what it is.
    NotRegular(&'static str),
    /// Longer than the limit.
    TooLarge,
    /// The system refused.
    Io(std::io::Error),
}

impl Unread {
    /// Why a file of at most `limit` bytes was not read, as the end of a sentence ("it is a
    /// named pipe, not a regular file").
    pub fn reason(&self, limit: u64) -> String {
        match self {
            Unread::NotRegular(what) => format!("it is {what}, not a regular file"),
            Unread::TooLarge if limit >= 1024 * 1024 => {
                format!("it is larger than {} MiB", limit / (1024 * 1024))
            }
            Unread::TooLarge => format!("it is larger than {} KiB", limit / 1024),
            Unread::Io(error) => error.to_string(),
        }
    }
}

/// A file named on the command line, of at most `limit` bytes: a pipe is read too
/// (`--config <(…)`), up to the limit.
pub fn read_named(path: &Path, limit: u64) -> Result<Vec<u8>, Unread> {
    std::fs::File::open(path)
        .map_err(Unread::Io)
        .and_then(|file| read_limited(file, 0, limit))
}

/// The text of a file read under `limit` bytes ([`read_regular`], [`read_named`]), or why
/// there is none, as the end of a sentence.
pub fn text_of(read: Result<Vec<u8>, Unread>, limit: u64) -> Result<String, String> {
    let bytes = read.map_err(|unread| unread.reason(limit))?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
}

/// Reads a regular file of at most `limit` bytes. Anything else is refused before it is
/// opened, and again after (the open does not wait for a pipe's writer), so a file swapped
/// meanwhile cannot block the scan either.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, Unread> {
    regular(&std::fs::metadata(path).map_err(Unread::Io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(Unread::Io)?;
    let metadata = file.metadata().map_err(Unread::Io)?;
    regular(&metadata)?;
    if metadata.len() > limit {
        return Err(Unread::TooLarge);
    }
    // Sized from the file's length, the text is held once, not in a buffer grown by doubling.
    read_limited(file, metadata.len() as usize, limit)
}

/// Reads a stream of at most `limit` bytes (a file still growing, standard input), with room
/// for `expected` of them from the start.
pub fn read_limited(stream: impl Read, expected: usize, limit: u64) -> Result<Vec<u8>, Unread> {
    let mut bytes = Vec::with_capacity(expected);
    stream
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(Unread::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Unread::TooLarge);
    }
    Ok(bytes)
}

fn regular(metadata: &std::fs::Metadata) -> Result<(), Unread> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Err(Unread::NotRegular("a named pipe"));
        }
        if kind.is_socket() {
            return Err(Unread::NotRegular("a socket"));
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Err(Unread::NotRegular("a device"));
        }
    }
    if kind.is_dir() {
        return Err(Unread::NotRegular("a folder"));
    }
    Err(Unread::NotRegular("no regular file"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_that_leave_the_tree_are_told_apart_from_those_inside() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "token").unwrap();
        let tree = tempfile::tempdir().unwrap();
        std::fs::write(tree.path().join("real.yaml"), "a: 1").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), tree.path().join("out.yaml")).unwrap();
        std::os::unix::fs::symlink(tree.path().join("real.yaml"), tree.path().join("in.yaml")).unwrap();
        let boundary = boundary_of(tree.path()).unwrap();
        assert!(leads_outside(&tree.path().join("out.yaml"), &boundary).is_some());
        assert_eq!(leads_outside(&tree.path().join("in.yaml"), &boundary), None);
        assert_eq!(
            read_inside(&tree.path().join("out.yaml"), Some(&boundary), 100).ok(),
            None
        );
        assert_eq!(
            read_inside(&tree.path().join("in.yaml"), Some(&boundary), 100)
                .ok()
                .as_deref(),
            Some("a: 1")
        );
    }

    #[test]
    fn pipes_and_devices_are_refused_without_waiting_and_long_files_past_the_limit() {
        let tree = tempfile::tempdir().unwrap();
        let pipe = tree.path().join("pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status().unwrap();
        assert!(made.success());
        // No writer ever opens the pipe: a blocking open would never return.
        assert!(matches!(
            read_regular(&pipe, 100),
            Err(Unread::NotRegular("a named pipe"))
        ));
        assert!(matches!(
            read_regular(Path::new("/dev/null"), 100),
            Err(Unread::NotRegular("a device"))
        ));
        assert!(matches!(
            read_regular(tree.path(), 100),
            Err(Unread::NotRegular("a folder"))
        ));
        std::fs::write(tree.path().join("long.yaml"), "a: 12345").unwrap();
        assert!(matches!(
            read_regular(&tree.path().join("long.yaml"), 7),
            Err(Unread::TooLarge)
        ));
        assert_eq!(
            read_regular(&tree.path().join("long.yaml"), 8).unwrap(),
            b"a: 12345"
        );
        let boundary = boundary_of(tree.path()).unwrap();
        assert_eq!(read_inside(&pipe, Some(&boundary), 100).ok(), None);
    }
}
