//! Agent processes the server starts (`POST /api/sessions`): which programs, how long a
//! stopped one gets to exit, and how long a controlled one waits for people.

use std::time::Duration;

use super::group::settings_group;
use super::values::{millis, positive, seconds};

settings_group! {
    /// What the process supervisor may start and how it stops them.
    ProcessSettings from ProcessArgs and ProcessFile, heading "Agent processes";
    /// A program `POST /api/sessions` may start (repeat for several; matched against the
    /// command as given or its file name).
    allow_commands -> allow_commands: Vec<String> {
        flag: "allow-command", env: "AGENTCAST_ALLOW_COMMANDS", value_name: "PROGRAM",
        input: Vec<String>, default: vec!["claude".to_owned()],
        clap: (value_delimiter = ','),
    }
    /// Time a stopped agent process gets between SIGTERM and SIGKILL, in ms.
    process_grace_ms -> grace: Duration {
        flag: "process-grace-ms", env: "AGENTCAST_PROCESS_GRACE_MS", value_name: "MS",
        input: u64, default: 5000, convert: millis,
    }
    /// A permission request of a controlled session that no one answers is denied after
    /// this many seconds.
    permission_timeout_s -> permission_timeout: Duration {
        flag: "permission-timeout-s", env: "AGENTCAST_PERMISSION_TIMEOUT_S", value_name: "SECONDS",
        input: u64, default: 600, check: positive, convert: seconds,
    }
    /// A controlled session that gets no prompt for this many seconds is ended.
    control_idle_timeout_s -> control_idle_timeout: Duration {
        flag: "control-idle-timeout-s", env: "AGENTCAST_CONTROL_IDLE_TIMEOUT_S",
        value_name: "SECONDS", input: u64, default: 3600, check: positive, convert: seconds,
    }
}
