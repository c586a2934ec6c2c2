//! `--baseline artifact:NAME[:PATH]` against a fake GitHub (tests/github/actions.rs)
//! on 127.0.0.1, with real zips built here: the happy path through the binary,
//! and each way the lookup can fail, through the library.

#[path = "github/actions.rs"]
mod actions;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use actions::{zip, FakeActions, FakeArtifact, FakeRun, REPOSITORY, SIGNATURE, TOKEN};
use benchgate::load::artifact::{ArtifactEnv, ArtifactSettings, ArtifactSource};
use benchgate::load::FieldMap;
use octocrab::secrecy::SecretString;

const SHA: &str = "acb5820ced9479c074f688cc328bf03f341a511d";
const OLD_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("fixture")
}

fn baseline_zip() -> Vec<u8> {
    zip(&[(
        "baseline.jsonl",
        &fixture("fixtures/tickets/baseline.jsonl"),
    )])
}

/// The environment of a pull request job of `evals.yml` targeting main.
fn pr_env(fake: &FakeActions) -> ArtifactEnv {
    ArtifactEnv {
        repository: Some(REPOSITORY.into()),
        api_url: Some(fake.api_url.clone()),
        token: Some(SecretString::from(TOKEN.to_string())),
        base_ref: Some("main".into()),
        event_path: None,
        workflow_ref: Some(format!(
            "{REPOSITORY}/.github/workflows/evals.yml@refs/pull/2/merge"
        )),
        workflow: Some("Evals".into()),
    }
}

fn settings() -> ArtifactSettings {
    ArtifactSettings {
        timeout: Duration::from_secs(20),
        ..ArtifactSettings::default()
    }
}

/// Loads `spec` off the test's threads (the loader runs its own runtime).
async fn load(
    spec: &str,
    settings: ArtifactSettings,
    env: ArtifactEnv,
) -> Result<(usize, String, String), String> {
    let spec = spec.to_string();
    tokio::task::spawn_blocking(move || {
        let source = ArtifactSource::parse(&spec)
            .expect("an artifact spec")
            .map_err(|e| e.to_string())?;
        source
            .load_with(&FieldMap::default(), &settings, &env)
            .map(|(data, description)| {
                (
                    data.rows.len(),
                    data.path.display().to_string(),
                    description,
                )
            })
            .map_err(|e| e.to_string())
    })
    .await
    .expect("join")
}

fn assert_clean(fake: &FakeActions) {
    let state = fake.state();
    assert!(
        state.violations.is_empty(),
        "violations of GitHub's description: {:#?}",
        state.violations
    );
}

/// Every failure names what was looked for.
fn assert_names_lookup(message: &str) {
    for part in [
        "artifact \"evals-baseline\"",
        "workflow evals.yml",
        "branch main",
    ] {
        assert!(message.contains(part), "missing {part:?} in: {message}");
    }
    assert!(!message.contains(TOKEN) && !message.contains(SIGNATURE));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_latest_successful_run_on_the_base_branch_gives_the_baseline() {
    let (_servers, fake) = FakeActions::start("").await;
    {
        let mut s = fake.state();
        let poison = || {
            vec![FakeArtifact::new(
                "evals-baseline",
                zip(&[("baseline.jsonl", b"{\"id\":\"x\",\"prediction\":\"p\"}\n")]),
            )]
        };
        // Newest first: a fork's branch also called main, a pull request run,
        // a failed run, a run of another branch, then the one to use.
        let mut fork = FakeRun::push(900, OLD_SHA, poison());
        fork.fork = true;
        fork.event = "pull_request".into();
        let mut pr = FakeRun::push(800, OLD_SHA, poison());
        pr.event = "pull_request".into();
        let mut failed = FakeRun::push(700, OLD_SHA, poison());
        failed.success = false;
        let mut other = FakeRun::push(600, OLD_SHA, poison());
        other.branch = "develop".into();
        let good = FakeRun::push(
            500,
            SHA,
            vec![
                FakeArtifact::new("coverage", zip(&[("lcov.info", b"TN:\n")])),
                FakeArtifact::new("evals-baseline", baseline_zip()),
            ],
        );
        s.runs = vec![fork, pr, failed, other, good];
    }
    let (rows, path, description) = load(
        "artifact:evals-baseline:baseline.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect("loads");
    assert_eq!(rows, 200);
    assert_eq!(path, "artifact:evals-baseline:baseline.jsonl");
    assert_eq!(
        description,
        "artifact:evals-baseline:baseline.jsonl @ acb5820 (run 500 of evals.yml on main)"
    );
    assert_clean(&fake);
    let api = fake.seen("api");
    assert!(
        api.iter()
            .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "{api:#?}"
    );
    assert!(api[0].path.starts_with(
        "/repos/Codertocat/Hello-World/actions/workflows/evals.yml/runs?branch=main&status=success"
    ));
    let storage = fake.seen("storage");
    assert_eq!(storage.len(), 1, "one download");
    assert_eq!(storage[0].status, 200);
    assert_eq!(
        storage[0].authorization, None,
        "the token must never reach the storage host"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_only_file_is_taken_and_its_name_picks_the_format() {
    // GitHub Enterprise's prefix; a CSV nested in a folder, then a gzipped JSONL.
    let (_servers, fake) = FakeActions::start("/api/v3").await;
    fake.state().runs = vec![FakeRun::push(
        501,
        SHA,
        vec![
            FakeArtifact::new(
                "csv",
                zip(&[("out/current.csv", &fixture("fixtures/tickets/current.csv"))]),
            ),
            FakeArtifact::new(
                "gz",
                zip(&[(
                    "baseline.jsonl.gz",
                    &fixture("fixtures/tickets/baseline.jsonl.gz"),
                )]),
            ),
        ],
    )];
    let (rows, path, _) = load("artifact:csv", settings(), pr_env(&fake))
        .await
        .expect("csv");
    assert_eq!((rows, path.as_str()), (200, "artifact:csv:out/current.csv"));
    let (rows, path, _) = load("artifact:gz", settings(), pr_env(&fake))
        .await
        .expect("gz");
    assert_eq!(
        (rows, path.as_str()),
        (200, "artifact:gz:baseline.jsonl.gz")
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_artifact_uploaded_unzipped_is_the_file_itself() {
    // actions/upload-artifact v7 with `archive: false`: named after the file.
    let (_servers, fake) = FakeActions::start("").await;
    fake.state().runs = vec![FakeRun::push(
        510,
        SHA,
        vec![FakeArtifact::new(
            "baseline.jsonl.gz",
            fixture("fixtures/tickets/baseline.jsonl.gz"),
        )],
    )];
    for spec in [
        "artifact:baseline.jsonl.gz",
        "artifact:baseline.jsonl.gz:baseline.jsonl.gz",
    ] {
        let (rows, path, description) = load(spec, settings(), pr_env(&fake))
            .await
            .expect("unzipped");
        assert_eq!((rows, path.as_str()), (200, "artifact:baseline.jsonl.gz"));
        assert!(description.starts_with("artifact:baseline.jsonl.gz @ acb5820 (run 510"));
    }
    let e = load(
        "artifact:baseline.jsonl.gz:other.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("no such file");
    assert!(
        e.contains("has no file \"other.jsonl\"; it holds: only itself"),
        "{e}"
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn several_files_and_none_named_is_an_error_listing_them() {
    let (_servers, fake) = FakeActions::start("").await;
    let both = zip(&[
        (
            "baseline.jsonl",
            &fixture("fixtures/tickets/baseline.jsonl"),
        ),
        ("report.json", b"{}"),
    ]);
    fake.state().runs = vec![FakeRun::push(
        502,
        SHA,
        vec![FakeArtifact::new("evals-baseline", both)],
    )];
    let e = load("artifact:evals-baseline", settings(), pr_env(&fake))
        .await
        .expect_err("ambiguous");
    assert_names_lookup(&e);
    assert!(
        e.contains("holds 2 files (baseline.jsonl, report.json)"),
        "{e}"
    );
    assert!(e.contains("artifact:evals-baseline:FILE"), "{e}");

    let e = load(
        "artifact:evals-baseline:results.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("no such file");
    assert_names_lookup(&e);
    assert!(
        e.contains("has no file \"results.jsonl\"; it holds: baseline.jsonl, report.json"),
        "{e}"
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_artifact_is_an_error_not_an_older_baseline() {
    let (_servers, fake) = FakeActions::start("").await;
    let mut expired = FakeArtifact::new("evals-baseline", baseline_zip());
    expired.expired = true;
    fake.state().runs = vec![
        FakeRun::push(503, SHA, vec![expired]),
        FakeRun::push(
            400,
            OLD_SHA,
            vec![FakeArtifact::new("evals-baseline", baseline_zip())],
        ),
    ];
    let e = load(
        "artifact:evals-baseline:baseline.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("expired");
    assert_names_lookup(&e);
    assert!(e.contains("run 503 (commit acb5820) has expired"), "{e}");
    assert!(e.contains("retention-days"), "{e}");
    assert!(fake.seen("storage").is_empty());

    // Listed as live, gone by the time of the download (410).
    let mut gone = FakeArtifact::new("evals-baseline", baseline_zip());
    gone.gone = true;
    fake.state().runs = vec![FakeRun::push(504, SHA, vec![gone])];
    let e = load(
        "artifact:evals-baseline:baseline.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("gone");
    assert_names_lookup(&e);
    assert!(e.contains("run 504 (commit acb5820) has expired"), "{e}");
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_successful_run_on_the_branch_is_an_error() {
    let (_servers, fake) = FakeActions::start("").await;
    let mut failed = FakeRun::push(505, SHA, vec![]);
    failed.success = false;
    let mut fork = FakeRun::push(506, SHA, vec![]);
    fork.fork = true;
    fake.state().runs = vec![fork, failed];
    let e = load(
        "artifact:evals-baseline:baseline.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("no run");
    assert_names_lookup(&e);
    assert!(e.contains("has no successful run on main"), "{e}");
    assert!(e.contains("workflow_dispatch"), "{e}");
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_without_the_artifact_is_an_error_listing_what_it_has() {
    let (_servers, fake) = FakeActions::start("").await;
    fake.state().runs = vec![FakeRun::push(
        507,
        SHA,
        vec![
            FakeArtifact::new("coverage", zip(&[("lcov.info", b"TN:\n")])),
            FakeArtifact::new("evals-baselin", baseline_zip()),
        ],
    )];
    let e = load(
        "artifact:evals-baseline:baseline.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("missing");
    assert_names_lookup(&e);
    assert!(
        e.contains("run, 507 (commit acb5820), has no artifact of that name (it has: coverage, evals-baselin)"),
        "{e}"
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_fails_before_any_request() {
    let (_servers, fake) = FakeActions::start("").await;
    let env = ArtifactEnv {
        token: None,
        ..pr_env(&fake)
    };
    let e = load("artifact:evals-baseline:baseline.jsonl", settings(), env)
        .await
        .expect_err("no token");
    assert_names_lookup(&e);
    assert!(e.contains("GITHUB_TOKEN is empty"), "{e}");
    assert!(e.contains("permissions: actions: read"), "{e}");
    assert!(fake.state().seen.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_without_actions_read_is_told_the_permission() {
    let (_servers, fake) = FakeActions::start("").await;
    fake.state().forbidden = true;
    let e = load(
        "artifact:evals-baseline:baseline.jsonl",
        settings(),
        pr_env(&fake),
    )
    .await
    .expect_err("403");
    assert_names_lookup(&e);
    assert!(e.contains("HTTP 403"), "{e}");
    assert!(
        e.contains("add `permissions: actions: read` to the job"),
        "{e}"
    );
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workflow_comes_from_the_flag_or_its_name() {
    let (_servers, fake) = FakeActions::start("").await;
    let mut ci = FakeRun::push(
        508,
        SHA,
        vec![FakeArtifact::new("evals-baseline", baseline_zip())],
    );
    ci.workflow = "ci.yml".into();
    fake.state().runs = vec![ci];
    // The flag wins over the running workflow.
    let flag = ArtifactSettings {
        workflow: Some(".github/workflows/ci.yml".into()),
        ..settings()
    };
    let (_, _, description) = load("artifact:evals-baseline", flag, pr_env(&fake))
        .await
        .expect("by flag");
    assert!(
        description.contains("run 508 of ci.yml on main"),
        "{description}"
    );
    // Without GITHUB_WORKFLOW_REF, GITHUB_WORKFLOW's name is looked up.
    let by_name = ArtifactEnv {
        workflow_ref: None,
        workflow: Some("CI".into()),
        ..pr_env(&fake)
    };
    let (_, _, description) = load("artifact:evals-baseline", settings(), by_name)
        .await
        .expect("by name");
    assert!(description.contains("run 508 of ci.yml"), "{description}");
    let unknown = ArtifactEnv {
        workflow_ref: None,
        workflow: Some("Nightly".into()),
        ..pr_env(&fake)
    };
    let e = load("artifact:evals-baseline", settings(), unknown)
        .await
        .expect_err("unknown name");
    assert!(e.contains("workflow \"Nightly\" on branch main"), "{e}");
    assert!(
        e.contains("\"Evals\" (.github/workflows/evals.yml), \"CI\" (.github/workflows/ci.yml)"),
        "{e}"
    );
    let missing_file = ArtifactSettings {
        workflow: Some("nightly.yml".into()),
        ..settings()
    };
    let e = load("artifact:evals-baseline", missing_file, pr_env(&fake))
        .await
        .expect_err("unknown file");
    assert!(e.contains("workflow nightly.yml on branch main"), "{e}");
    assert!(e.contains("--artifact-workflow FILE.yml"), "{e}");
    assert_clean(&fake);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_branch_or_no_workflow_says_which_flag_to_pass() {
    let (_servers, fake) = FakeActions::start("").await;
    let push = ArtifactEnv {
        base_ref: None,
        ..pr_env(&fake)
    };
    let e = load("artifact:evals-baseline", settings(), push)
        .await
        .expect_err("no branch");
    assert!(
        e.contains("artifact \"evals-baseline\" of workflow evals.yml: no branch to look on"),
        "{e}"
    );
    assert!(e.contains("--artifact-branch"), "{e}");
    let nothing = ArtifactEnv {
        workflow_ref: None,
        workflow: None,
        ..pr_env(&fake)
    };
    let e = load("artifact:evals-baseline", settings(), nothing)
        .await
        .expect_err("no workflow");
    assert!(e.contains("on branch main: no workflow"), "{e}");
    assert!(e.contains("--artifact-workflow"), "{e}");
    assert!(fake.state().seen.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_api_is_bounded_by_the_timeout() {
    let (_servers, fake) = FakeActions::start("").await;
    fake.state().delay = Some(Duration::from_secs(30));
    let t0 = Instant::now();
    let e = load(
        "artifact:evals-baseline",
        ArtifactSettings {
            timeout: Duration::from_secs(3),
            ..settings()
        },
        pr_env(&fake),
    )
    .await
    .expect_err("timeout");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    assert_names_lookup(&e);
    assert!(e.contains("--github-timeout"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_compares_against_the_artifact_and_says_so() {
    let (_servers, fake) = FakeActions::start("").await;
    let mut run = FakeRun::push(
        509,
        SHA,
        vec![FakeArtifact::new("evals-baseline", baseline_zip())],
    );
    // The webhook example's pull request targets `master`.
    run.branch = "master".into();
    fake.state().runs = vec![run];
    let root = env!("CARGO_MANIFEST_DIR");
    let api_url = fake.api_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchgate"));
        cmd.current_dir(root);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("GITHUB_") || k.starts_with("RUNNER_") || k.starts_with("ACTIONS_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("GITHUB_REPOSITORY", REPOSITORY)
            .env("GITHUB_API_URL", api_url)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env(
                "GITHUB_EVENT_PATH",
                Path::new(root).join("tests/github/events/pull_request.opened.json"),
            )
            .env(
                "GITHUB_WORKFLOW_REF",
                format!("{REPOSITORY}/.github/workflows/evals.yml@refs/pull/2/merge"),
            )
            .env("NO_COLOR", "1")
            .args([
                "compare",
                "--baseline",
                "artifact:evals-baseline:baseline.jsonl",
                "--current",
                "fixtures/tickets/current.jsonl",
                "--resamples",
                "2000",
                "--format",
                "markdown",
                "--github-timeout",
                "20",
                "--verbose",
            ])
            .output()
            .expect("run benchgate")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the fixture regresses:\n{stderr}"
    );
    assert!(
        stdout.contains(
            // The markdown keeps `@` from mentioning anyone.
            "baseline: artifact:evals-baseline:baseline.jsonl @&#8203; acb5820 (run 509 of evals.yml on master)"
        ),
        "{stdout}"
    );
    for text in [&stdout, &stderr] {
        assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
        assert!(
            !text.contains(SIGNATURE),
            "the signed address was printed:\n{text}"
        );
    }
    assert!(stderr.contains("download from 127.0.0.1"), "{stderr}");
    assert_eq!(fake.seen("storage")[0].authorization, None);
    assert_clean(&fake);
}
