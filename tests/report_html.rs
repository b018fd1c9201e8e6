//! The HTML report: structure and escaping, then a real headless Chromium that renders it,
//! checks the counts and filters from the live DOM, checks the console stays silent, and saves
//! a screenshot to reports/screenshot.png.

#![cfg(feature = "server")]

mod report_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use report_support::*;
use sessconform::report::html;
use sessconform::result::Verdict;
use sha2::{Digest, Sha256};

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The text of the element with `id="<id>"`, e.g. a count tile.
fn text_of(doc: &str, id: &str) -> String {
    let at = doc
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element with id {id}"));
    let start = at + doc[at..].find('>').unwrap() + 1;
    let end = start + doc[start..].find('<').unwrap();
    doc[start..end].to_owned()
}

#[test]
fn page_is_self_contained_and_shows_the_counts() {
    let cases = sample_cases();
    let page = html::render(&record_of(&cases, false));
    assert!(page.starts_with("<!doctype html>"));
    for (id, n) in [
        ("count-total", 7),
        ("count-passed", 2),
        ("count-failed", 2),
        ("count-errors", 1),
        ("count-skipped", 2),
        ("count-warnings", 2),
    ] {
        assert_eq!(text_of(&page, id), n.to_string(), "{id}");
    }
    assert_eq!(
        count(&page, "<details class=\"case\""),
        cases.len(),
        "a case is missing"
    );
    for r in &cases {
        assert!(
            page.contains(&format!("data-case-id=\"{}\"", html::escape(&r.id))),
            "{} missing",
            r.id
        );
    }
    // Failures and errors are expanded, the others collapsed.
    let open = count(&page, "data-verdict=\"fail\"") + count(&page, "data-verdict=\"error\"");
    assert_eq!(open, 3);
    // No network: nothing is loaded from anywhere.
    for needle in ["src=\"http", "href=\"http", "@import", "url(http", "<link "] {
        assert!(!page.contains(needle), "network reference {needle}");
    }
    // Findings point at the YAML file and line; diffs are coloured by line.
    assert!(page.contains("builtin:cases/stytch.yaml:7:15"));
    assert!(
        page.contains(
            "<span class=\"del\">-  &quot;user_id&quot;: &quot;user-test-1&quot;\n</span>"
        )
    );
    assert!(page.contains("<span class=\"add\">+  &quot;user_id&quot;"));
    // The per-suite bar and the target.
    assert!(page.contains("<tr data-suite=\"stytch-sessions\">"));
    assert!(page.contains("staging &lt;env&gt; &amp; co"));
}

#[test]
fn server_content_is_escaped_and_only_our_script_may_run() {
    let page = html::render(&sample_record());
    assert_eq!(count(&page, "<script>"), 1, "exactly one script element");
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>not found</b>"));
    assert!(page.contains("&lt;b&gt;not found&lt;/b&gt;"));
    assert!(!page.contains('\x1b'));
    assert!(!page.contains('\u{0}'));
    // The CSP pins the inline script by hash.
    let start = page.rfind("<script>").unwrap() + "<script>".len();
    let end = page.rfind("</script>").unwrap();
    let hash = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(&page.as_bytes()[start..end]));
    assert!(
        page.contains(&format!("script-src 'sha256-{hash}'")),
        "CSP hash does not match the script"
    );
    assert!(page.contains("default-src 'none'"));
}

#[test]
fn interrupted_report_says_so() {
    let page = html::render(&record_of(&sample_cases()[..3], true));
    assert!(page.contains("id=\"interrupted\""));
    let page = html::render(&sample_record());
    assert!(!page.contains("id=\"interrupted\""));
}

struct Chromium {
    bin: &'static str,
}

impl Chromium {
    fn find() -> Option<Self> {
        for bin in ["chromium", "chromium-browser", "google-chrome"] {
            if Command::new(bin)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                return Some(Self { bin });
            }
        }
        // Reports the skip (or fails under SESSCONFORM_REQUIRE_REPORT_TOOLS).
        tool_available("chromium", "--version", "the HTML report in a real browser");
        None
    }

    /// Runs headless Chromium with `args` on `url`; returns (stdout, console lines).
    fn run(&self, url: &str, args: &[&str]) -> (String, Vec<String>) {
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(self.bin)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .arg(url)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "chromium failed: {stderr}");
        let console = stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
            .map(str::to_owned)
            .collect();
        (String::from_utf8_lossy(&out.stdout).into_owned(), console)
    }
}

fn file_url(path: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", path.display())
}

fn visible_cases(dom: &str) -> Vec<String> {
    dom.split("<details class=\"case\"")
        .skip(1)
        .filter_map(|chunk| {
            let tag = &chunk[..chunk.find('>').unwrap()];
            if tag.contains(" hidden") {
                return None;
            }
            let v = tag.split("data-verdict=\"").nth(1)?;
            Some(v[..v.find('"').unwrap()].to_owned())
        })
        .collect()
}

#[test]
fn renders_in_headless_chromium_with_counts_filters_and_no_console_errors() {
    let Some(chromium) = Chromium::find() else {
        return;
    };
    let cases = sample_cases();
    let dir = tempfile::tempdir().unwrap();
    let page = write(
        dir.path(),
        "index.html",
        &html::render(&record_of(&cases, false)),
    );

    // 1. The failures view, selected through the URL fragment.
    let (dom, console) = chromium.run(&file_url(&page, "#verdict=fail"), &["--dump-dom"]);
    assert!(
        console.is_empty(),
        "the page logged to the console: {console:#?}"
    );
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish: {dom}"
    );
    assert!(
        !dom.contains("data-js-errors=\""),
        "JS errors: {}",
        text_of(&dom, "js-errors")
    );
    for (id, n) in [
        ("count-total", cases.len()),
        ("count-passed", 2),
        ("count-failed", 2),
        ("count-errors", 1),
        ("count-skipped", 2),
    ] {
        assert_eq!(
            text_of(&dom, id),
            n.to_string(),
            "{id} in the rendered page"
        );
    }
    let fails = cases.iter().filter(|c| c.verdict == Verdict::Fail).count();
    assert_eq!(visible_cases(&dom), vec!["fail".to_owned(); fails]);
    assert_eq!(count(&dom, "<details class=\"case\""), cases.len());
    assert_eq!(
        text_of(&dom, "shown-count"),
        format!("{fails} of {} cases shown", cases.len())
    );
    // Hostile server content stayed text: no element, no attribute, no title change.
    assert!(!dom.contains("<img"), "server markup became an element");
    assert!(!dom.contains("data-pwned=\"1\""), "server script ran");
    assert!(!dom.contains("<title>pwned"), "server script ran");

    // 2. Suite and text filters together.
    let (dom, console) = chromium.run(
        &file_url(&page, "#suite=clerk-sessions&q=REFUSED"),
        &["--dump-dom"],
    );
    assert!(console.is_empty(), "{console:#?}");
    assert_eq!(visible_cases(&dom), ["error"]);

    // 3. A screenshot of a run with failures (without the hostile payload).
    let mut demo = record_of(&demo_cases(), false);
    demo.info.target = "staging".to_owned();
    let shot_page = write(dir.path(), "demo.html", &html::render(&demo));
    let shots = repo_root().join("reports");
    std::fs::create_dir_all(&shots).unwrap();
    let shot: PathBuf = shots.join("screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let (_, console) = chromium.run(
        &file_url(&shot_page, ""),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,1500",
        ],
    );
    assert!(console.is_empty(), "{console:#?}");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "not a real screenshot"
    );
}

/// 100,000 cases (50 failing) streamed through the file reporter: the page stays small (bounded
/// by the failures: passing cases beyond the first 1,000 are rolled up per suite), opens in
/// headless Chromium, and its failure filter shows exactly the failures.
#[test]
fn hundred_thousand_cases_stay_small_and_the_filter_shows_the_failures() {
    use sessconform::report::{FileReporter, ReportFormat, Reporter};
    use sessconform::result::{Counts, Event, RunSummary};

    let samples = sample_cases();
    let pass = samples
        .iter()
        .find(|c| c.verdict == Verdict::Pass && c.warnings().next().is_none())
        .unwrap();
    let fail = samples.iter().find(|c| c.verdict == Verdict::Fail).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut files = FileReporter::new();
    files.add_dir(dir.path());
    let total = 100_000;
    files.on_event(&Event::RunStarted(info(total)));
    let mut counts = Counts::default();
    for i in 0..total {
        let mut r = if i % 2000 == 1999 { fail } else { pass }.clone();
        r.suite = if i < total / 2 { "alpha" } else { "beta" }.to_owned();
        r.case = format!("case {i}");
        r.id = format!("{}::{}", r.suite, r.case);
        counts.add(&r);
        files.on_event(&Event::CaseFinished(Box::new(r)));
    }
    assert_eq!(counts.failed, 50);
    files.on_event(&Event::RunFinished(RunSummary {
        counts,
        duration: std::time::Duration::from_secs(5),
        interrupted: false,
    }));
    files.finish().unwrap();

    let page_path = dir.path().join(ReportFormat::Html.file_name());
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(page.len() < 2_000_000, "HTML is {} bytes", page.len());
    assert!(page.contains("id=\"count-total\">100000<"));
    assert_eq!(count(&page, "<details class=\"case\""), 1000 + 50);
    assert_eq!(count(&page, "data-rolled-up="), 2, "one rollup per suite");
    // The other reports list every case; passing ones without their exchange.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["total"], total);
    assert_eq!(json["cases"].as_array().unwrap().len(), total);
    assert_eq!(json["cases"][0].get("exchanges"), None);
    assert!(
        !json["cases"][1999]["exchanges"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert_eq!(count(&xml, "<testcase "), total);
    assert_eq!(count(&xml, "<failure "), 50);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "spool files left: {leftovers:?}");

    let Some(chromium) = Chromium::find() else {
        return;
    };
    let (dom, console) = chromium.run(&file_url(&page_path, "#verdict=fail"), &["--dump-dom"]);
    assert!(console.is_empty(), "{console:#?}");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish"
    );
    assert_eq!(visible_cases(&dom), vec!["fail".to_owned(); 50]);
    let (dom, _) = chromium.run(
        &file_url(&page_path, "#verdict=fail&suite=beta"),
        &["--dump-dom"],
    );
    assert_eq!(visible_cases(&dom), vec!["fail".to_owned(); 25]);
}
