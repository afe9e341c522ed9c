//! A headless Chromium driven over the W3C WebDriver protocol (Debian's
//! `chromium` and `chromium-driver`): what a real browser lets a page read
//! is the only proof that CORS answers are right, so the browser tests ask
//! one. The protocol is a handful of JSON requests; written here on reqwest
//! rather than pulling a WebDriver client crate.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Why no browser could be started, for the skip message.
pub fn unavailable() -> Option<String> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        return Some(format!(
            "{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver; .ci/run installs them)"
        ));
    }
    None
}

/// A chromedriver process and one headless browser session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session
    /// with a fresh profile and no background networking (this machine has
    /// no internet).
    pub async fn start() -> Result<Browser, String> {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let profile = std::env::temp_dir().join(format!("apishield-chromium-{}-{port}", std::process::id()));
        let mut browser = Browser { driver, base, session: String::new(), http, profile };
        for _ in 0..100 {
            if browser.http.get(format!("{}/status", browser.base)).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", browser.profile.display()),
                ],
            },
        }}});
        let answer = browser.command("POST", "session", capabilities).await?;
        browser.session = answer["sessionId"].as_str().ok_or_else(|| format!("no session: {answer}"))?.to_owned();
        Ok(browser)
    }

    async fn command(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}/{path}", self.base);
        let request = match method {
            "POST" => self.http.post(url).json(&body),
            "DELETE" => self.http.delete(url),
            _ => self.http.get(url),
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        let answer: Value = response.json().await.map_err(|e| e.to_string())?;
        match answer.get("value") {
            // An error is a non-2xx answer whose value says it; a script's own
            // result may well have an `error` member.
            Some(value) if !ok => Err(format!("webdriver: {value}")),
            Some(value) => Ok(value.clone()),
            None => Err(format!("webdriver: {answer}")),
        }
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) -> Result<(), String> {
        self.command("POST", &format!("session/{}/url", self.session), json!({ "url": url })).await.map(drop)
    }

    /// Runs `script` as the body of an async function in the page; its
    /// last argument is the callback that returns a value.
    pub async fn run_async(&self, script: &str) -> Result<Value, String> {
        self.command(
            "POST",
            &format!("session/{}/execute/async", self.session),
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let _ = self.command("DELETE", &format!("session/{}", self.session), Value::Null).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
