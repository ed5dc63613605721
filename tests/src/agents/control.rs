//! A controlled Claude Code session for tests: the real CLI, its home, the scripted fake
//! Messages API, and `agentcast serve` whose agents run in that home against that fake
//! (`POST /api/sessions` starts `claude` in control mode).

use serde_json::json;

use super::claude::{FOREIGN_ENV, claude_env};
use super::fake_anthropic::{ClaudeScenario, FakeAnthropic, PERMISSION_FILE};
use super::home::AgentHome;
use super::{RealAgents, real_agents};
use crate::http::Api;
use crate::server::ServerProcess;

/// The real CLI, its home, the fake Messages API, and `agentcast serve` (with `args`)
/// whose agents run in that home against that fake.
pub struct ControlSetup {
    pub agents: RealAgents,
    pub home: AgentHome,
    pub fake: FakeAnthropic,
    pub server: ServerProcess,
    pub api: Api,
}

impl ControlSetup {
    /// `None` (the test skips, or fails under CI) without the real CLI.
    pub async fn new(args: &[&str]) -> Option<Self> {
        let agents = real_agents()?;
        let home = AgentHome::new().unwrap();
        let fake = FakeAnthropic::start().await.unwrap();
        let env = claude_env(&home, &fake)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        let server = ServerProcess::start_with_env(args, env, FOREIGN_ENV)
            .await
            .unwrap();
        let api = Api::new(&server.url);
        Some(Self {
            agents,
            home,
            fake,
            server,
            api,
        })
    }

    /// Starts `claude` with `prompt` in control mode (as `token`'s subject); returns the
    /// session id.
    pub async fn start(&self, prompt: &str, token: Option<&str>) -> String {
        let body = json!({"command": [self.agents.claude], "prompt": prompt,
                          "cwd": self.home.cwd});
        let started = match token {
            Some(token) => self.api.post_as("/api/sessions", token, body).await,
            None => self.api.post("/api/sessions", body).await,
        };
        assert_eq!(started.status, 201, "{}", started.text);
        started.body["session_id"].as_str().unwrap().to_owned()
    }

    /// Starts the permission scenario; returns the session id.
    pub async fn start_permission(&self, token: Option<&str>) -> String {
        self.start(&ClaudeScenario::Permission.prompt(), token)
            .await
    }

    /// Whether the permission scenario's command ran (its file exists).
    pub fn command_ran(&self) -> bool {
        self.home.cwd.join(PERMISSION_FILE).exists()
    }
}
