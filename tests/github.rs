//! `benchgate compare --github` against a stateful fake GitHub (tests/github/fake.rs):
//! the binary runs as in a workflow step, with the Actions variables set, the
//! event payloads of GitHub's webhook examples, and the fake on 127.0.0.1.

use crate::fake;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fake::{FakeGithub, HEAD_SHA, PR, REPOSITORY, TOKEN};

const MARKER: &str = "<!-- benchgate:suite=default -->";

/// What a request the fake saw was: `list`, `create`, `edit`, `delete` (of a
/// comment) or `head` (the pull request's head commit).
fn request_kind(seen: &fake::Seen) -> String {
    let kind = match (seen.method.as_str(), seen.path.contains("/pulls/")) {
        (_, true) => "head",
        ("GET", _) => "list",
        ("POST", _) => "create",
        ("PATCH", _) => "edit",
        ("DELETE", _) => "delete",
        _ => "other",
    };
    kind.to_string()
}

/// Whether a comment body is benchgate's for the default suite (its marker line
/// may name the commit).
fn is_ours(body: &str) -> bool {
    benchgate::github::is_ours(body, MARKER)
}
const REGRESSION: [&str; 2] = [
    "fixtures/tickets/baseline.jsonl",
    "fixtures/tickets/current.jsonl",
];
const PASS: [&str; 2] = [
    "fixtures/cases/aa/baseline.jsonl",
    "fixtures/cases/aa/current.jsonl",
];

/// One run of the binary and what it left behind.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    elapsed: Duration,
}

/// Reads `$GITHUB_OUTPUT`'s `name<<DELIMITER` blocks.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("name<<delimiter");
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delimiter {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

struct Step<'a> {
    api_url: &'a str,
    event: &'a str,
    /// The pull request's head commit in the event, when not the example's.
    head: Option<&'a str>,
    inputs: [&'a str; 2],
    token: &'a str,
    args: &'a [&'a str],
    /// Runs `benchgate monitor` on the monitor fixture's logs instead of `compare`.
    monitor: bool,
}

impl Default for Step<'_> {
    fn default() -> Self {
        Step {
            api_url: "",
            event: "pull_request.opened.json",
            head: None,
            inputs: REGRESSION,
            token: TOKEN,
            args: &[],
            monitor: false,
        }
    }
}

fn run_step(step: &Step<'_>) -> Run {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    let output = dir.path().join("output");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchgate"));
    cmd.current_dir(root);
    // The tests may themselves run inside GitHub Actions: start from none of its variables.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k.starts_with("ACTIONS_") {
            cmd.env_remove(k);
        }
    }
    let event_name = step.event.split('.').next().unwrap_or_default();
    let mut event_path = Path::new(root).join("tests/github/events").join(step.event);
    if let Some(head) = step.head {
        let text = std::fs::read_to_string(&event_path).expect("event");
        let mut event: serde_json::Value = serde_json::from_str(&text).expect("event JSON");
        event["pull_request"]["head"]["sha"] = serde_json::json!(head);
        event_path = dir.path().join("event.json");
        std::fs::write(&event_path, event.to_string()).expect("write event");
    }
    cmd.env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", REPOSITORY)
        .env("GITHUB_API_URL", step.api_url)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_SHA", "ec26c3e57ca3a959ca5aad62de7213c562f8c821")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_TEMP", dir.path())
        .env("GITHUB_TOKEN", step.token)
        .env("NO_COLOR", "1");
    if step.monitor {
        cmd.args([
            "monitor",
            "--logs",
            "fixtures/monitor/logs.jsonl",
            "--quiet",
        ]);
    } else {
        cmd.args([
            "compare",
            "--baseline",
            step.inputs[0],
            "--current",
            step.inputs[1],
        ]);
    }
    cmd.args(["--resamples", "2000", "--github", "--verbose"])
        .args(step.args);
    if !step.args.contains(&"--github-timeout") {
        cmd.args(["--github-timeout", "20"]);
    }
    let t0 = Instant::now();
    let out = cmd.output().expect("run benchgate");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: parse_outputs(&std::fs::read_to_string(&output).unwrap_or_default()),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        elapsed: t0.elapsed(),
    };
    for text in [&run.stdout, &run.stderr, &run.summary] {
        assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
    }
    assert!(
        !format!("{:?}", run.outputs).contains(TOKEN),
        "the token is in the outputs"
    );
    run
}

/// Runs the binary off the async test's threads (the fake serves on its own).
async fn run(step: Step<'static>) -> Run {
    tokio::task::spawn_blocking(move || run_step(&step))
        .await
        .expect("join")
}

fn api(fake: &FakeGithub) -> &'static str {
    Box::leak(fake.api_url.clone().into_boxed_str())
}

fn assert_clean(fake: &FakeGithub) {
    let violations = fake.state().violations.clone();
    assert!(
        violations.is_empty(),
        "violations of GitHub's description: {violations:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_creates_and_second_run_edits_in_place() {
    // GitHub Enterprise's path prefix, as GITHUB_API_URL gives it.
    let (_server, fake) = FakeGithub::start("/api/v3").await;
    let first = run(Step {
        api_url: api(&fake),
        args: &["--comment", "always"],
        ..Step::default()
    })
    .await;
    assert_eq!(
        first.code, 1,
        "the regression fails the gate:\n{}",
        first.stderr
    );
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1);
    assert!(is_ours(&bodies[0]), "{}", bodies[0]);
    assert!(bodies[0].contains(
        "[workflow run 4242](https://github.com/Codertocat/Hello-World/actions/runs/4242)"
    ));
    let id = fake.state().comments[0]["id"].as_u64().expect("id");
    let url = format!("https://github.com/{REPOSITORY}/pull/{PR}#issuecomment-{id}");
    assert_eq!(first.outputs["comment-url"], url);
    assert_eq!(first.outputs["verdict"], "fail");
    assert_eq!(
        first.outputs["regressions"], "2",
        "f1 and judge regressed (one-sided, at the full alpha shared by Holm)"
    );
    assert!(
        first.stderr.contains("PR comment created"),
        "{}",
        first.stderr
    );

    let second = run(Step {
        api_url: api(&fake),
        args: &["--comment", "always"],
        ..Step::default()
    })
    .await;
    assert_eq!(second.code, 1);
    assert_eq!(fake.bodies().len(), 1, "one comment, never two");
    assert_eq!(fake.state().comments[0]["id"].as_u64(), Some(id));
    assert_eq!(fake.count("POST"), 1);
    assert_eq!(fake.count("PATCH"), 1, "edited in place with PATCH");
    assert!(fake
        .state()
        .seen
        .iter()
        .all(|s| s.path.starts_with("/api/v3/")));
    assert_eq!(second.outputs["comment-url"], url);
    assert!(
        second.stderr.contains("PR comment updated"),
        "{}",
        second.stderr
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn on_change_leaves_an_unchanged_comment_alone() {
    let (_server, fake) = FakeGithub::start("").await;
    let step = || Step {
        api_url: api(&fake),
        event: "pull_request.synchronize.json",
        ..Step::default()
    };
    run(step()).await;
    let second = run(step()).await;
    assert_eq!(fake.count("POST"), 1);
    assert_eq!(fake.count("PATCH"), 0, "an unchanged report is left alone");
    assert!(
        second.stderr.contains("PR comment unchanged"),
        "{}",
        second.stderr
    );
    assert!(!second.outputs["comment-url"].is_empty());

    // A different report edits the same comment.
    let third = run(Step {
        inputs: PASS,
        ..step()
    })
    .await;
    assert_eq!(third.code, 0);
    assert_eq!(fake.count("PATCH"), 1);
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("passed"), "{}", bodies[0]);
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn finds_its_comment_past_the_first_hundred() {
    let (_server, fake) = FakeGithub::start("").await;
    for i in 0..230 {
        fake.add_foreign(&format!("comment {i}"));
    }
    let ours = fake.add_bot(&format!("{MARKER}\nan old report"));
    for i in 0..20 {
        fake.add_foreign(&format!("later comment {i}"));
    }
    let before = fake.bodies();
    let run = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    let pages: Vec<String> = fake
        .state()
        .seen
        .iter()
        .filter(|s| request_kind(s) == "list")
        .map(|s| s.path.clone())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages[0].ends_with("/issues/2/comments?per_page=100"),
        "{pages:?}"
    );
    assert!(pages[2].ends_with("page=3"), "{pages:?}");
    assert_eq!(fake.count("POST"), 0);
    assert_eq!(fake.count("PATCH"), 1);
    let after = fake.bodies();
    assert_eq!(after.len(), 251);
    for (i, (a, b)) in before.iter().zip(&after).enumerate() {
        if i != 230 {
            assert_eq!(a, b);
        }
    }
    assert!(is_ours(&after[230]) && after[230] != before[230]);
    assert!(run.outputs["comment-url"].ends_with(&format!("-{ours}")));
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn foreign_comments_are_never_touched() {
    let (_server, fake) = FakeGithub::start("").await;
    let foreign = [
        "We should try benchgate on this PR.".to_string(),
        format!("Quoting the bot:\n> {MARKER}\n> benchgate · default — passed"),
        format!("benchgate says hi {MARKER}"),
        "<!-- benchgate:suite=default-2 -->\nanother suite's report".to_string(),
    ];
    for body in &foreign {
        fake.add_foreign(body);
    }
    // Even the bot's comment of another suite is not ours.
    fake.add_bot("<!-- benchgate:suite=nightly -->\nnightly report");
    let run = run(Step {
        api_url: api(&fake),
        args: &["--comment", "always"],
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(fake.count("PATCH"), 0);
    assert_eq!(fake.count("POST"), 1);
    let bodies = fake.bodies();
    assert_eq!(&bodies[..4], &foreign[..]);
    assert_eq!(
        bodies[4],
        "<!-- benchgate:suite=nightly -->\nnightly report"
    );
    assert!(is_ours(&bodies[5]));
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn next_links_to_other_hosts_are_not_followed() {
    let (elsewhere, _other) = FakeGithub::start("").await;
    let (_server, fake) = FakeGithub::start("").await;
    fake.add_foreign("first page");
    fake.state().foreign_next = Some(elsewhere.uri());
    let run = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    let leaked = elsewhere.received_requests().await.unwrap_or_default();
    assert!(
        leaked.is_empty(),
        "followed a link off the API host: {leaked:?}"
    );
    assert!(
        run.stderr.contains("not following a next-page link"),
        "{}",
        run.stderr
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_token_warns_and_keeps_the_verdict() {
    let (_server, fake) = FakeGithub::start("").await;
    fake.state().read_only = true;
    for (inputs, code, verdict) in [(REGRESSION, 1, "fail"), (PASS, 0, "pass")] {
        let run = run(Step {
            api_url: api(&fake),
            inputs,
            ..Step::default()
        })
        .await;
        assert_eq!(run.code, code, "{}", run.stderr);
        let warning = run
            .stdout
            .lines()
            .find(|l| l.starts_with("::warning"))
            .expect("a warning");
        assert!(warning.contains("HTTP 403"), "{warning}");
        assert!(
            warning.contains("permissions: pull-requests: write"),
            "{warning}"
        );
        assert!(
            run.summary.starts_with(MARKER),
            "the summary is still written"
        );
        assert_eq!(run.outputs["verdict"], verdict);
        assert_eq!(run.outputs["comment-url"], "");
    }
    assert!(fake.bodies().is_empty());
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_is_retried() {
    let (_server, fake) = FakeGithub::start("").await;
    fake.state()
        .fail_next
        .push_back((500, vec![], "Server Error".into()));
    let run = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    let statuses: Vec<(String, u16)> = fake
        .state()
        .seen
        .iter()
        .map(|s| (request_kind(s), s.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("list".into(), 500),
            ("list".into(), 200),
            ("head".into(), 200),
            ("create".into(), 201),
            ("list".into(), 200)
        ],
        "the listing is retried; after the create the comments are listed again (a racing run's duplicate)"
    );
    assert!(run.stderr.contains("retrying in"), "{}", run.stderr);
    assert_eq!(fake.bodies().len(), 1);
    assert!(!run.outputs["comment-url"].is_empty());
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_gateway_after_an_applied_create_still_leaves_one_comment() {
    let (_server, fake) = FakeGithub::start("").await;
    fake.state().apply_then_502 = 1;
    let run = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(fake.bodies().len(), 1, "one comment, never two");
    let requests: Vec<String> = fake.state().seen.iter().map(request_kind).collect();
    assert_eq!(
        requests,
        ["list", "head", "create", "list"],
        "listed again before creating"
    );
    let id = fake.state().comments[0]["id"].as_u64().expect("id");
    assert!(run.outputs["comment-url"].ends_with(&format!("-{id}")));
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secondary_rate_limit_is_waited_out() {
    let (_server, fake) = FakeGithub::start("").await;
    fake.state().fail_next.push_back((
        403,
        vec![("retry-after".into(), "1".into())],
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            .into(),
    ));
    let run = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("retrying in 1.0 s"), "{}", run.stderr);
    assert_eq!(fake.bodies().len(), 1);
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_request_times_out_and_is_retried() {
    let (_server, fake) = FakeGithub::start("").await;
    // --github-timeout 6 gives each request 2 s.
    fake.state().delay_next = Some(Duration::from_secs(5));
    let run = run(Step {
        api_url: api(&fake),
        args: &["--github-timeout", "6"],
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("timed out after"), "{}", run.stderr);
    assert!(run.stderr.contains("PR comment created"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(6), "{:?}", run.elapsed);
    assert_eq!(fake.bodies().len(), 1);
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_are_bounded_in_count_and_time() {
    let (_server, fake) = FakeGithub::start("").await;
    fake.state().fail_always = Some(503);
    let run = run(Step {
        api_url: api(&fake),
        inputs: PASS,
        args: &["--github-timeout", "4"],
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 0, "the verdict's exit code, whatever GitHub does");
    let requests = fake.state().seen.len();
    assert!((2..=5).contains(&requests), "{requests} requests");
    assert!(run.elapsed < Duration::from_secs(15), "{:?}", run.elapsed);
    let warning = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning"))
        .expect("a warning");
    assert!(warning.contains("gave up after"), "{warning}");
    assert_eq!(run.outputs["comment-url"], "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_is_a_clear_error_with_exit_code_2() {
    let (_server, fake) = FakeGithub::start("").await;
    let run = run(Step {
        api_url: api(&fake),
        token: "ghp_wrongwrongwrong",
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("HTTP 401: Bad credentials"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("github-token"), "{}", run.stderr);
    assert!(!run.stderr.contains("ghp_wrongwrongwrong"));
    assert!(!run.stdout.contains("ghp_wrongwrongwrong"));
    // Everything but the comment is still there for the job.
    assert!(run.summary.starts_with(MARKER));
    assert_eq!(run.outputs["verdict"], "fail");
    assert!(fake.bodies().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn push_and_dispatch_runs_write_the_summary_and_outputs_only() {
    let (_server, fake) = FakeGithub::start("").await;
    for event in ["push.json", "workflow_dispatch.json"] {
        let run = run(Step {
            api_url: api(&fake),
            event,
            ..Step::default()
        })
        .await;
        assert_eq!(run.code, 1);
        assert!(run.summary.starts_with(MARKER));
        assert_eq!(run.outputs["verdict"], "fail");
        assert_eq!(run.outputs["comment-url"], "");
        let json = std::fs::metadata(&run.outputs["report-json"]);
        assert!(
            json.is_err(),
            "the report lived in the run's temporary directory"
        );
    }
    // `--comment never` on a pull request makes no call either.
    run(Step {
        api_url: api(&fake),
        args: &["--comment", "never"],
        ..Step::default()
    })
    .await;
    assert!(fake.state().seen.is_empty(), "no API call");
}

#[tokio::test(flavor = "multi_thread")]
async fn annotations_outputs_and_summary_describe_the_report() {
    let (_server, fake) = FakeGithub::start("").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let json_out = dir.path().join("report.json");
    let json_arg: &'static str = Box::leak(json_out.display().to_string().into_boxed_str());
    let args: &'static [&'static str] = Box::leak(Box::new(["--json-out", json_arg]));
    let run = run(Step {
        api_url: api(&fake),
        args,
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 1);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert!(
        errors
            .iter()
            .any(|l| l.starts_with("::error title=benchgate · default::f1 regressed: ")),
        "{errors:?}"
    );
    assert!(errors.iter().all(|l| !l.contains('\r')));
    // The report itself is printed with workflow commands stopped.
    let stop = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("::stop-commands::"))
        .expect("stop-commands");
    assert!(run.stdout.contains(&format!("::{stop}::")));
    assert_eq!(run.outputs["report-json"], json_out.display().to_string());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).expect("json")).expect("parse");
    assert_eq!(report["verdict"], "fail");
    assert_eq!(run.outputs["improvements"], "1", "latency_ms improved");
    assert!(run.summary.contains("| f1 |"), "{}", run.summary);
    assert_clean(&fake);
}

#[test]
fn github_settings_need_github() {
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["compare", "--baseline", PASS[0], "--current", PASS[1]])
        .args(["--comment", "always"])
        .output()
        .expect("run benchgate");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--github"), "{stderr}");
}

/// A TCP front for the fake that resets the first `resets` connections and
/// forwards the rest. A connection is closed with the request unread, which
/// makes the kernel answer with a reset (RST), as a dropped proxy would.
fn reset_front(upstream: &str, resets: usize) -> &'static str {
    use std::io::Write as _;
    use std::net::{Shutdown, TcpListener, TcpStream};
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let mut left = resets;
        for client in listener.incoming() {
            let Ok(mut client) = client else { break };
            if left > 0 {
                left -= 1;
                let mut first = [0u8; 1];
                let _ = client.peek(&mut first);
                drop(client);
                continue;
            }
            let Ok(mut server) = TcpStream::connect(&upstream) else {
                break;
            };
            let (Ok(mut client2), Ok(mut server2)) = (client.try_clone(), server.try_clone())
            else {
                break;
            };
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut client2, &mut server2);
                let _ = server2.shutdown(Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.flush();
                let _ = client.shutdown(Shutdown::Write);
            });
        }
    });
    Box::leak(format!("http://{addr}").into_boxed_str())
}

/// One fault of the matrix and what the run must end with.
struct Fault {
    name: &'static str,
    /// Arranges the fake (and its existing comments).
    setup: fn(&FakeGithub),
    /// Connections to reset before any reaches the fake.
    resets: usize,
    inputs: [&'static str; 2],
    token: &'static str,
    /// `--github-timeout`, seconds.
    timeout: u64,
    /// The exit code the data (or a configuration error) decides.
    code: i32,
    /// benchgate comments on the PR at the end.
    comments: usize,
    /// What stdout or stderr must say.
    says: &'static str,
}

fn canned(status: u16, headers: &[(&str, &str)], message: &str) -> fake::Canned {
    let headers = headers
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    (status, headers, message.to_string())
}

const SECONDARY: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

fn faults() -> Vec<Fault> {
    let base = Fault {
        name: "",
        setup: |_| {},
        resets: 0,
        inputs: REGRESSION,
        token: TOKEN,
        timeout: 20,
        code: 1,
        comments: 1,
        says: "PR comment created",
    };
    let gave_up = Fault {
        timeout: 4,
        comments: 0,
        says: "gave up after",
        ..base
    };
    vec![
        Fault {
            name: "500 once",
            setup: |f| {
                f.state()
                    .fail_next
                    .push_back(canned(500, &[], "Server Error"))
            },
            ..base
        },
        Fault {
            name: "500 always (passing data)",
            setup: |f| f.state().fail_always = Some(500),
            inputs: PASS,
            code: 0,
            ..gave_up
        },
        Fault {
            name: "502 after the create was applied",
            setup: |f| f.state().apply_then_502 = 1,
            // Listed again, found as posted: nothing more to do.
            says: "PR comment unchanged",
            ..base
        },
        Fault {
            name: "502 after the create was applied, twice",
            setup: |f| f.state().apply_then_502 = 2,
            says: "PR comment unchanged",
            ..base
        },
        Fault {
            name: "502 on the edit of an existing comment",
            setup: |f| {
                f.add_bot(&format!("{MARKER}\nan old report"));
                let mut s = f.state();
                s.fail_only = Some("PATCH");
                s.fail_next.push_back(canned(502, &[], "Bad Gateway"));
            },
            says: "PR comment updated",
            ..base
        },
        Fault {
            name: "503 on listing, twice",
            setup: |f| {
                let mut s = f.state();
                s.fail_only = Some("GET");
                s.fail_next
                    .push_back(canned(503, &[], "Service Unavailable"));
                s.fail_next
                    .push_back(canned(503, &[], "Service Unavailable"));
            },
            ..base
        },
        Fault {
            name: "503 on listing, always",
            setup: |f| {
                let mut s = f.state();
                s.fail_only = Some("GET");
                s.fail_always = Some(503);
            },
            ..gave_up
        },
        Fault {
            name: "connection reset once",
            resets: 1,
            ..base
        },
        Fault {
            name: "connection reset, always",
            resets: usize::MAX,
            ..gave_up
        },
        Fault {
            name: "a response slower than the request timeout, once",
            setup: |f| f.state().delay_next = Some(Duration::from_secs(5)),
            timeout: 6,
            ..base
        },
        Fault {
            name: "every response slower than the timeout",
            setup: |f| f.state().delay_always = Some(Duration::from_secs(30)),
            ..gave_up
        },
        Fault {
            name: "403 secondary rate limit, Retry-After 1",
            setup: |f| {
                f.state()
                    .fail_next
                    .push_back(canned(403, &[("retry-after", "1")], SECONDARY));
            },
            ..base
        },
        Fault {
            name: "403 secondary rate limit, Retry-After past the timeout",
            setup: |f| {
                f.state()
                    .fail_next
                    .push_back(canned(403, &[("retry-after", "120")], SECONDARY));
            },
            says: "past --github-timeout",
            ..gave_up
        },
        Fault {
            name: "401 bad token",
            token: "ghp_wrongwrongwrong",
            code: 2,
            comments: 0,
            says: "HTTP 401: Bad credentials",
            ..base
        },
        Fault {
            name: "404 for the pull request",
            setup: |f| f.state().missing_pr = true,
            comments: 0,
            says: "HTTP 404",
            ..base
        },
    ]
}

/// Every fault ends with at most one benchgate comment, a clear message, the
/// exit code the data decides (2 for a rejected token), and within
/// `--github-timeout` (plus the run's own work).
#[tokio::test(flavor = "multi_thread")]
async fn fault_matrix() {
    let mut runs = tokio::task::JoinSet::new();
    for fault in faults() {
        let (server, fake) = FakeGithub::start("").await;
        (fault.setup)(&fake);
        let api_url = if fault.resets > 0 {
            reset_front(&fake.api_url, fault.resets)
        } else {
            api(&fake)
        };
        let timeout: &'static str = Box::leak(fault.timeout.to_string().into_boxed_str());
        let args: &'static [&'static str] = Box::leak(Box::new(["--github-timeout", timeout]));
        let step = Step {
            api_url,
            inputs: fault.inputs,
            token: fault.token,
            args,
            ..Step::default()
        };
        runs.spawn(async move {
            let run = run(step).await;
            drop(server);
            (fault, fake, run)
        });
    }
    let mut table = Vec::new();
    let mut failures = Vec::new();
    while let Some(done) = runs.join_next().await {
        let (fault, fake, run) = done.expect("join");
        let ours = fake.bodies().iter().filter(|b| is_ours(b)).count();
        let said = format!("{}\n{}", run.stdout, run.stderr);
        let bound = Duration::from_secs(fault.timeout + 5);
        let mut wrong = Vec::new();
        if run.code != fault.code {
            wrong.push(format!("exit code {} (want {})", run.code, fault.code));
        }
        if ours != fault.comments {
            wrong.push(format!("{ours} comments (want {})", fault.comments));
        }
        if !said.contains(fault.says) {
            wrong.push(format!("does not say {:?}", fault.says));
        }
        if run.elapsed > bound {
            wrong.push(format!("took {:?} (bound {bound:?})", run.elapsed));
        }
        if !fake.state().violations.is_empty() {
            wrong.push(format!("violations {:?}", fake.state().violations));
        }
        let outcome = match (run.code, ours) {
            (2, _) => "exit 2, configuration error",
            (_, 1) => "recovered, one comment",
            _ => "warned, no comment",
        };
        let message = said
            .lines()
            .find(|l| l.starts_with("::warning") || l.starts_with("error:"))
            .unwrap_or("")
            .chars()
            .take(400)
            .collect::<String>();
        table.push(format!(
            "{:<55} requests {:>2}  exit {}  {:<28} {:>5.1} s  {message}",
            fault.name,
            fake.state().seen.len(),
            run.code,
            outcome,
            run.elapsed.as_secs_f64()
        ));
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n--- stdout\n{}\n--- stderr\n{}",
                fault.name,
                wrong.join("; "),
                run.stdout,
                run.stderr
            ));
        }
    }
    table.sort();
    eprintln!("{} faults:\n{}", table.len(), table.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// An older commit of the pull request than the head.
const OLD_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// Runs `steps` as processes started at the same moment against one fake.
async fn race(steps: Vec<Step<'static>>) -> Vec<Run> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(steps.len()));
    let handles: Vec<_> = steps
        .into_iter()
        .map(|step| {
            let barrier = barrier.clone();
            tokio::task::spawn_blocking(move || {
                barrier.wait();
                run_step(&step)
            })
        })
        .collect();
    let mut runs = Vec::new();
    for h in handles {
        runs.push(h.await.expect("join"));
    }
    runs
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_runs_leave_exactly_one_comment_with_the_head_report() {
    // Each round: two runs started at the same moment on one pull request, the
    // fake holding every response a random 0–40 ms so that their requests
    // interleave differently each round. Same commit (a re-run): both may
    // create, the oldest comment stays. Different commits (two pushes): the
    // older run must not write at all.
    const ROUNDS: usize = 40;
    let mut rounds = tokio::task::JoinSet::new();
    for round in 0..ROUNDS {
        rounds.spawn(async move {
            let (server, fake) = FakeGithub::start("").await;
            {
                let mut s = fake.state();
                s.jitter_ms = 40;
                s.seed_jitter(round as u64);
            }
            let api_url = api(&fake);
            let older = if round % 2 == 0 { HEAD_SHA } else { OLD_SHA };
            let runs = race(vec![
                Step {
                    api_url,
                    ..Step::default()
                },
                Step {
                    api_url,
                    head: Some(older),
                    inputs: PASS,
                    ..Step::default()
                },
            ])
            .await;
            let bodies = fake.bodies();
            let deletes = fake.count("DELETE");
            assert_clean(&fake);
            drop(server);
            (round, older, runs, bodies, deletes)
        });
    }
    let mut deleted = 0;
    while let Some(done) = rounds.join_next().await {
        let (round, older, runs, bodies, deletes) = done.expect("join");
        deleted += deletes;
        let ours: Vec<&String> = bodies.iter().filter(|b| is_ours(b)).collect();
        assert_eq!(
            ours.len(),
            1,
            "round {round}: {} comments\n{}\n---\n{}",
            ours.len(),
            runs[0].stderr,
            runs[1].stderr
        );
        assert_eq!(runs[0].code, 1, "the head's run regresses");
        assert_eq!(runs[1].code, 0, "the other run passes, comment or not");
        let body = ours[0];
        assert!(
            benchgate::github::commit_of(body) == Some(HEAD_SHA),
            "round {round}: {body}"
        );
        if older == OLD_SHA {
            assert!(
                body.contains("🔴 benchgate · default"),
                "round {round}: the head's report, not the older run's:\n{body}"
            );
            assert!(
                runs[1].stderr.contains("no longer the head"),
                "{}",
                runs[1].stderr
            );
            assert!(
                runs[1].summary.contains("benchgate"),
                "summary still written"
            );
        }
    }
    eprintln!("{ROUNDS} rounds, {deleted} duplicate comment(s) deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_run_finishing_later_leaves_the_newer_report() {
    let (_server, fake) = FakeGithub::start("").await;
    let newer = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(newer.code, 1);
    let before = fake.bodies();
    assert_eq!(before.len(), 1);
    let older = run(Step {
        api_url: api(&fake),
        head: Some(OLD_SHA),
        inputs: PASS,
        ..Step::default()
    })
    .await;
    assert_eq!(older.code, 0, "its own verdict");
    assert_eq!(fake.bodies(), before, "the head's report stays");
    assert_eq!(fake.count("PATCH"), 0);
    assert!(
        older.stderr.contains("no longer the head"),
        "{}",
        older.stderr
    );
    assert!(older.summary.contains("passed"), "{}", older.summary);
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn on_failure_comments_only_on_failure_and_then_says_resolved() {
    let (_server, fake) = FakeGithub::start("").await;
    let quiet: &'static [&'static str] = &["--comment", "on-failure"];
    let pass = || Step {
        api_url: api(&fake),
        inputs: PASS,
        args: quiet,
        ..Step::default()
    };
    let first = run(pass()).await;
    assert_eq!(first.code, 0);
    assert!(fake.bodies().is_empty(), "a passing run posts nothing");
    assert!(first.stderr.contains("on-failure"), "{}", first.stderr);
    assert!(
        first.summary.contains("passed"),
        "the summary has the report"
    );

    let failing = run(Step {
        api_url: api(&fake),
        args: quiet,
        ..Step::default()
    })
    .await;
    assert_eq!(failing.code, 1);
    assert_eq!(fake.bodies().len(), 1, "a failing run comments");
    assert!(fake.bodies()[0].contains("🔴 benchgate · default"));

    let fixed = run(pass()).await;
    assert_eq!(fixed.code, 0);
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1, "edited, not deleted");
    assert!(
        bodies[0].contains(&format!("resolved in {}: all metrics pass", &HEAD_SHA[..7])),
        "{}",
        bodies[0]
    );
    assert!(is_ours(&bodies[0]));
    let again = run(pass()).await;
    assert_eq!(again.code, 0);
    assert_eq!(fake.count("PATCH"), 1, "resolved once, then left alone");
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_keeps_one_comment_on_its_tracking_issue_beside_the_gates() {
    let (_server, fake) = FakeGithub::start("").await;
    // The gate's comment is on the thread already: the monitor never touches it.
    let gate = run(Step {
        api_url: api(&fake),
        ..Step::default()
    })
    .await;
    assert_eq!(gate.code, 1, "{}", gate.stderr);
    let watch = || Step {
        api_url: api(&fake),
        monitor: true,
        args: &["--issue", "2"],
        ..Step::default()
    };
    let first = run(watch()).await;
    assert_eq!(
        first.code, 1,
        "the fixture's last week is an alarm:\n{}",
        first.stderr
    );
    assert_eq!(first.outputs["alarm"], "true");
    assert!(
        first.stderr.contains("issue comment created on issue #2"),
        "{}",
        first.stderr
    );
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 2, "the gate's and the monitor's");
    let monitor: Vec<&String> = bodies
        .iter()
        .filter(|b| b.starts_with("<!-- benchgate:monitor -->\n"))
        .collect();
    assert_eq!(monitor.len(), 1, "{bodies:#?}");
    assert!(monitor[0].contains("benchgate monitor") && monitor[0].contains("ALARM"));
    assert!(monitor[0].contains("[workflow run 4242]"), "{}", monitor[0]);
    assert!(!first.outputs["comment-url"].is_empty());
    assert_eq!(bodies.iter().filter(|b| is_ours(b)).count(), 1);

    // Next week's run with the same logs says the same: left as it is. A
    // run that says something else edits the one comment in place.
    let second = run(watch()).await;
    assert_eq!(second.code, 1);
    assert!(
        second.stderr.contains("issue comment unchanged"),
        "{}",
        second.stderr
    );
    let third = run(Step {
        args: &["--issue", "2", "--window", "14d"],
        ..watch()
    })
    .await;
    assert!(
        third.stderr.contains("issue comment updated"),
        "{}",
        third.stderr
    );
    assert_eq!(fake.bodies().len(), 2, "still one comment each");
    assert_eq!(fake.count("POST"), 2, "one create each");
    assert_eq!(fake.count("PATCH"), 1);
    assert_eq!(
        fake.count("DELETE"),
        0,
        "the gate's comment was never touched"
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn monitor_with_a_rejected_token_exits_2_after_the_summary() {
    let (_server, fake) = FakeGithub::start("").await;
    let run = run(Step {
        api_url: api(&fake),
        monitor: true,
        token: "ghs_bad",
        args: &["--issue", "2"],
        ..Step::default()
    })
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.summary.contains("benchgate monitor"),
        "the summary is written first"
    );
    assert_eq!(run.outputs["alarm"], "true");
    assert!(fake.bodies().is_empty());
}
