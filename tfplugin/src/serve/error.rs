//! [`ServeError`]: why serving could not start or stopped, in words for the person who ran
//! the plugin.

use std::io;

use crate::handshake::HandshakeError;
use crate::tls::TlsError;

/// Why [`serve`](super::serve) could not start, or stopped with an error. The message is meant for the
/// person who ran the plugin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// What Terraform set in the environment is missing or wrong.
    #[error("{0}")]
    Handshake(#[from] HandshakeError),
    /// AutoMTLS could not be set up.
    #[error("could not set up TLS for the plugin connection: {0}")]
    Tls(#[from] TlsError),
    /// No socket could be bound: the socket directory or path, or every port of the range.
    #[error("could not listen for Terraform's connection on {what}: {source}")]
    Listen {
        /// Where: a path, or `127.0.0.1 ports <min>..<max>`.
        what: String,
        /// The operating system's error (for a port range: the last one).
        #[source]
        source: io::Error,
    },
    /// The socket's path would be longer than the operating system takes (unix only).
    #[cfg(unix)]
    #[error(
        "could not listen for Terraform's connection on {path}: a unix socket path has at most \
         {max} bytes here and this one has {len}. Set PLUGIN_UNIX_SOCKET_DIR (or TMPDIR) to a \
         shorter directory, such as /tmp"
    )]
    SocketPathTooLong {
        /// The path that would have been bound.
        path: String,
        /// Its length in bytes.
        len: usize,
        /// The longest path the platform's `sun_path` holds (without its NUL).
        max: usize,
    },
    /// The socket directory's random name could not be drawn (unix only).
    #[cfg(unix)]
    #[error("the operating system gave no random bytes for the socket name: {0}")]
    Random(getrandom::Error),
    /// The gRPC server failed while serving.
    #[error("the gRPC server stopped with an error: {0}")]
    Server(#[from] tonic::transport::Error),
}
