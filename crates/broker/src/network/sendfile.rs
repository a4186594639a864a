//! Zero-copy sends of log file ranges with `sendfile(2)`, for plaintext connections.

use std::io;
use std::os::fd::AsRawFd;

use fjord_storage::FileSlice;
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Sends `slice` from its file to `stream`, waiting for writability as needed.
pub async fn send_file(stream: &TcpStream, slice: &FileSlice) -> io::Result<()> {
    let end = slice.position + slice.len;
    let mut offset = slice.position as libc::off_t;
    while (offset as u64) < end {
        stream.writable().await?;
        let remaining = (end - offset as u64) as usize;
        let sent = stream.try_io(Interest::WRITABLE, || {
            // SAFETY: both descriptors are open for the duration of the call (the
            // stream and the `Arc<File>` in `slice` are borrowed), and `offset` is a
            // valid, exclusively borrowed `off_t`.
            let n = unsafe {
                libc::sendfile(
                    stream.as_raw_fd(),
                    slice.file.as_raw_fd(),
                    &mut offset,
                    remaining,
                )
            };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        });
        match sent {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "log file shorter than the fetched range",
                ))
            }
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
