//! The emulator's listener: TCP connections in; streams a handler can cut
//! (the fault file's dropped connections) and the [`Connection`] handlers
//! see (the client's address, the emulator's own for links) out.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections a handler can cut: the way to drop a
/// connection without an answer, which hyper offers no other way to do.
pub(super) struct CuttableListener {
    pub(super) listener: TcpListener,
    /// The address it listens on, which links in answers point at.
    pub(super) local: SocketAddr,
}

impl axum::serve::Listener for CuttableListener {
    type Io = CuttableStream;
    type Addr = Connection;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, peer)) => {
                    let cut = Arc::new(AtomicBool::new(false));
                    let io = CuttableStream {
                        inner: stream,
                        cut: Arc::clone(&cut),
                    };
                    let local = self.local;
                    return (io, Connection { peer, local, cut });
                }
                // Out of file descriptors and the like: wait, as axum's own
                // listener does, rather than spin.
                Err(e) => {
                    tracing::debug!("emulator: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(Connection {
            peer: self.local,
            local: self.local,
            cut: Arc::new(AtomicBool::new(false)),
        })
    }
}

/// One connection, as handlers see it.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// The client's address.
    peer: SocketAddr,
    /// The emulator's own address.
    local: SocketAddr,
    cut: Arc<AtomicBool>,
}

impl Connection {
    /// A connection from `local` to itself, for the handlers' tests.
    #[cfg(test)]
    pub(crate) fn to_self(local: SocketAddr) -> Connection {
        Connection {
            peer: local,
            local,
            cut: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Where links in answers (`nextLink`, `Location`) lead: the address
    /// the emulator listens on. Never the request's `Host` header, which the
    /// client chooses, so a link cannot be made to send the next request,
    /// and its token, elsewhere.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.local)
    }

    /// Makes the connection fail at its next read or write, so the response
    /// in flight is never sent and hyper closes the socket.
    pub(crate) fn cut(&self) {
        tracing::debug!(peer = %self.peer, "emulator: dropping the connection (fault file)");
        self.cut.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, CuttableListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, CuttableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// A TCP stream that fails every read and write once cut.
pub(super) struct CuttableStream {
    inner: TcpStream,
    cut: Arc<AtomicBool>,
}

impl CuttableStream {
    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "dropped by the emulator's fault file",
    )
}

impl AsyncRead for CuttableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CuttableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
