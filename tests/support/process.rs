//! Processes the way each platform has them, for the tests that interrupt or kill Terraform
//! and its plugin: the process table, a Ctrl-C as a terminal sends it, and a kill of a whole
//! process tree at one instant.
//!
//! | what | unix | Windows |
//! | --- | --- | --- |
//! | the process table | `/proc` (Linux), `ps` (macOS and others) | `Get-CimInstance Win32_Process` (PowerShell) |
//! | Ctrl-C in a terminal | SIGINT to Terraform and everything below it | CTRL_BREAK_EVENT to Terraform's own process group (Go's runtime takes it as an interrupt, as it does Ctrl-C) |
//! | kill -9 of everything at once | SIGKILL to Terraform's own process group | `TerminateJobObject` on a job object holding Terraform (its children join it) |

use std::process::{Child, Command, ExitStatus};

/// One process in the table: its id, its parent's, and when it started (in the platform's own
/// words: an id and its start are one process, where an id alone may be reused; Windows
/// gives a freed id out again at once).
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    pub pid: u32,
    pub parent: u32,
    pub started: String,
}

/// Every process on the machine.
pub fn process_table() -> Vec<Process> {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_dir("/proc")
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                    .filter_map(|p| {
                        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
                        // The command name is in parentheses and may hold spaces: skip past it.
                        // Fields 3 (state) on: the parent is field 4, the start field 22.
                        let after: Vec<&str> =
                            stat[stat.rfind(')')? + 2..].split_whitespace().collect();
                        Some(Process {
                            pid: p,
                            parent: after.get(1)?.parse().ok()?,
                            started: after.get(19)?.to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let out = Command::new("ps")
            .args(["-A", "-o", "pid=", "-o", "ppid=", "-o", "lstart="])
            .output()
            .expect("ps runs");
        assert!(out.status.success(), "ps -A failed");
        pairs(&String::from_utf8_lossy(&out.stdout))
    }
    #[cfg(windows)]
    {
        let out = Command::new("powershell")
            .args([
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                "Get-CimInstance Win32_Process | ForEach-Object { \"$($_.ProcessId) $($_.ParentProcessId) $($_.CreationDate.Ticks)\" }",
            ])
            .output()
            .expect("powershell runs");
        assert!(
            out.status.success(),
            "Get-CimInstance Win32_Process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pairs(&String::from_utf8_lossy(&out.stdout))
    }
}

/// Lines of `pid ppid start...` (the start may hold spaces, or be empty).
#[cfg(not(target_os = "linux"))]
fn pairs(text: &str) -> Vec<Process> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            Some(Process {
                pid: fields.next()?.parse().ok()?,
                parent: fields.next()?.parse().ok()?,
                started: fields.collect::<Vec<_>>().join(" "),
            })
        })
        .collect()
}

/// Every process below `pid`.
pub fn descendants(pid: u32) -> Vec<u32> {
    let table = process_table();
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for child in table
            .iter()
            .filter(|p| p.parent == parent && p.pid != parent)
        {
            found.push(child.pid);
            frontier.push(child.pid);
        }
    }
    found
}

/// Whether a process with this id is in the process table (a unix zombie still is).
pub fn exists(pid: u32) -> bool {
    process_table().iter().any(|p| p.pid == pid)
}

/// Ctrl-C as a terminal sends it: SIGINT to `child` and to everything it started (older
/// Terraform runs as a wrapper plus a child; the provider plugin gets it too); on Windows,
/// CTRL_BREAK_EVENT to the child's process group, which holds all of them (start it with
/// [`in_own_group`]; CTRL_C_EVENT cannot be aimed at one group). Then waits for the child
/// and answers its whole output, stdout then stderr.
pub fn interrupt_like_a_terminal(child: Child) -> (ExitStatus, String, String) {
    #[cfg(unix)]
    {
        let mut pids = vec![child.id()];
        pids.extend(descendants(child.id()));
        for pid in &pids {
            let _ = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
        }
    }
    #[cfg(windows)]
    {
        ctrl_break(child.id());
    }
    let output = child.wait_with_output().expect("terraform ends");
    (
        output.status,
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// Makes `cmd` start a process group of its own (unix: `setpgid`; Windows:
/// CREATE_NEW_PROCESS_GROUP), so that one signal or console event reaches it and everything
/// it starts, and nothing else.
pub fn in_own_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0)
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt as _;
        cmd.creation_flags(win::CREATE_NEW_PROCESS_GROUP)
    }
}

/// CTRL_BREAK_EVENT to the process group `group` (a process started with [`in_own_group`]),
/// which must share this process's console.
#[cfg(windows)]
pub fn ctrl_break(group: u32) {
    // SAFETY: a plain kernel32 call with two integers.
    let sent = unsafe { win::GenerateConsoleCtrlEvent(win::CTRL_BREAK_EVENT, group) };
    assert!(
        sent != 0,
        "GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, {group}) failed (error {}): the test \
         process has no console to share with it",
        std::io::Error::last_os_error()
    );
}

/// A process started so that it and everything it starts can be killed at one instant, as
/// when a CI job is cancelled or a machine stops: unix, a process group of its own and
/// SIGKILL to the group; Windows, a job object and `TerminateJobObject`.
pub struct Tree {
    pub child: Child,
    #[cfg(windows)]
    job: win::Job,
}

impl Tree {
    pub fn spawn(cmd: &mut Command) -> Self {
        #[cfg(unix)]
        {
            let child = in_own_group(cmd).spawn().expect("the process starts");
            Tree { child }
        }
        #[cfg(windows)]
        {
            let child = cmd.spawn().expect("the process starts");
            let job = win::Job::new();
            job.assign(&child);
            Tree { child, job }
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process and everything it started, at once (on unix, anything that left
    /// the process group is not reached: see [`descendants`]).
    #[track_caller]
    pub fn kill_all_at_once(&mut self) {
        #[cfg(unix)]
        {
            let killed = Command::new("kill")
                .args(["-9", "--", &format!("-{}", self.child.id())])
                .status()
                .expect("kill runs");
            assert!(killed.success(), "SIGKILL to the process group");
        }
        #[cfg(windows)]
        {
            self.job.terminate();
        }
    }

    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.child.wait()
    }
}

#[cfg(windows)]
mod win {
    use std::ffi::c_void;
    use std::os::windows::io::AsRawHandle as _;

    pub const CTRL_BREAK_EVENT: u32 = 1;
    pub const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;

    type Handle = *mut c_void;

    #[link(name = "kernel32")]
    extern "system" {
        pub fn GenerateConsoleCtrlEvent(ctrl_event: u32, process_group_id: u32) -> i32;
        fn CreateJobObjectW(attributes: *mut c_void, name: *const u16) -> Handle;
        fn AssignProcessToJobObject(job: Handle, process: Handle) -> i32;
        fn TerminateJobObject(job: Handle, exit_code: u32) -> i32;
        fn CloseHandle(handle: Handle) -> i32;
    }

    /// A job object; processes assigned to it, and the processes they start, end together.
    pub struct Job(Handle);

    // A job's handle may be used from any thread.
    unsafe impl Send for Job {}
    unsafe impl Sync for Job {}

    impl Job {
        pub fn new() -> Self {
            // SAFETY: no attributes, no name; a null answer is checked.
            let job = unsafe { CreateJobObjectW(std::ptr::null_mut(), std::ptr::null()) };
            assert!(
                !job.is_null(),
                "CreateJobObjectW: {}",
                std::io::Error::last_os_error()
            );
            Job(job)
        }

        pub fn assign(&self, child: &std::process::Child) {
            // SAFETY: both handles are open: the job's until drop, the child's as long as
            // `child` lives.
            let ok = unsafe { AssignProcessToJobObject(self.0, child.as_raw_handle() as Handle) };
            assert!(
                ok != 0,
                "AssignProcessToJobObject: {}",
                std::io::Error::last_os_error()
            );
        }

        pub fn terminate(&self) {
            // SAFETY: the job's handle is open until drop.
            let ok = unsafe { TerminateJobObject(self.0, 137) };
            assert!(
                ok != 0,
                "TerminateJobObject: {}",
                std::io::Error::last_os_error()
            );
        }
    }

    impl Drop for Job {
        fn drop(&mut self) {
            // SAFETY: the handle came from CreateJobObjectW and is closed once, here.
            unsafe { CloseHandle(self.0) };
        }
    }
}
