//! Messages native libraries write straight to standard error (libjpeg's "Corrupt JPEG data"
//! through Leptonica, Tesseract's notices, a panic's message) are taken off the process's
//! standard error: file descriptor 2 becomes a pipe, read by a thread that passes each line on
//! in the run's progress format (a JSON event, a line above the status line, or nothing with
//! `-q`). docgraph's own messages go to the original stream, saved before the switch, so the
//! two never mix within a line and the JSON stream stays one object per line.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// The original standard error, once native messages are captured.
static OWN: OnceLock<Mutex<File>> = OnceLock::new();

/// Writes to docgraph's own standard error (the original one while native messages are
/// captured); errors are ignored, as a closed stream must not stop the run.
pub fn write_err(args: std::fmt::Arguments) {
    match OWN.get() {
        Some(f) => {
            let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
            let _ = f.write_fmt(args);
        }
        None => {
            let mut e = std::io::stderr();
            let _ = e.write_fmt(args);
            let _ = e.flush();
        }
    }
}

/// Columns of the terminal docgraph's own standard error is, if it is one.
pub fn terminal_width() -> Option<usize> {
    use std::os::fd::AsRawFd;
    let fd = OWN
        .get()
        .map(|f| f.lock().unwrap_or_else(|p| p.into_inner()).as_raw_fd())
        .unwrap_or(2);
    // SAFETY: TIOCGWINSZ fills a winsize struct this function owns.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0)
            .then_some(ws.ws_col as usize)
    }
}

/// Native messages being captured; [`Capture::finish`] puts standard error back and waits for
/// the last lines to be passed on.
pub struct Capture {
    saved: i32,
    reader: Option<JoinHandle<()>>,
}

/// Starts capturing; `forward` is called with each line. `None` when the descriptors cannot
/// be set up (then nothing changes).
pub fn capture(forward: impl Fn(&str) + Send + 'static) -> Option<Capture> {
    // SAFETY: plain descriptor calls on descriptors this function creates; every failure path
    // leaves descriptor 2 as it was.
    unsafe {
        let saved = libc::dup(2);
        if saved < 0 {
            return None;
        }
        let own = libc::dup(saved);
        let mut fds = [0i32; 2];
        if own < 0 || libc::pipe(fds.as_mut_ptr()) != 0 {
            libc::close(saved);
            return None;
        }
        if libc::dup2(fds[1], 2) < 0 {
            libc::close(fds[0]);
            libc::close(fds[1]);
            libc::close(saved);
            return None;
        }
        libc::close(fds[1]);
        let _ = OWN.set(Mutex::new(File::from_raw_fd(own)));
        let read = File::from_raw_fd(fds[0]);
        let reader = std::thread::Builder::new()
            .name("docgraph-native-stderr".into())
            .spawn(move || {
                for line in BufReader::new(read).lines() {
                    match line {
                        Ok(l) if !l.trim().is_empty() => forward(l.trim_end()),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            })
            .ok();
        Some(Capture { saved, reader })
    }
}

impl Capture {
    /// Puts the original standard error back and passes on what is still in the pipe.
    pub fn finish(mut self) {
        self.restore();
    }

    fn restore(&mut self) {
        // SAFETY: restores descriptor 2 from the copy saved in `capture`; the pipe's last
        // write end closes with it, so the reader sees the end.
        unsafe {
            libc::dup2(self.saved, 2);
            libc::close(self.saved);
        }
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if self.reader.is_some() {
            self.restore();
        }
    }
}
