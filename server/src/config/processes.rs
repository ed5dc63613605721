//! Agent processes the server starts (`POST /api/sessions`): which programs, and how long a
//! stopped one gets to exit.

use std::time::Duration;

use super::group::settings_group;
use super::values::millis;

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
}
