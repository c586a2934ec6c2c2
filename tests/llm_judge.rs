//! LLM judges (issue 34) against a local OpenAI-compatible server: a real
//! HTTP server on 127.0.0.1 (wiremock) that checks each request's shape and
//! bearer token, counts the calls, and answers as a judge would — or with
//! 429 and `Retry-After`, 500, malformed JSON, a refusal, a slow answer, or a
//! judge that always prefers the response shown first.
//!
//! The runs: 40 examples whose current outputs are the baseline's but for 15
//! planted regressions ("WRONG: …"), which the fake judge grades 1 of 5
//! (the others 5) and prefers the other output of a pair.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The key the fake accepts; it must appear in no output.
const KEY: &str = "sk-test-NeverPrintThisKey-7f3a9c2e";
const MODEL: &str = "judge-model";
const EXAMPLES: usize = 40;

/// Which response a pairwise fake prefers.
#[derive(Clone, Copy, PartialEq)]
enum Prefers {
    /// The one without "WRONG" (a tie when both or neither have it).
    Content,
    /// Always "A": the position shown first.
    FirstShown,
}

/// A reply the fake gives instead of a judgement.
#[derive(Clone)]
enum Scripted {
    Status(u16, Vec<(&'static str, &'static str)>),
    /// An error whose message quotes the request's Authorization header.
    EchoKey,
    Malformed,
    Refusal,
    Slow(Duration),
    /// The judgement itself.
    Answer,
}

struct State {
    prefers: Prefers,
    /// Extra words every reason ends with (hostile text for the HTML report).
    reason_suffix: String,
    /// Grades a correct response 3 instead of 5 when the request's seed is
    /// odd: a judge whose repeated judgements disagree.
    flaky: bool,
    script: VecDeque<Scripted>,
    always: Option<Scripted>,
    /// Every request: when it came, and its body.
    log: Vec<(Instant, Value)>,
    /// What was wrong with requests.
    problems: Vec<String>,
    /// Takes the key as Azure OpenAI does (`api-key: KEY`), not as a bearer token.
    azure: bool,
}

#[derive(Clone)]
struct Judge(Arc<Mutex<State>>);

/// The text between `<tag>\n` and `\n</tag>`.
fn tagged<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>\n");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("\n</{tag}>"))? + start;
    Some(&text[start..end])
}

/// The answer's schema, in either form of `response_format`.
fn schema_of(body: &Value) -> &Value {
    let format = &body["response_format"];
    if format["type"] == "json_object" {
        &format["schema"]
    } else {
        &format["json_schema"]["schema"]
    }
}

fn bad(text: &str) -> bool {
    text.contains("WRONG")
}

impl Judge {
    fn check(&self, request: &Request, body: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let mut expect = |ok: bool, what: &str| {
            if !ok {
                problems.push(what.to_string());
            }
        };
        expect(request.method.as_str() == "POST", "method is not POST");
        expect(
            request.url.path() == "/v1/chat/completions",
            "path is not /v1/chat/completions",
        );
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        expect(
            header("content-type") == "application/json",
            "content-type is not JSON",
        );
        expect(body["model"] == MODEL, "wrong model");
        expect(body["temperature"].is_number(), "no temperature");
        let messages = body["messages"].as_array().cloned().unwrap_or_default();
        expect(messages.len() == 2, "not two messages");
        expect(
            messages.first().map(|m| m["role"].clone()) == Some(json!("system"))
                && messages.get(1).map(|m| m["role"].clone()) == Some(json!("user")),
            "roles are not system, user",
        );
        expect(
            messages.iter().all(|m| m["content"].is_string()),
            "a message without text",
        );
        let format = &body["response_format"];
        expect(
            (format["type"] == "json_schema" && format["json_schema"]["strict"] == true)
                || (format["type"] == "json_object" && format["schema"].is_object()),
            "no json_schema (strict) or json_object response_format",
        );
        let required = schema_of(body)["required"].clone();
        expect(
            required == json!(["reason", "score"]) || required == json!(["reason", "winner"]),
            "the schema requires neither score nor winner",
        );
        problems
    }

    fn answer(&self, state: &State, body: &Value) -> Value {
        let user = body["messages"][1]["content"].as_str().unwrap_or("");
        let pairwise = schema_of(body)["required"] == json!(["reason", "winner"]);
        let content = if pairwise {
            let (a, b) = (
                tagged(user, "response_a").unwrap_or(""),
                tagged(user, "response_b").unwrap_or(""),
            );
            let winner = match state.prefers {
                Prefers::FirstShown => "A",
                Prefers::Content if bad(a) && !bad(b) => "B",
                Prefers::Content if bad(b) && !bad(a) => "A",
                Prefers::Content => "tie",
            };
            json!({"reason": format!("Response {winner} is right.{}", state.reason_suffix), "winner": winner})
        } else {
            let response = tagged(user, "response").unwrap_or("");
            let odd_seed = body["seed"].as_u64().is_some_and(|s| s % 2 == 1);
            let (score, reason) = if bad(response) {
                (
                    1,
                    "It says the item is broken; the reference says it is fine.",
                )
            } else if state.flaky && odd_seed {
                (3, "It matches the reference, mostly.")
            } else {
                (5, "It matches the reference.")
            };
            json!({"reason": format!("{reason}{}", state.reason_suffix), "score": score})
        };
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": MODEL,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content.to_string(), "refusal": null},
                "finish_reason": "stop"
            }],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
        })
    }
}

impl Respond for Judge {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let mut state = self.0.lock().expect("lock");
        state.log.push((Instant::now(), body.clone()));
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let scripted = state.script.pop_front().or_else(|| state.always.clone());
        if let Some(Scripted::EchoKey) = scripted {
            return ResponseTemplate::new(500).set_body_json(json!({
                "error": {"message": format!("upstream rejected credentials '{auth}'")}
            }));
        }
        let api_key = request
            .headers
            .get("api-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let accepted = if state.azure {
            api_key == KEY && auth.is_empty()
        } else {
            auth == format!("Bearer {KEY}") && api_key.is_empty()
        };
        if !accepted {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": {"message": "Incorrect API key provided."}
            }));
        }
        let problems = self.check(request, &body);
        if !problems.is_empty() {
            state.problems.extend(problems.iter().cloned());
            return ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": problems.join("; ")}}));
        }
        let ok = |content: &str| {
            ResponseTemplate::new(200).set_body_json(json!({
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 5}
            }))
        };
        match scripted {
            Some(Scripted::Status(code, headers)) => {
                let mut t = ResponseTemplate::new(code)
                    .set_body_json(json!({"error": {"message": format!("status {code}")}}));
                for (k, v) in headers {
                    t = t.insert_header(k, v);
                }
                t
            }
            Some(Scripted::Malformed) => ok("Sure! The score is five."),
            Some(Scripted::Refusal) => ResponseTemplate::new(200).set_body_json(json!({
                "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": "I can't help with grading that."}, "finish_reason": "stop"}]
            })),
            Some(Scripted::Slow(d)) => ResponseTemplate::new(200)
                .set_body_json(self.answer(&state, &body))
                .set_delay(d),
            Some(Scripted::EchoKey | Scripted::Answer) | None => {
                ResponseTemplate::new(200).set_body_json(self.answer(&state, &body))
            }
        }
    }
}

/// A fake judge on 127.0.0.1.
struct Server {
    judge: Judge,
    server: MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(prefers: Prefers) -> Server {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(MockServer::start());
        let judge = Judge(Arc::new(Mutex::new(State {
            prefers,
            reason_suffix: String::new(),
            flaky: false,
            script: VecDeque::new(),
            always: None,
            log: Vec::new(),
            problems: Vec::new(),
            azure: false,
        })));
        runtime.block_on(
            Mock::given(any())
                .respond_with(judge.clone())
                .mount(&server),
        );
        assert!(server.address().ip().is_loopback());
        Server {
            judge,
            server,
            _runtime: runtime,
        }
    }

    fn base_url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.judge.0.lock().expect("lock")
    }

    fn calls(&self) -> usize {
        self.state().log.len()
    }

    fn reset(&self) {
        self.state().log.clear();
    }

    fn bodies(&self) -> Vec<Value> {
        self.state().log.iter().map(|(_, b)| b.clone()).collect()
    }

    fn assert_no_problems(&self) {
        let problems = self.state().problems.clone();
        assert!(problems.is_empty(), "bad requests: {problems:?}");
    }
}

/// Baseline and current runs of [`EXAMPLES`] examples; the current output of
/// every example `changed` picks is a planted regression.
fn runs(dir: &Path, changed: impl Fn(usize) -> bool) -> (PathBuf, PathBuf) {
    let mut base = String::new();
    let mut cur = String::new();
    for i in 0..EXAMPLES {
        let row = |prediction: String| {
            json!({
                "id": format!("q{i:02}"),
                "input": format!("How is item {i}?"),
                "reference": format!("Item {i} is fine."),
                "prediction": prediction,
                "category": if i % 2 == 0 { "billing" } else { "shipping" },
            })
            .to_string()
        };
        base.push_str(&row(format!("Item {i} is fine.")));
        base.push('\n');
        let c = if changed(i) {
            format!("WRONG: item {i} is broken.")
        } else {
            format!("Item {i} is fine.")
        };
        cur.push_str(&row(c));
        cur.push('\n');
    }
    let (b, c) = (dir.join("baseline.jsonl"), dir.join("current.jsonl"));
    std::fs::write(&b, base).expect("writes");
    std::fs::write(&c, cur).expect("writes");
    (b, c)
}

/// 15 of 40: the first three of every eight.
fn planted(i: usize) -> bool {
    i % 8 < 3
}

fn benchgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(args)
        .current_dir(dir)
        .env("OPENAI_API_KEY", KEY)
        .env_remove("OPENAI_BASE_URL")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("benchgate runs")
}

fn judge_flags(server: &Server) -> Vec<String> {
    vec![
        "--judge-model".into(),
        MODEL.into(),
        "--judge-base-url".into(),
        server.base_url(),
    ]
}

fn compare(dir: &Path, server: &Server, baseline: &Path, current: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec![
        "compare".into(),
        "--baseline".into(),
        baseline.display().to_string(),
        "--current".into(),
        current.display().to_string(),
        "--format".into(),
        "json".into(),
        "--resamples".into(),
        "2000".into(),
        "-q".into(),
    ];
    args.extend(judge_flags(server));
    args.extend(extra.iter().map(|s| (*s).to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    benchgate(dir, &args)
}

fn json_report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn metric<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("no metric {name} in {report}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_planted_regression_is_caught_and_each_distinct_output_judged_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    let (b, c) = runs(dir.path(), planted);
    let out = compare(dir.path(), &server, &b, &c, &["--metric", "llm_judge"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    server.assert_no_problems();
    let report = json_report(&out);
    let m = metric(&report, "llm_judge");
    assert_eq!(m["verdict"], "regressed", "{m}");
    assert_eq!(m["baseline"], 1.0);
    assert!(
        (m["current"].as_f64().expect("value") - 25.0 / 40.0).abs() < 1e-12,
        "{m}"
    );
    // 40 baseline outputs and the 15 changed ones: the 25 both runs share
    // are judged once.
    assert_eq!(server.calls(), 55);
    let usage = &report["judges"][0];
    assert_eq!(usage["judged"], 55);
    assert_eq!(usage["calls"], 55);
    assert_eq!(usage["prompt_tokens"], 55 * 100);
    assert_eq!(usage["completion_tokens"], 55 * 20);
    // The worst examples carry the judge's reason.
    let worst = &report["regressed_examples"][0];
    assert!(
        worst["current_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("score 1 on 1–5: It says the item is broken")),
        "{worst}"
    );
}

#[test]
fn a_second_run_against_a_baseline_file_judges_only_the_changed_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    let (b, c) = runs(dir.path(), planted);
    let stored = dir.path().join("baseline.benchgate.jsonl");
    let mut args = vec![
        "baseline".to_string(),
        "write".into(),
        "--from".into(),
        b.display().to_string(),
        "--out".into(),
        stored.display().to_string(),
        "--metric".into(),
        "llm_judge".into(),
        "--commit".into(),
        "abc".into(),
    ];
    args.extend(judge_flags(&server));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = benchgate(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        server.calls(),
        EXAMPLES,
        "the baseline judges every output once"
    );
    let text = std::fs::read_to_string(&stored).expect("baseline");
    assert!(text.contains("\"benchgate_keys\"") && text.contains("\"llm_judge\""));

    server.reset();
    let md = dir.path().join("comment.md");
    let out = compare(
        dir.path(),
        &server,
        &stored,
        &c,
        &[
            "--metric",
            "llm_judge",
            "--markdown-out",
            md.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(server.calls(), 15, "only the changed outputs are judged");
    for body in server.bodies() {
        let user = body["messages"][1]["content"].as_str().expect("text");
        assert!(bad(tagged(user, "response").expect("response")), "{user}");
    }
    let report = json_report(&out);
    assert_eq!(metric(&report, "llm_judge")["verdict"], "regressed");
    assert_eq!(
        report["reuse"],
        json!([{"metric": "llm_judge", "computed": 15, "reused": 65}])
    );
    assert_eq!(report["judges"][0]["calls"], 15);
    let comment = std::fs::read_to_string(&md).expect("comment");
    assert!(
        comment.contains(
            "llm\\_judge (judge judge-model): 15 outputs judged, 15 calls; 1,500 prompt + 300 completion tokens"
        ),
        "{comment}"
    );

    // Another rubric: the stored values do not stand in, and the report says so.
    server.reset();
    let rubric = dir.path().join("rubric.md");
    std::fs::write(&rubric, "Is it true?").expect("writes");
    let out = compare(
        dir.path(),
        &server,
        &stored,
        &c,
        &[
            "--metric",
            "llm_judge",
            "--judge-rubric",
            rubric.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(server.calls(), 55);
    let report = json_report(&out);
    assert!(
        report["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w["code"] == "stale-stored-values"
                && w["message"].as_str().is_some_and(|w| w.starts_with(
                    "llm_judge: the stored values were computed with other settings"
                ))),
        "{}",
        report["warnings"]
    );

    // Nothing changed: no call at all, and no key needed.
    server.reset();
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args([
            "compare",
            "--baseline",
            stored.to_str().expect("utf-8"),
            "--current",
            b.to_str().expect("utf-8"),
            "--metric",
            "llm_judge",
            "--judge-model",
            MODEL,
            "--judge-base-url",
            &server.base_url(),
            "-q",
        ])
        .current_dir(dir.path())
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.calls(), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no call: every value was reused"));

    // A CI matrix: two shards judge the current run between them, and the
    // gate, reading the shards' stored values, judges nothing.
    server.reset();
    let shards = dir.path().join("shards");
    std::fs::create_dir(&shards).expect("mkdir");
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let mut args = vec![
            "score".to_string(),
            "--input".into(),
            c.display().to_string(),
            "--shard".into(),
            shard,
            "--metric".into(),
            "llm_judge".into(),
            "--format".into(),
            "jsonl".into(),
        ];
        args.extend(judge_flags(&server));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = benchgate(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::write(shards.join(format!("scores-{k}.jsonl")), &out.stdout).expect("writes");
    }
    assert_eq!(
        server.calls(),
        EXAMPLES,
        "each current output judged by one shard"
    );
    server.reset();
    let glob = format!("{}/scores-*.jsonl", shards.display());
    let out = compare(
        dir.path(),
        &server,
        &stored,
        Path::new(&glob),
        &["--metric", "llm_judge"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(server.calls(), 0);
    let report = json_report(&out);
    assert_eq!(
        report["reuse"],
        json!([{"metric": "llm_judge", "computed": 0, "reused": 80}])
    );
    assert_eq!(metric(&report, "llm_judge")["verdict"], "regressed");
}

#[test]
fn pairwise_asks_both_orders_and_a_position_biased_judge_prefers_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = runs(dir.path(), planted);

    let server = Server::start(Prefers::Content);
    let out = compare(dir.path(), &server, &b, &c, &["--metric", "llm_pairwise"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    server.assert_no_problems();
    // 15 changed pairs, each in both orders; identical outputs cost nothing.
    assert_eq!(server.calls(), 30);
    // Per input: how often the baseline's output was shown first, and how
    // often the current one was.
    let mut firsts: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for body in server.bodies() {
        let user = body["messages"][1]["content"].as_str().expect("text");
        let input = tagged(user, "input").expect("input").to_string();
        let entry = firsts.entry(input).or_default();
        if bad(tagged(user, "response_a").expect("a")) {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    assert_eq!(firsts.len(), 15);
    assert!(
        firsts.values().all(|&v| v == (1, 1)),
        "each pair once with each output first: {firsts:?}"
    );
    let report = json_report(&out);
    let m = metric(&report, "llm_pairwise");
    assert_eq!(m["verdict"], "regressed", "{m}");
    assert_eq!(m["baseline"], 0.5);
    assert!(
        (m["current"].as_f64().expect("value") - 12.5 / 40.0).abs() < 1e-12,
        "{m}"
    );
    let usage = &report["judges"][0];
    assert_eq!(
        (usage["judged"].clone(), usage["identical"].clone()),
        (json!(15), json!(25))
    );
    assert_eq!(usage["preferred_first"], 0);

    // A judge that always answers "A" prefers each output once: every pair a tie.
    let biased = Server::start(Prefers::FirstShown);
    let out = compare(dir.path(), &biased, &b, &c, &["--metric", "llm_pairwise"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(biased.calls(), 30);
    let report = json_report(&out);
    let m = metric(&report, "llm_pairwise");
    assert_eq!(m["current"], 0.5, "{m}");
    assert_ne!(m["verdict"], "regressed");
    assert_ne!(m["verdict"], "improved");
    assert_eq!(report["judges"][0]["preferred_first"], 15);
    assert_eq!(report["judges"][0]["preferred_second"], 0);
    let text = benchgate_text(dir.path(), &biased, &b, &c);
    assert!(
        text.contains("both orders chose the response shown first in 15 of 15 judgements"),
        "{text}"
    );

    // One run alone has no pair.
    let out = benchgate(
        dir.path(),
        &[
            "score",
            "--input",
            b.to_str().expect("utf-8"),
            "--metric",
            "llm_pairwise",
            "--judge-model",
            MODEL,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("scores in `compare` only"),
        "{}",
        stderr(&out)
    );
}

fn benchgate_text(dir: &Path, server: &Server, b: &Path, c: &Path) -> String {
    let mut args = vec![
        "compare".to_string(),
        "--baseline".into(),
        b.display().to_string(),
        "--current".into(),
        c.display().to_string(),
        "--metric".into(),
        "llm_pairwise".into(),
        "--resamples".into(),
        "500".into(),
        "-q".into(),
    ];
    args.extend(judge_flags(server));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    String::from_utf8_lossy(&benchgate(dir, &args).stdout).into_owned()
}

#[test]
fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    let (b, c) = runs(dir.path(), |i| i < 2);
    server.state().script = VecDeque::from([
        // The first judgement: a 500, two 429s, then the answer.
        Scripted::Status(500, vec![]),
        Scripted::Status(429, vec![("retry-after", "1")]),
        Scripted::Status(429, vec![("retry-after-ms", "300")]),
        Scripted::Answer,
        // The second: an answer that is not JSON, a 503 asking for no wait.
        Scripted::Malformed,
        Scripted::Status(503, vec![("retry-after", "0")]),
    ]);
    let out = compare(
        dir.path(),
        &server,
        &b,
        &c,
        &["--metric", "llm_judge", "--judge-concurrency", "1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    server.assert_no_problems();
    // 42 judgements (40 baseline outputs, 2 changed), 5 requests sent again.
    assert_eq!(server.calls(), 42 + 5);
    let report = json_report(&out);
    assert_eq!(report["judges"][0]["calls"], 42);
    assert_eq!(report["judges"][0]["retries"], 5);
    let times: Vec<Instant> = server.state().log.iter().map(|(t, _)| *t).collect();
    let gap = |i: usize| times[i + 1] - times[i];
    // A 500 without Retry-After backs off half to all of a second.
    assert!(gap(0) >= Duration::from_millis(450), "{:?}", gap(0));
    // The first 429 asked for a second, the second for 300 ms.
    assert!(gap(1) >= Duration::from_millis(950), "{:?}", gap(1));
    assert!(gap(2) >= Duration::from_millis(280), "{:?}", gap(2));
    assert!(gap(2) < Duration::from_millis(950), "{:?}", gap(2));
    // The 503 asked for no wait.
    assert!(gap(5) < Duration::from_millis(450), "{:?}", gap(5));
}

/// Every output file of a failed run, and the run's stdout and stderr.
fn failed_run(server: &Server, extra: &[&str]) -> (String, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = runs(dir.path(), planted);
    let md = dir.path().join("comment.md");
    let html = dir.path().join("report.html");
    let mut args = vec![
        "--metric",
        "llm_judge",
        "--judge-concurrency",
        "1",
        "--markdown-out",
        md.to_str().expect("utf-8"),
        "--html-out",
        html.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let out = compare(dir.path(), server, &b, &c, &args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "nothing printed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let written: Vec<PathBuf> = [md, html].into_iter().filter(|p| p.exists()).collect();
    (stderr(&out), written)
}

#[test]
fn failures_are_loud_name_the_example_and_leave_nothing_behind() {
    // A port of the loopback nobody listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/v1");
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, c) = runs(dir.path(), planted);
    let out = benchgate(
        dir.path(),
        &[
            "compare",
            "--baseline",
            b.to_str().expect("utf-8"),
            "--current",
            c.to_str().expect("utf-8"),
            "--metric",
            "llm_judge",
            "--judge-model",
            MODEL,
            "--judge-base-url",
            &url,
            "--judge-max-retries",
            "1",
            "--judge-concurrency",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("llm_judge: judging example \"q00\" failed: cannot reach the judge at http://127.0.0.1:{port}/v1/chat/completions"))
            && err.contains("(2 attempts)")
            && err.contains("Nothing was stored or posted."),
        "{err}"
    );

    let server = Server::start(Prefers::Content);
    server.state().always = Some(Scripted::Refusal);
    let (err, written) = failed_run(&server, &[]);
    assert!(
        err.contains("the judge refused to answer: I can't help with grading that."),
        "{err}"
    );
    assert!(written.is_empty(), "{written:?}");
    assert_eq!(server.calls(), 1, "a refusal is not asked again");

    let server = Server::start(Prefers::Content);
    server.state().always = Some(Scripted::Malformed);
    let (err, written) = failed_run(&server, &["--judge-max-retries", "1"]);
    assert!(
        err.contains("the judge's answer is not the JSON asked for (not JSON: ")
            && err.contains("(2 attempts): Sure! The score is five."),
        "{err}"
    );
    assert!(written.is_empty(), "{written:?}");
    assert_eq!(server.calls(), 2);

    let server = Server::start(Prefers::Content);
    server.state().always = Some(Scripted::Slow(Duration::from_secs(3)));
    let started = Instant::now();
    let (err, written) = failed_run(
        &server,
        &["--judge-timeout", "0.3", "--judge-max-retries", "0"],
    );
    assert!(
        err.contains("no answer from http://127.0.0.1:")
            && err.contains("within 0.3 s (1 attempt)"),
        "{err}"
    );
    assert!(written.is_empty(), "{written:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the slow answer was not waited for"
    );

    let server = Server::start(Prefers::Content);
    server.state().always = Some(Scripted::Status(400, vec![]));
    let (err, _) = failed_run(&server, &[]);
    assert!(
        err.contains("HTTP 400 from ") && err.contains("(1 attempt)"),
        "{err}"
    );
    assert_eq!(server.calls(), 1, "a 400 is not retried");

    // A failed baseline write leaves no file (and so caches nothing).
    let server = Server::start(Prefers::Content);
    server.state().script = VecDeque::from(vec![Scripted::Refusal]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (b, _) = runs(dir.path(), planted);
    let stored = dir.path().join("stored.jsonl");
    let mut args = vec![
        "baseline".to_string(),
        "write".into(),
        "--from".into(),
        b.display().to_string(),
        "--out".into(),
        stored.display().to_string(),
        "--metric".into(),
        "llm_judge".into(),
    ];
    args.extend(judge_flags(&server));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = benchgate(dir.path(), &args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stored.exists());
}

#[test]
fn the_key_appears_in_no_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    server.state().reason_suffix = " <script>alert(1)</script>".into();
    let (b, c) = runs(dir.path(), planted);
    let md = dir.path().join("comment.md");
    let html = dir.path().join("report.html");
    let json_out = dir.path().join("report.json");
    let mut outputs = Vec::new();
    let out = compare(
        dir.path(),
        &server,
        &b,
        &c,
        &[
            "--metric",
            "llm_judge",
            "--metric",
            "llm_pairwise",
            "--markdown-out",
            md.to_str().expect("utf-8"),
            "--html-out",
            html.to_str().expect("utf-8"),
            "--json-out",
            json_out.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    outputs.push(out);
    // The judge's rationale of regressed examples is in the HTML report,
    // escaped: a model's words are untrusted text.
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("id=\"rationale\""), "no rationale section");
    assert!(page.contains("It says the item is broken; the reference says it is fine. &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("a loss (baseline shown first: prefers the baseline&#39;s"));
    assert!(!page.contains("<script>alert(1)"));

    // A server that quotes the key back in its errors.
    let echo = Server::start(Prefers::Content);
    echo.state().always = Some(Scripted::EchoKey);
    let out = compare(
        dir.path(),
        &echo,
        &b,
        &c,
        &[
            "--metric",
            "llm_judge",
            "--judge-max-retries",
            "1",
            "--judge-concurrency",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("upstream rejected credentials 'Bearer [redacted]'"),
        "{}",
        stderr(&out)
    );
    outputs.push(out);

    let stored = dir.path().join("stored.jsonl");
    let mut args = vec![
        "baseline".to_string(),
        "write".into(),
        "--from".into(),
        b.display().to_string(),
        "--out".into(),
        stored.display().to_string(),
        "--metric".into(),
        "llm_judge".into(),
    ];
    args.extend(judge_flags(&server));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    outputs.push(benchgate(dir.path(), &args));
    let mut args = vec![
        "score".to_string(),
        "--input".into(),
        c.display().to_string(),
        "--metric".into(),
        "llm_judge".into(),
        "--format".into(),
        "jsonl".into(),
    ];
    args.extend(judge_flags(&server));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    outputs.push(benchgate(dir.path(), &args));

    for out in &outputs {
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(!text.contains(KEY), "the key in an output: {text}");
            assert!(
                !text.contains("NeverPrint"),
                "part of the key in an output: {text}"
            );
        }
    }
    for file in [&md, &html, &json_out, &stored] {
        let text = std::fs::read_to_string(file).expect("written");
        assert!(!text.contains(KEY), "the key in {}", file.display());
        assert!(!text.contains("Bearer"), "{}", file.display());
    }
    // The requests did carry it.
    assert!(server.calls() > 0);
}

#[test]
fn agreement_calibrates_the_judge_against_human_ratings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    let mut rows = String::new();
    for i in 0..12 {
        for (system, wrong) in [("a", i % 4 == 0), ("b", i % 3 == 0), ("c", i % 2 == 0)] {
            let prediction = if wrong {
                format!("WRONG: item {i} is broken.")
            } else {
                format!("Item {i} is fine.")
            };
            let human = if wrong { 1 } else { 5 };
            rows.push_str(
                &json!({"id": format!("q{i}"), "system": system, "input": format!("How is item {i}?"),
                        "reference": format!("Item {i} is fine."), "prediction": prediction, "human": human})
                .to_string(),
            );
            rows.push('\n');
        }
    }
    let input = dir.path().join("rated.jsonl");
    std::fs::write(&input, rows).expect("writes");
    let mut args = vec![
        "agreement".to_string(),
        "--input".into(),
        input.display().to_string(),
        "--human".into(),
        "human".into(),
        "--metric".into(),
        "llm_judge".into(),
        "--metric".into(),
        "f1".into(),
        "--resamples".into(),
        "200".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(judge_flags(&server));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = benchgate(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    server.assert_no_problems();
    // Each distinct output of an input is judged once.
    let distinct: usize = (0..12)
        .map(|i| {
            let wrong = [i % 4 == 0, i % 3 == 0, i % 2 == 0];
            1 + usize::from(wrong.iter().any(|&w| w) && !wrong.iter().all(|&w| w))
        })
        .sum();
    assert_eq!(server.calls(), distinct);
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let row = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| {
            r["metric"] == "llm_judge" && r["level"] == "system" && r["correlation"] == "pearson"
        })
        .expect("a system-level row");
    assert!(
        (row["value"].as_f64().expect("value") - 1.0).abs() < 1e-9,
        "{row}"
    );
}

#[test]
fn a_judge_configured_in_benchgate_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    let (b, c) = runs(dir.path(), planted);
    std::fs::write(
        dir.path().join("rubric.md"),
        "Is the item described as the reference says?",
    )
    .expect("writes");
    std::fs::write(
        dir.path().join("benchgate.toml"),
        format!(
            "[judge]\nmodel = \"{MODEL}\"\nbase_url = \"{}\"\napi_key_env = \"MY_JUDGE_KEY\"\nresponse_format = \"json_object\"\ninput_cost_per_mtok = 0.15\noutput_cost_per_mtok = 0.6\n\n[metric.faithful]\nkind = \"llm_judge\"\nrubric_file = \"rubric.md\"\nscale = [0, 10]\nsamples = 2\n",
            server.base_url()
        ),
    )
    .expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args([
            "compare",
            "--baseline",
            b.to_str().expect("utf-8"),
            "--current",
            c.to_str().expect("utf-8"),
            "--format",
            "json",
            "-q",
            "--resamples",
            "500",
        ])
        .current_dir(dir.path())
        .env("MY_JUDGE_KEY", KEY)
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    server.assert_no_problems();
    // Two judgements of each of 55 distinct outputs, with seeds apart.
    assert_eq!(server.calls(), 110);
    let bodies = server.bodies();
    assert_eq!(bodies[0]["response_format"]["type"], "json_object");
    assert_eq!(
        bodies[0]["response_format"]["schema"]["properties"]["score"]["enum"],
        json!((0..=10).collect::<Vec<i64>>())
    );
    let system = bodies[0]["messages"][0]["content"].as_str().expect("text");
    assert!(
        system.contains("from 0 (worst) to 10 (best)")
            && system.contains("Is the item described as the reference says?"),
        "{system}"
    );
    let report = json_report(&out);
    let m = metric(&report, "faithful");
    assert_eq!(m["verdict"], "regressed");
    // Scores 1 and 5 on 0–10: 0.1 and 0.5.
    assert!(
        (m["baseline"].as_f64().expect("value") - 0.5).abs() < 1e-12,
        "{m}"
    );
    let usage = &report["judges"][0];
    assert_eq!(usage["samples"], 2);
    let cost = usage["cost_usd"].as_f64().expect("cost");
    assert!(
        (cost - (110.0 * 100.0 * 0.15 + 110.0 * 20.0 * 0.6) / 1e6).abs() < 1e-12,
        "{usage}"
    );
}

#[test]
fn repeated_judgements_measure_the_judge_s_own_noise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    server.state().flaky = true;
    let (b, c) = runs(dir.path(), planted);
    let out = compare(
        dir.path(),
        &server,
        &b,
        &c,
        &["--metric", "llm_judge", "--judge-samples", "3"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // No seed set: every judgement is the same draw for this fake.
    assert_eq!(server.calls(), 3 * 55);
    let report = json_report(&out);
    assert!(
        metric(&report, "llm_judge")["noise"].is_null()
            || metric(&report, "llm_judge")["noise"]["flaky"] == 0
    );

    // With a seed, sample k is sent seed + k: the fake grades the odd ones 3.
    server.reset();
    let toml = dir.path().join("judge.toml");
    std::fs::write(&toml, "[judge]\nseed = 10\n").expect("writes");
    let out = compare(
        dir.path(),
        &server,
        &b,
        &c,
        &[
            "--metric",
            "llm_judge",
            "--judge-samples",
            "3",
            "--config",
            toml.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let seeds: std::collections::BTreeSet<u64> = server
        .bodies()
        .iter()
        .filter_map(|b| b["seed"].as_u64())
        .collect();
    assert_eq!(seeds, [10, 11, 12].into());
    let report = json_report(&out);
    let noise = &metric(&report, "llm_judge")["noise"];
    // Each correct output: 5, 3, 5 on 1–5, so 1, 0.5, 1: flaky (mean
    // difference 1/3 of the range, above 0.1); the 25 unchanged examples
    // are flaky on the baseline side.
    assert_eq!(noise["samples"], json!([3.0, 3.0]), "{noise}");
    assert_eq!(noise["flaky"], 40, "{noise}");
    // A planted regression (1, 1, 1 against 1, 0.5, 1) is solid.
    assert_eq!(noise["solid_regressions"], 15, "{noise}");
}

#[test]
fn an_azure_style_key_header_is_sent_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    server.state().azure = true;
    let (b, c) = runs(dir.path(), planted);
    let config = |auth: &str| {
        std::fs::write(
            dir.path().join("benchgate.toml"),
            format!(
                "[judge]\nmodel = \"{MODEL}\"\nbase_url = \"{}\"\n{auth}",
                server.base_url()
            ),
        )
        .expect("writes");
    };
    let compare = || {
        Command::new(env!("CARGO_BIN_EXE_benchgate"))
            .args(["compare", "--baseline"])
            .arg(&b)
            .arg("--current")
            .arg(&c)
            .args(["--metric", "llm_judge", "-q", "--resamples", "500"])
            .current_dir(dir.path())
            .env("OPENAI_API_KEY", KEY)
            .env_remove("OPENAI_BASE_URL")
            .output()
            .expect("runs")
    };
    // A bearer token is refused by this server, and the error says which key to check.
    config("");
    let refused = compare();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("check the API key"),
        "{}",
        stderr(&refused)
    );
    server.reset();
    config("auth = \"api-key\"\n");
    let out = compare();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the planted regression: {}",
        stderr(&out)
    );
    assert_eq!(server.calls(), 55, "every distinct output judged once");
    server.assert_no_problems();
    assert!(!stderr(&out).contains(KEY) && !String::from_utf8_lossy(&out.stdout).contains(KEY));
}

/// On a terminal the score stage's bar says how far the judge is while its
/// requests are out (the examples' count only moves once they are back).
#[cfg(unix)]
#[test]
fn the_progress_bar_counts_the_judges_requests() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Prefers::Content);
    server.state().always = Some(Scripted::Slow(Duration::from_millis(150)));
    let (b, c) = runs(dir.path(), planted);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchgate"));
    cmd.args(["compare", "--baseline"])
        .arg(&b)
        .arg("--current")
        .arg(&c)
        .args([
            "--metric",
            "llm_judge",
            "--judge-concurrency",
            "4",
            "--resamples",
            "500",
        ])
        .args(judge_flags(&server))
        .current_dir(dir.path())
        .env("OPENAI_API_KEY", KEY)
        .env("BENCHGATE_PROGRESS_DELAY_MS", "0")
        .env("NO_COLOR", "1")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("GITHUB_ACTIONS");
    let (out, code) = crate::progress::terminal::in_terminal(cmd);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("benchgate: score    ["), "{out:?}");
    assert!(out.contains(" of 55 judge requests"), "{out:?}");
    assert!(!out.contains(KEY));
}
