//! Stopping from outside: SIGTERM (and SIGINT, or on Windows Ctrl-C and Ctrl-Break, in
//! `--debug` mode), the parent process going away, and [`stop_provider`], which every way of
//! stopping calls first.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
#[cfg(unix)]
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::interface::Provider;

/// Calls [`Provider::stop`]; a panic in it is logged, never propagated, so that the
/// shutdown that follows always happens.
pub(super) fn stop_provider(provider: &dyn Provider) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| provider.stop())).is_err() {
        tracing::error!("the provider panicked while stopping its work in flight");
    }
}

/// Once a stopping signal arrives (see [`stop_signal`]): stop work in flight, then shut down
/// gracefully (requests in flight finish and answer first). The handlers are installed before
/// this returns, so no signal that arrives later is lost or fatal.
pub(super) fn watch_signals(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
    debug: bool,
) -> tokio::task::JoinHandle<()> {
    let signal = stop_signal(debug);
    tokio::spawn(async move {
        let Some(name) = signal.await else {
            return;
        };
        tracing::info!(signal = name, "stopping");
        stop_provider(&*provider);
        shutdown.cancel();
    })
}

/// On unix, SIGTERM stops the plugin. SIGINT is ignored, as go-plugin plugins do, because
/// Terraform stops the plugin itself after a Ctrl-C; in `debug` mode it stops the plugin too.
/// Installs the handlers now; the future answers the name of the signal that stops the
/// plugin, or `None` when the handlers could not be installed.
#[cfg(unix)]
fn stop_signal(debug: bool) -> impl std::future::Future<Output = Option<&'static str>> {
    use tokio::signal::unix::{signal, SignalKind};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            tracing::warn!("could not install signal handlers");
            return None;
        };
        loop {
            tokio::select! {
                _ = term.recv() => return Some("SIGTERM"),
                _ = int.recv() => {
                    if debug {
                        return Some("SIGINT");
                    }
                    tracing::debug!(
                        signal = "SIGINT",
                        "ignored: Terraform stops the plugin with StopProvider and Shutdown"
                    );
                }
            }
        }
    }
}

/// Windows has no SIGTERM or SIGINT; Ctrl-C and Ctrl-Break are handled as SIGINT is on unix:
/// ignored, as go-plugin plugins do, because Terraform (which Go's runtime interrupts on
/// either) stops the plugin itself; in `debug` mode they stop the plugin. Both handlers are
/// installed now and stay installed, so neither event falls through to Windows' default
/// handler, which would end the process at once: a Ctrl-Break sent to Terraform's process
/// group reaches the plugin too.
#[cfg(windows)]
fn stop_signal(debug: bool) -> impl std::future::Future<Output = Option<&'static str>> {
    let handlers = (
        tokio::signal::windows::ctrl_c(),
        tokio::signal::windows::ctrl_break(),
    );
    async move {
        let (Ok(mut ctrl_c), Ok(mut ctrl_break)) = handlers else {
            tracing::warn!("could not install the Ctrl-C and Ctrl-Break handlers");
            return None;
        };
        loop {
            let name = tokio::select! {
                got = ctrl_c.recv() => { got?; "Ctrl-C" }
                got = ctrl_break.recv() => { got?; "Ctrl-Break" }
            };
            if debug {
                return Some(name);
            }
            tracing::debug!(
                signal = name,
                "ignored: Terraform stops the plugin with StopProvider and Shutdown"
            );
        }
    }
}

/// Terraform normally ends the plugin with `Shutdown`; if Terraform itself dies (a crash,
/// SIGKILL), the plugin would live on as an orphan holding its pipes. Outside `debug` mode,
/// stop when the parent process changes.
#[cfg(unix)]
pub(super) fn watch_parent(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
    debug: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    (!debug).then(|| tokio::spawn(watch_parent_id(provider, shutdown)))
}

/// On Windows: the parent process (from a snapshot of the process table) is opened for
/// waiting, and its end stops the plugin, as a change of parent does on unix. A parent that
/// is already gone stops it at once; one that cannot be opened (another user's) leaves no
/// watch. The wait runs on a thread of its own, never on the runtime's blocking pool, which
/// would wait for it at exit.
#[cfg(windows)]
pub(super) fn watch_parent(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
    debug: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    if debug {
        return None;
    }
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel::<()>();
    match parent_windows::open_parent() {
        parent_windows::Parent::Gone => {
            let _ = gone_tx.send(());
        }
        parent_windows::Parent::Unwatchable(why) => {
            tracing::debug!(reason = why, "not watching the parent process");
            return None;
        }
        parent_windows::Parent::Open(parent) => {
            std::thread::Builder::new()
                .name("parent-watch".into())
                .spawn(move || {
                    parent.wait();
                    let _ = gone_tx.send(());
                })
                .ok()?;
        }
    }
    Some(tokio::spawn(async move {
        tokio::select! {
            _ = shutdown.cancelled() => {}
            gone = gone_rx => {
                if gone.is_ok() {
                    parent_gone(&*provider, &shutdown);
                }
            }
        }
    }))
}

/// Other systems: no portable way to watch the parent, no watch.
#[cfg(not(any(unix, windows)))]
pub(super) fn watch_parent(
    _provider: Arc<dyn Provider>,
    _shutdown: CancellationToken,
    _debug: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    None
}

/// The few kernel32 calls the Windows parent watch needs.
#[cfg(windows)]
mod parent_windows {
    use std::ffi::c_void;

    type Handle = *mut c_void;

    const TH32CS_SNAPPROCESS: u32 = 0x0000_0002;
    const SYNCHRONIZE: u32 = 0x0010_0000;
    const INFINITE: u32 = 0xFFFF_FFFF;
    const ERROR_INVALID_PARAMETER: u32 = 87;
    const MAX_PATH: usize = 260;

    /// PROCESSENTRY32W (only the ids are read).
    #[allow(dead_code)]
    #[repr(C)]
    struct ProcessEntry {
        size: u32,
        usage: u32,
        process_id: u32,
        default_heap_id: usize,
        module_id: u32,
        threads: u32,
        parent_process_id: u32,
        priority_class_base: i32,
        flags: u32,
        exe_file: [u16; MAX_PATH],
    }

    #[link(name = "kernel32")]
    extern "system" {
        fn GetCurrentProcessId() -> u32;
        fn CreateToolhelp32Snapshot(flags: u32, process_id: u32) -> Handle;
        fn Process32FirstW(snapshot: Handle, entry: *mut ProcessEntry) -> i32;
        fn Process32NextW(snapshot: Handle, entry: *mut ProcessEntry) -> i32;
        fn OpenProcess(access: u32, inherit: i32, process_id: u32) -> Handle;
        fn WaitForSingleObject(handle: Handle, milliseconds: u32) -> u32;
        fn CloseHandle(handle: Handle) -> i32;
        fn GetLastError() -> u32;
    }

    /// The parent process, opened for waiting on.
    pub(super) struct OpenParent(Handle);

    // A process handle may be waited on from any thread.
    unsafe impl Send for OpenParent {}

    impl OpenParent {
        /// Blocks until the parent process ends.
        pub(super) fn wait(self) {
            // SAFETY: the handle is open (closed only on drop) and has SYNCHRONIZE access.
            unsafe { WaitForSingleObject(self.0, INFINITE) };
        }
    }

    impl Drop for OpenParent {
        fn drop(&mut self) {
            // SAFETY: the handle came from OpenProcess and is closed once, here.
            unsafe { CloseHandle(self.0) };
        }
    }

    pub(super) enum Parent {
        Open(OpenParent),
        Gone,
        Unwatchable(&'static str),
    }

    fn parent_id() -> Option<u32> {
        // SAFETY: plain kernel32 calls; `entry` is a properly sized PROCESSENTRY32W, and the
        // snapshot handle is closed before returning.
        unsafe {
            let me = GetCurrentProcessId();
            let snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
            if snapshot.is_null() || snapshot as isize == -1 {
                return None;
            }
            let mut entry: ProcessEntry = std::mem::zeroed();
            entry.size = std::mem::size_of::<ProcessEntry>() as u32;
            let mut found = None;
            let mut more = Process32FirstW(snapshot, &mut entry) != 0;
            while more {
                if entry.process_id == me {
                    found = Some(entry.parent_process_id);
                    break;
                }
                more = Process32NextW(snapshot, &mut entry) != 0;
            }
            CloseHandle(snapshot);
            found
        }
    }

    pub(super) fn open_parent() -> Parent {
        let Some(parent) = parent_id() else {
            return Parent::Unwatchable("this process is not in the process table snapshot");
        };
        // SAFETY: OpenProcess with a process id; a null answer is checked.
        let handle = unsafe { OpenProcess(SYNCHRONIZE, 0, parent) };
        if handle.is_null() {
            // No such process: the parent is already gone.
            return if unsafe { GetLastError() } == ERROR_INVALID_PARAMETER {
                Parent::Gone
            } else {
                Parent::Unwatchable("the parent process cannot be opened")
            };
        }
        Parent::Open(OpenParent(handle))
    }
}

#[cfg(unix)]
async fn watch_parent_id(provider: Arc<dyn Provider>, shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        if std::os::unix::process::parent_id() != parent {
            parent_gone(&*provider, &shutdown);
            return;
        }
    }
}

/// What the parent watch does when Terraform is gone: stop the work in flight, then serve
/// no more.
#[cfg(any(unix, windows))]
fn parent_gone(provider: &dyn Provider, shutdown: &CancellationToken) {
    tracing::warn!("Terraform is gone; stopping");
    stop_provider(provider);
    shutdown.cancel();
}
