//! Listening: a unix socket in a private directory of its own (removed when dropped), or the
//! first free loopback TCP port of the range Terraform gives.

use std::io;
#[cfg(unix)]
use std::path::{Path, PathBuf};
use std::pin::Pin;

use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;

use super::accept::Accept;
use super::connection::Io;
use super::error::ServeError;
use crate::handshake::Transport;

/// The longest unix socket path the platform takes, in bytes without the NUL: `sun_path`
/// holds 108 bytes on Linux, 104 on macOS and the BSDs.
#[cfg(unix)]
pub(super) const SOCKET_PATH_MAX: usize = if cfg!(any(target_os = "linux", target_os = "android")) {
    107
} else {
    103
};

/// How many fresh random socket directory names are tried before giving up.
#[cfg(unix)]
pub(super) const SOCKET_NAME_ATTEMPTS: usize = 5;

/// The socket the accept loop takes connections from.
pub(super) enum Listener {
    #[cfg(unix)]
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// A listening socket, with what the handshake line says about it.
pub(super) struct Bound {
    pub(super) listener: Listener,
    pub(super) network: &'static str,
    pub(super) address: String,
    /// The unix socket's files, removed when this is dropped.
    #[cfg(unix)]
    pub(super) socket: Option<SocketFiles>,
}

pub(super) async fn listen(transport: &Transport) -> Result<Bound, ServeError> {
    match transport {
        #[cfg(unix)]
        Transport::Unix { dir } => {
            let (listener, files) = bind_unix(dir, random_name)?;
            let address = files.socket.display().to_string();
            Ok(Bound {
                listener: Listener::Unix(listener),
                network: "unix",
                address,
                socket: Some(files),
            })
        }
        Transport::Tcp { min_port, max_port } => {
            let mut last = None;
            for port in *min_port..=*max_port {
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(listener) => {
                        return Ok(Bound {
                            listener: Listener::Tcp(listener),
                            network: "tcp",
                            address: format!("127.0.0.1:{port}"),
                            #[cfg(unix)]
                            socket: None,
                        });
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(ServeError::Listen {
                what: format!("127.0.0.1 ports {min_port}..{max_port}"),
                source: last.unwrap_or_else(|| io::Error::other("empty port range")),
            })
        }
    }
}

/// An unpredictable file name: `plugin-` and 8 bytes of OS randomness in hex. Short on
/// purpose: a socket path has at most 103 bytes on macOS (104 with its NUL), whose `TMPDIR`
/// (`/var/folders/xx/.../T/`) takes about half of them already.
#[cfg(unix)]
pub(super) fn random_name() -> Result<String, ServeError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(ServeError::Random)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("plugin-{hex}"))
}

/// The private directory holding the socket, and the socket in it.
#[cfg(unix)]
#[derive(Debug)]
pub(super) struct SocketFiles {
    pub(super) dir: PathBuf,
    pub(super) socket: PathBuf,
}

#[cfg(unix)]
impl Drop for SocketFiles {
    /// Removes the socket and then its directory (only if empty: nothing else is deleted).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Creates a new directory named by `name()` in `parent`, readable by the owner only, and
/// binds the socket `sock` inside it. A name that already exists (whatever it is: a file, a
/// directory, a symlink someone planted) is left alone and another name is tried.
#[cfg(unix)]
pub(super) fn bind_unix(
    parent: &Path,
    mut name: impl FnMut() -> Result<String, ServeError>,
) -> Result<(UnixListener, SocketFiles), ServeError> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let listen_error = |what: &Path, source| ServeError::Listen {
        what: what.display().to_string(),
        source,
    };
    let mut attempt = 0;
    let files = loop {
        attempt += 1;
        let dir = parent.join(name()?);
        let socket = dir.join("sock");
        let len = socket.as_os_str().len();
        if len > SOCKET_PATH_MAX {
            // Checked before anything is created: bind would refuse it only after mkdir.
            return Err(ServeError::SocketPathTooLong {
                path: socket.display().to_string(),
                len,
                max: SOCKET_PATH_MAX,
            });
        }
        // mkdir never follows a symlink in its last component and fails on any existing
        // path, so an attacker's pre-created file or link is neither reused nor replaced.
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => break SocketFiles { dir, socket },
            Err(e)
                if e.kind() == io::ErrorKind::AlreadyExists && attempt < SOCKET_NAME_ATTEMPTS =>
            {
                tracing::warn!(path = %dir.display(), "socket directory name already taken; trying another");
            }
            Err(e) => return Err(listen_error(&dir, e)),
        }
    };
    let listener = UnixListener::bind(&files.socket).map_err(|e| listen_error(&files.socket, e))?;
    // The directory already keeps others out; the socket itself says so too.
    std::fs::set_permissions(&files.socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| listen_error(&files.socket, e))?;
    Ok((listener, files))
}

impl Accept for Listener {
    async fn accept(&self) -> io::Result<Pin<Box<dyn Io>>> {
        match self {
            #[cfg(unix)]
            Listener::Unix(l) => l
                .accept()
                .await
                .map(|(s, _)| Box::pin(s) as Pin<Box<dyn Io>>),
            Listener::Tcp(l) => l.accept().await.map(|(s, _)| {
                let _ = s.set_nodelay(true);
                Box::pin(s) as Pin<Box<dyn Io>>
            }),
        }
    }
}
