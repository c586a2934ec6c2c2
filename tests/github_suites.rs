//! Several `[[suite]]`s through `--github` against the fake GitHub: one combined
//! comment, or one comment per suite, each kept up to date in place.

// The fake's helpers for foreign comments serve tests/github.rs only.
#[allow(dead_code)]
use crate::fake;

use std::path::Path;
use std::process::Command;

use fake::{FakeGithub, REPOSITORY, TOKEN};

const CONFIG: &str = "fixtures/cases/suites/benchgate.toml";

struct Run {
    code: i32,
    stderr: String,
    output: String,
}

fn run_step(api_url: String, extra: Vec<&'static str>) -> Run {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("output");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchgate"));
    cmd.current_dir(root);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k.starts_with("ACTIONS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("GITHUB_EVENT_NAME", "pull_request")
        .env(
            "GITHUB_EVENT_PATH",
            Path::new(root).join("tests/github/events/pull_request.opened.json"),
        )
        .env("GITHUB_REPOSITORY", REPOSITORY)
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_OUTPUT", &output)
        .env("RUNNER_TEMP", dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .args(["compare", "--config", CONFIG, "--top-k", "1", "--github"])
        .args(["--comment", "always", "--github-timeout", "20"])
        .args(extra);
    let out = cmd.output().expect("run benchgate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        output: std::fs::read_to_string(&output).unwrap_or_default(),
    }
}

async fn run(fake: &FakeGithub, extra: Vec<&'static str>) -> Run {
    let url = fake.api_url.clone();
    tokio::task::spawn_blocking(move || run_step(url, extra))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread")]
async fn suites_share_one_comment_with_a_section_each() {
    let (_server, fake) = FakeGithub::start("").await;
    for _ in 0..2 {
        let r = run(&fake, vec![]).await;
        assert_eq!(r.code, 1, "both suites regress:\n{}", r.stderr);
        assert!(r.output.contains("verdict<<"), "{}", r.output);
    }
    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 1, "one comment, edited in place");
    let body = &bodies[0];
    assert!(
        body.starts_with(&format!(
            "<!-- benchgate:suite=tickets+promptfoo commit={} -->\n",
            fake::HEAD_SHA
        )),
        "{body}"
    );
    assert!(body.contains("#### 🔴 benchgate · tickets"), "{body}");
    assert!(body.contains("#### 🔴 benchgate · promptfoo"), "{body}");
    assert_eq!(fake.count("POST"), 1);
    assert_eq!(fake.count("PATCH"), 1);
    assert!(fake.state().violations.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn per_suite_comments_are_kept_apart() {
    let (_server, fake) = FakeGithub::start("").await;
    for _ in 0..2 {
        let r = run(&fake, vec!["--suite-comments", "per-suite"]).await;
        assert_eq!(r.code, 1, "{}", r.stderr);
    }
    let mut firsts: Vec<String> = fake
        .bodies()
        .iter()
        .map(|b| b.lines().next().unwrap_or_default().to_string())
        .collect();
    firsts.sort();
    assert_eq!(
        firsts,
        [
            format!(
                "<!-- benchgate:suite=promptfoo commit={} -->",
                fake::HEAD_SHA
            ),
            format!("<!-- benchgate:suite=tickets commit={} -->", fake::HEAD_SHA),
        ],
        "each suite's marker line names the commit it reports on"
    );
    assert_eq!(fake.count("POST"), 2, "each suite's comment created once");
    assert_eq!(fake.count("PATCH"), 2, "and edited once");
}
