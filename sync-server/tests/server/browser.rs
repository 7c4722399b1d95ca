//! The supervisors' web pages in a real browser: Debian's `chromium`, headless, driven through
//! `chromedriver` with plain WebDriver HTTP calls (no client crate: a dozen JSON requests).
//! Starts the real `beatbook-server serve --demo` binary on a free port, reads the demo
//! sergeant's sign-in code from what it prints, signs in by typing the code, and checks the
//! team-today page, approves one SARA stage move and sends one back, marks review items, shows
//! personal details with a reason and finds the consultation in the audit view, checks the
//! report's charts, the map and the printed PDF, that axe-core finds no WCAG 2.x A/AA
//! violation on any page, and that the browser logged no error; screenshots go to `target/web-screenshots/`.
//!
//! Every wait is a condition: the server's printed lines, chromedriver's ready line, and the
//! WebDriver implicit wait for an element of the next page. No sleeps.
//!
//! Without `chromedriver` on the PATH the test says so and passes, unless
//! `BEATBOOK_REQUIRE_BROWSER=1` (set by `scripts/test.sh`, which installs it). Under libfaketime
//! (`scripts/test-clock-ahead.sh`, which sets `FAKETIME`) it is skipped: the preload would be
//! inherited by chromium, and nothing in the test reads a fixed date.

use crate::common::KillOnDrop;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{ChildStdout, Command, Stdio};
use std::time::Duration;

/// axe-core, vendored (see `vendor/README.md`).
const AXE: &str = include_str!("vendor/axe-4.14.1.min.js");

/// Reads lines until one contains `needle`; that line.
fn line_with(reader: &mut BufReader<ChildStdout>, needle: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .expect("read the child's output");
        assert!(read > 0, "the process ended before printing {needle:?}");
        if line.contains(needle) {
            return line.trim().to_owned();
        }
    }
}

fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("chromedriver"))
            .find(|p| p.is_file())
    })
}

struct Browser {
    client: Client,
    base: String,
}

impl Browser {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().expect("chromedriver answers");
        let status = response.status();
        let value: Value = response.json().expect("a WebDriver JSON answer");
        assert!(status.is_success(), "WebDriver {path}: {status} {value}");
        value["value"].clone()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
    }

    fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
    }

    /// An element by CSS selector (waiting up to the implicit timeout for it to appear).
    fn find(&self, session: &str, css: &str) -> String {
        let found = self.post(
            &format!("/session/{session}/element"),
            json!({"using": "css selector", "value": css}),
        );
        found["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    fn count(&self, session: &str, css: &str) -> usize {
        self.post(
            &format!("/session/{session}/elements"),
            json!({"using": "css selector", "value": css}),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    fn text(&self, session: &str, element: &str) -> String {
        self.get(&format!("/session/{session}/element/{element}/text"))
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// WCAG 2.x A and AA violations axe-core finds on the current page (`rule: count help`),
    /// and how many rules passed (so a run that checked nothing cannot pass unnoticed).
    fn axe(&self, session: &str) -> (Vec<String>, u64) {
        let script = format!(
            "{AXE}\n;const done = arguments[arguments.length - 1];\
             axe.run(document, {{runOnly: {{type: 'tag', values: \
             ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}}})\
             .then(r => done({{passes: r.passes.length, violations: r.violations.map(\
             v => v.id + ': ' + v.nodes.length + ' ' + v.help)}}))\
             .catch(e => done({{passes: 0, violations: ['axe failed: ' + e]}}));"
        );
        let result = self.post(
            &format!("/session/{session}/execute/async"),
            json!({"script": script, "args": []}),
        );
        let violations = result["violations"]
            .as_array()
            .map(|v| v.iter().map(|x| x.to_string()).collect())
            .unwrap_or_else(|| vec![format!("axe gave no answer: {result}")]);
        (violations, result["passes"].as_u64().unwrap_or(0))
    }

    /// The current page, screenshot saved and checked by axe-core.
    fn check(&self, session: &str, name: &str) {
        self.screenshot(session, name);
        let (violations, passes) = self.axe(session);
        assert!(violations.is_empty(), "{name}: {violations:?}");
        assert!(passes >= 5, "{name}: axe checked only {passes} rules");
    }

    fn screenshot(&self, session: &str, name: &str) {
        let shot = self.get(&format!("/session/{session}/screenshot"));
        let png = decode_base64(shot.as_str().unwrap_or_default());
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/web-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
    }
}

/// Standard base64 (what WebDriver screenshots are), without a crate for one call.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

#[test]
fn base64_decodes() {
    assert_eq!(decode_base64("aGVsbG8="), b"hello");
    assert_eq!(decode_base64("aGk="), b"hi");
}

#[test]
fn a_sergeant_signs_in_with_a_code_and_sees_the_team_and_the_report_in_chromium() {
    if std::env::var_os("FAKETIME").is_some() {
        eprintln!("under libfaketime: browser test skipped");
        return;
    }
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("BEATBOOK_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "chromedriver is required (apt-get install chromium chromium-driver)"
        );
        eprintln!("chromedriver not found: browser test skipped");
        return;
    };
    let data = crate::common::private_tempdir();
    let mut server = KillOnDrop(
        crate::common::serve_binary()
            .args(["--demo", "--data"])
            .arg(data.path())
            .spawn()
            .expect("the server starts"),
    );
    let mut out = BufReader::new(server.0.stdout.take().expect("server stdout"));
    let code_line = line_with(&mut out, "with the code ");
    let code = code_line
        .split("with the code ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a code")
        .to_owned();
    let listening = line_with(&mut out, "listening on ");
    let url = listening
        .rsplit(' ')
        .next()
        .expect("the server's address")
        .to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut driver = KillOnDrop(
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let mut driver_out = BufReader::new(driver.0.stdout.take().expect("driver stdout"));
    line_with(&mut driver_out, "started successfully");

    let profile = tempfile::tempdir().expect("browser profile");
    let browser = Browser {
        client: crate::common::http_client()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        base: format!("http://127.0.0.1:{port}"),
    };
    let created = browser.post(
        "/session",
        json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": std::env::var("BEATBOOK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1600",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}}),
    );
    let session = created["sessionId"].as_str().expect("a session").to_owned();
    browser.post(
        &format!("/session/{session}/timeouts"),
        json!({"implicit": 20000, "pageLoad": 30000, "script": 60000}),
    );

    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/")}),
    );
    let field = browser.find(&session, "#code");
    browser.check(&session, "sign-in");
    browser.post(
        &format!("/session/{session}/element/{field}/value"),
        json!({"text": code}),
    );
    let submit = browser.find(&session, "main form button[type=submit]");
    browser.post(
        &format!("/session/{session}/element/{submit}/click"),
        json!({}),
    );

    // The next page's tile appears once signed in.
    let out_now = browser.find(&session, "#patrols-out");
    let patrols_out = browser.text(&session, &out_now);
    assert!(patrols_out.parse::<u32>().is_ok(), "{patrols_out:?}");
    let heading = browser.find(&session, "main h1");
    assert_eq!(browser.text(&session, &heading), "Team today");
    assert!(browser.count(&session, "#sara-h") == 1 && browser.count(&session, "#overdue-h") == 1);
    browser.check(&session, "team-today");

    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/follow-ups")}),
    );
    let share = browser.find(&session, "#share-72h");
    assert!(browser.text(&session, &share).ends_with('%') || browser.text(&session, &share) == "–");
    browser.check(&session, "follow-ups");

    // SARA approvals: approve the first move waiting, send the next one back with a reason.
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/approvals")}),
    );
    browser.find(&session, "section.request");
    browser.check(&session, "approvals");
    let waiting = browser.count(&session, "section.request");
    assert!(waiting >= 2, "the demo has moves waiting ({waiting})");
    let approve = browser.find(&session, "section.request form.decide button");
    browser.post(
        &format!("/session/{session}/element/{approve}/click"),
        json!({}),
    );
    // Each wait names the new page's own element: the old page's may still be there.
    let done = browser.find(&session, "#done[data-done=approved]");
    assert!(browser.text(&session, &done).starts_with("Approved."));
    let reason = browser.find(&session, "section.request textarea");
    browser.post(
        &format!("/session/{session}/element/{reason}/value"),
        json!({"text": "Add what the shopkeepers' CCTV shows"}),
    );
    let send_back = browser.find(&session, "section.request form.decide + form.decide button");
    browser.post(
        &format!("/session/{session}/element/{send_back}/click"),
        json!({}),
    );
    let done = browser.find(&session, "#done[data-done=sent_back]");
    assert!(browser.text(&session, &done).starts_with("Sent back."));
    // (Counting zero elements would wait out the implicit timeout: look for what shows instead.)
    if waiting == 2 {
        browser.find(&session, "#none-waiting");
    } else {
        assert_eq!(browser.count(&session, "section.request"), waiting - 2);
    }

    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/report")}),
    );
    browser.find(&session, "#per-officer");
    let charts = browser.count(&session, "figure.chart svg");
    assert!(charts >= 4, "the report draws its charts ({charts})");
    assert!(browser.count(&session, "#headline tbody tr") >= 9);
    browser.check(&session, "report");

    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/map")}),
    );
    browser.find(&session, "#map-table");
    assert!(
        browser.count(&session, "figure.map svg path") >= 3,
        "LSOAs drawn"
    );
    browser.check(&session, "map");
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/audit")}),
    );
    browser.find(&session, "main h1");

    // Retention review: the demo sets no schedule, so nothing is due; the page still passes
    // the accessibility check.
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/retention")}),
    );
    browser.find(&session, "#none-due");
    browser.check(&session, "retention");

    // The review queue: mark the first member's items reviewed.
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/review")}),
    );
    browser.find(&session, "section.member");
    browser.check(&session, "review");
    let mark = browser.find(&session, "form.mark button");
    browser.post(
        &format!("/session/{session}/element/{mark}/click"),
        json!({}),
    );
    let done = browser.find(&session, "#done[data-done=marked]");
    assert!(browser.text(&session, &done).contains("marked reviewed"));

    // Personal details, with a reason; then the consultation is in the audit view.
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/follow-ups")}),
    );
    let why = browser.find(&session, "#justification");
    browser.post(
        &format!("/session/{session}/element/{why}/value"),
        json!({"text": "Resident rang to say nobody called back"}),
    );
    let show = browser.find(&session, "form.reveal button");
    browser.post(
        &format!("/session/{session}/element/{show}/click"),
        json!({}),
    );
    browser.find(&session, "#revealed");
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/audit")}),
    );
    let log = browser.find(&session, "#audit");
    let text = browser.text(&session, &log);
    assert!(
        text.contains("Resident rang to say nobody called back") && text.contains("review"),
        "{text}"
    );
    browser.check(&session, "audit");

    // The print view for the LAP meeting: the report printed to PDF by the browser itself.
    browser.post(
        &format!("/session/{session}/url"),
        json!({"url": format!("{url}/web/report")}),
    );
    browser.find(&session, "#per-officer");
    let pdf = decode_base64(
        browser
            .post(
                &format!("/session/{session}/print"),
                json!({"background": true}),
            )
            .as_str()
            .unwrap_or_default(),
    );
    assert!(pdf.starts_with(b"%PDF"), "the report prints");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/web-screenshots");
    std::fs::write(dir.join("report.pdf"), &pdf).expect("PDF written");

    // Nothing the pages did made the browser complain (CSP violations are console errors).
    let logs = browser.post(
        &format!("/session/{session}/se/log"),
        json!({"type": "browser"}),
    );
    let errors: Vec<&Value> = logs
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");

    let sign_out = browser.find(&session, "form.signout button");
    browser.post(
        &format!("/session/{session}/element/{sign_out}/click"),
        json!({}),
    );
    browser.find(&session, "#code");
    browser.call(
        reqwest::Method::DELETE,
        &format!("/session/{session}"),
        None,
    );
}
