//! nginx in front of the real server, configured by the repository's own
//! `server/deploy/nginx/agentcast.conf`: its addresses, name and certificate are swapped for a
//! test's (each swap must find its line, so the test follows the file), the rest is used as
//! it is, under a minimal main configuration of its own in a temp directory.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

use crate::certificate::TestCert;

/// The deployment example, relative to the workspace root.
pub const SITE_CONF: &str = "server/deploy/nginx/agentcast.conf";
/// How long nginx may take to listen.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running nginx; stopped when dropped.
pub struct Nginx {
    child: Child,
    /// The https address (the example's `listen 443 ssl`).
    pub https: SocketAddr,
    /// The plain http address (the example's `listen 80`, a redirect).
    pub http: SocketAddr,
    dir: PathBuf,
}

/// A free port on 127.0.0.1 (the listener is dropped; nginx binds it right after).
fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// `text` with `from` replaced by `to`, or an error if `from` is not in it.
fn swap(text: &str, from: &str, to: &str) -> anyhow::Result<String> {
    if !text.contains(from) {
        bail!("{SITE_CONF} no longer has `{from}`: update tests/src/nginx.rs with it");
    }
    Ok(text.replace(from, to))
}

/// The example with the test's upstream, addresses and certificate.
pub fn site_for(
    example: &str,
    upstream: SocketAddr,
    https: SocketAddr,
    http: SocketAddr,
    cert: &TestCert,
) -> anyhow::Result<String> {
    let site = swap(
        example,
        "server 127.0.0.1:8080;",
        &format!("server {upstream};"),
    )?;
    let site = swap(&site, "listen 443 ssl;", &format!("listen {https} ssl;"))?;
    let site = swap(&site, "listen 80;", &format!("listen {http};"))?;
    let site = swap(
        &site,
        "/etc/letsencrypt/live/agentcast.example.com/fullchain.pem",
        &cert.cert.display().to_string(),
    )?;
    swap(
        &site,
        "/etc/letsencrypt/live/agentcast.example.com/privkey.pem",
        &cert.key.display().to_string(),
    )
}

impl Nginx {
    /// nginx serving the example in `dir` in front of `upstream`, with `cert`; waits until it
    /// accepts connections.
    pub async fn start(upstream: SocketAddr, cert: &TestCert, dir: &Path) -> anyhow::Result<Nginx> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let example = std::fs::read_to_string(root.join(SITE_CONF))
            .with_context(|| format!("reading {SITE_CONF}"))?;
        let (https, http) = (free_port()?, free_port()?);
        let site = site_for(&example, upstream, https, http, cert)?;
        let site_path = dir.join("site.conf");
        std::fs::write(&site_path, site)?;
        let d = dir.display();
        // As root nginx's workers would switch to `nobody`, who cannot write the temp dirs.
        let user = if is_root() { "user root;" } else { "" };
        let main = format!(
            "{user}\ndaemon off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n\
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n\
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {};\n}}\n",
            site_path.display()
        );
        let main_path = dir.join("nginx.conf");
        std::fs::write(&main_path, main)?;
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&main_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting nginx")?;
        let mut nginx = Nginx {
            child,
            https,
            http,
            dir: dir.to_owned(),
        };
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        while tokio::net::TcpStream::connect(https).await.is_err() {
            if let Some(status) = nginx.child.try_wait()? {
                bail!("nginx exited ({status}):\n{}", nginx.error_log());
            }
            if tokio::time::Instant::now() >= deadline {
                bail!(
                    "nginx did not listen within {READY_TIMEOUT:?}:\n{}",
                    nginx.error_log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(nginx)
    }

    /// What nginx logged: where a failing test looks first.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

/// Whether this process runs as root (/proc/self belongs to the effective user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}
