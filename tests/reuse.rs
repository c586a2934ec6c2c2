//! Reusing stored values of expensive metrics (issue 21): a comparison that
//! takes `exec`'s values from a baseline file equals one that runs every
//! example; any setting that changes values changes the settings hash; and
//! `score --shard K/N` files, merged by `compare`, give the unsharded run's
//! report byte for byte.

use std::path::{Path, PathBuf};

use benchgate::config::{Config, OutputFormat};
use benchgate::metrics::checks::CheckSpec;
use benchgate::metrics::MetricOptions;
use benchgate::render::{renderer, RenderOptions};
use benchgate::report::Report;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `exec` running `sh -c SCRIPT`: the score is the byte length of the example
/// JSON it reads (so it depends on every field), and each run appends a line
/// to `counter`.
fn exec_options(counter: &Path) -> MetricOptions {
    let script = format!("echo run >> '{}'; wc -c", counter.display());
    MetricOptions {
        checks: vec![(
            "exec".into(),
            CheckSpec::Exec {
                command: vec!["sh".into(), "-c".into(), script],
                timeout_s: 30.0,
            },
        )],
        exec_cache: None,
        ..MetricOptions::default()
    }
}

fn runs(counter: &Path) -> usize {
    std::fs::read_to_string(counter).map_or(0, |t| t.lines().count())
}

/// A pull request's run: the baseline's rows, with every fifth example's
/// prediction replaced by the fixture's current one.
fn pr_like(dir: &Path) -> PathBuf {
    let base = std::fs::read_to_string(fixture("fixtures/tickets/baseline.jsonl")).expect("reads");
    let cur = std::fs::read_to_string(fixture("fixtures/tickets/current.jsonl")).expect("reads");
    let mut out = String::new();
    for (i, (b, c)) in base.lines().zip(cur.lines()).enumerate() {
        let mut row: serde_json::Value = serde_json::from_str(b).expect("json");
        if i % 5 == 0 {
            let c: serde_json::Value = serde_json::from_str(c).expect("json");
            assert_eq!(row["id"], c["id"]);
            row["prediction"] = c["prediction"].clone();
        }
        out.push_str(&row.to_string());
        out.push('\n');
    }
    let path = dir.join("current.jsonl");
    std::fs::write(&path, out).expect("writes");
    path
}

fn write_baseline(dir: &Path, options: &MetricOptions) -> PathBuf {
    let data = benchgate::load::load(
        &fixture("fixtures/tickets/baseline.jsonl"),
        &benchgate::load::FieldMap::default(),
    )
    .expect("loads");
    let side = benchgate::align::group(data).expect("groups");
    let text = benchgate::baseline::write(
        &side,
        &Default::default(),
        &benchgate::baseline::WriteOptions {
            metrics: vec!["exec".into(), "f1".into()],
            metric_options: options.clone(),
            commit: Some("abc".into()),
            source: vec!["baseline.jsonl".into()],
        },
    )
    .expect("writes");
    let path = dir.join("baseline.benchgate.jsonl");
    std::fs::write(&path, text).expect("writes");
    path
}

fn compare(baseline: &Path, current: Vec<PathBuf>, options: &MetricOptions) -> Report {
    let mut config = Config::builder(baseline.to_path_buf(), current);
    config.gate.metrics = vec!["exec".into(), "f1".into()];
    config.gate.metric_options = options.clone();
    config.stats.slice_by = vec!["category".into()];
    config.stats.resamples = 2_000;
    let config = config.build().expect("valid settings");
    let mut report = benchgate::compare(&config).expect("compares");
    report.baseline_source = "baseline".into();
    report
}

fn json(report: &Report) -> serde_json::Value {
    let text = renderer(OutputFormat::Json, RenderOptions { color: false }).render(report);
    serde_json::from_str(&text).expect("json")
}

#[test]
fn reused_values_equal_a_full_recomputation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = dir.path().join("runs");
    let options = exec_options(&counter);
    let baseline = write_baseline(dir.path(), &options);
    assert_eq!(runs(&counter), 200, "baseline write runs every example");
    let current = pr_like(dir.path());

    let reused = compare(&baseline, vec![current.clone()], &options);
    assert_eq!(
        runs(&counter) - 200,
        40,
        "only the 40 changed predictions run"
    );
    assert_eq!(
        reused.reuse,
        vec![benchgate::report::ReuseCount {
            metric: "exec".into(),
            computed: 40,
            reused: 360,
        }],
        "f1 is cheap and always computed; exec reuses 200 baseline and 160 current values"
    );

    // The same comparison against the plain results file: nothing stored, so
    // every example of both sides runs.
    let before = runs(&counter);
    let full = compare(
        &fixture("fixtures/tickets/baseline.jsonl"),
        vec![current],
        &options,
    );
    assert_eq!(
        runs(&counter) - before,
        240,
        "200 baseline + 40 distinct current"
    );
    assert!(full.reuse.is_empty());
    let (a, b) = (json(&reused), json(&full));
    for part in [
        "verdict",
        "reasons",
        "examples",
        "metrics",
        "slices",
        "regressed_examples",
    ] {
        assert_eq!(
            a[part], b[part],
            "{part} differs between reuse and recomputation"
        );
    }
    assert!(a["metrics"][0]["delta"].as_f64().expect("delta") != 0.0);

    // The footer says what was reused.
    let line =
        "exec: 40 of 400 predictions scored, the other 360 unchanged and reused from stored scores";
    let terminal = renderer(OutputFormat::Terminal, RenderOptions { color: false }).render(&reused);
    let markdown = renderer(OutputFormat::Markdown, RenderOptions { color: false }).render(&reused);
    assert!(terminal.contains(line), "{terminal}");
    assert!(markdown.contains(line), "{markdown}");
    assert_eq!(a["reuse"][0]["computed"], 40);
    assert_eq!(a["reuse"][0]["reused"], 360);
}

#[test]
fn other_settings_reuse_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = dir.path().join("runs");
    let baseline = write_baseline(dir.path(), &exec_options(&counter));
    let current = pr_like(dir.path());
    // Another command (here: another counter file) computes every example.
    let other_counter = dir.path().join("other");
    let report = compare(&baseline, vec![current], &exec_options(&other_counter));
    assert_eq!(runs(&other_counter), 240);
    assert!(report.reuse.is_empty());
    assert!(
        report.warnings.iter().any(|w| w
            .message
            .starts_with("exec: the stored values were computed with other settings")),
        "{:?}",
        report.warnings
    );
}

/// The settings hash of `exec` under `options`.
fn exec_hash(options: &MetricOptions) -> String {
    let metric = benchgate::metrics::build("exec", options, &Default::default()).expect("builds");
    metric.reuse(&[]).expect("exec is reusable").settings
}

#[test]
fn every_setting_that_changes_exec_values_changes_its_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("check.sh");
    std::fs::write(&script, "wc -c\n").expect("writes");
    let with = |command: &[&str], timeout_s: f64| MetricOptions {
        checks: vec![(
            "exec".into(),
            CheckSpec::Exec {
                command: command.iter().map(|s| (*s).to_string()).collect(),
                timeout_s,
            },
        )],
        ..MetricOptions::default()
    };
    let path = script.display().to_string();
    let base = exec_hash(&with(&["sh", &path], 30.0));
    assert_eq!(base, exec_hash(&with(&["sh", &path], 30.0)));
    assert_ne!(base, exec_hash(&with(&["bash", &path], 30.0)), "program");
    assert_ne!(
        base,
        exec_hash(&with(&["sh", &path, "-x"], 30.0)),
        "arguments"
    );
    assert_ne!(base, exec_hash(&with(&["sh", &path], 5.0)), "timeout");
    std::fs::write(&script, "wc -l\n").expect("writes");
    assert_ne!(
        base,
        exec_hash(&with(&["sh", &path], 30.0)),
        "the script's contents"
    );
    // The cache folder changes nothing the command computes.
    let mut cached = with(&["sh", &path], 30.0);
    cached.exec_cache = Some(dir.path().join("cache"));
    assert_eq!(exec_hash(&cached), exec_hash(&with(&["sh", &path], 30.0)));
}

#[test]
fn every_setting_that_changes_bertscore_values_changes_its_hash() {
    use benchgate::metrics::bertscore::{settings_hash, BertScoreOptions, MODEL_FILES};
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("model");
    std::fs::create_dir(&model).expect("mkdir");
    for f in MODEL_FILES {
        std::fs::write(model.join(f), format!("{f} v1")).expect("writes");
    }
    let rescale = dir.path().join("baseline.tsv");
    std::fs::write(&rescale, "LAYER,P,R,F\n0,0.1,0.2,0.3\n").expect("writes");
    let rows = [
        benchgate::load::Row::new("1", "a", vec!["ref one".into()]),
        benchgate::load::Row::new("2", "b", vec!["ref two".into()]),
    ];
    let all: Vec<&benchgate::load::Row> = rows.iter().collect();
    let fewer: Vec<&benchgate::load::Row> = rows.iter().take(1).collect();
    let options = BertScoreOptions {
        model: Some(model.clone()),
        ..BertScoreOptions::default()
    };
    let hash = |o: &BertScoreOptions, idf: &[&benchgate::load::Row]| {
        settings_hash(o, idf).expect("the files read")
    };
    let base = hash(&options, &all);
    assert_eq!(base, hash(&options, &all));
    // Without idf the references do not weigh anything; the batch size only
    // groups the work.
    assert_eq!(base, hash(&options, &fewer), "idf documents without idf");
    let batched = BertScoreOptions {
        batch_size: Some(8),
        ..options.clone()
    };
    assert_eq!(base, hash(&batched, &all), "batch size");
    // The model is its files' contents, wherever they are.
    let moved = dir.path().join("elsewhere");
    std::fs::create_dir(&moved).expect("mkdir");
    for f in MODEL_FILES {
        std::fs::copy(model.join(f), moved.join(f)).expect("copies");
    }
    let at = BertScoreOptions {
        model: Some(moved.clone()),
        ..options.clone()
    };
    assert_eq!(base, hash(&at, &all), "the same model elsewhere");
    for f in MODEL_FILES {
        std::fs::write(moved.join(f), format!("{f} v2")).expect("writes");
        assert_ne!(base, hash(&at, &all), "model file {f}");
        std::fs::copy(model.join(f), moved.join(f)).expect("copies");
    }
    let layers = BertScoreOptions {
        layers: Some(3),
        ..options.clone()
    };
    assert_ne!(base, hash(&layers, &all), "layers");
    let idf = BertScoreOptions {
        idf: true,
        ..options.clone()
    };
    assert_ne!(base, hash(&idf, &all), "idf");
    assert_ne!(hash(&idf, &all), hash(&idf, &fewer), "idf documents");
    let rescaled = BertScoreOptions {
        rescale_baseline: Some(rescale.clone()),
        ..options.clone()
    };
    let with_rescale = hash(&rescaled, &all);
    assert_ne!(base, with_rescale, "rescaling");
    std::fs::write(&rescale, "LAYER,P,R,F\n0,0.1,0.2,0.4\n").expect("writes");
    assert_ne!(
        with_rescale,
        hash(&rescaled, &all),
        "the rescaling file's contents"
    );
    // A model file that cannot be read turns reuse off.
    std::fs::remove_file(moved.join("config.json")).expect("removes");
    assert_eq!(settings_hash(&at, &all), None);
}

/// `score --shard K/N --format jsonl` for each K, and unsharded, into `dir`.
fn score_files(input: &Path, shards: usize, options: &MetricOptions, dir: &Path) -> Vec<PathBuf> {
    let names = vec!["exec".to_string(), "f1".to_string()];
    let fields = benchgate::load::FieldMap::default();
    let mut paths = Vec::new();
    let shard_list: Vec<Option<benchgate::align::Shard>> = if shards == 0 {
        vec![None]
    } else {
        (1..=shards)
            .map(|k| {
                Some(benchgate::align::Shard::parse(&format!("{k}/{shards}")).expect("parses"))
            })
            .collect()
    };
    for shard in shard_list {
        let (side, report) =
            benchgate::score_shard(&[input.to_path_buf()], shard, &names, &fields, options)
                .expect("scores");
        let text = benchgate::baseline::write_scored(
            &side,
            &report,
            &benchgate::baseline::WriteOptions {
                metrics: names.clone(),
                metric_options: options.clone(),
                commit: Some("abc".into()),
                source: vec!["current.jsonl".into()],
            },
        );
        let name = shard.map_or("all".to_string(), |s| s.index.to_string());
        let path = dir.join(format!("scores-{name}.jsonl"));
        std::fs::write(&path, text).expect("writes");
        paths.push(path);
    }
    paths
}

#[test]
fn shards_merged_give_the_unsharded_report_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = dir.path().join("runs");
    let options = exec_options(&counter);
    let baseline = write_baseline(dir.path(), &options);
    let current = pr_like(dir.path());
    let shards_dir = dir.path().join("shards");
    let whole_dir = dir.path().join("whole");
    std::fs::create_dir_all(&shards_dir).expect("mkdir");
    std::fs::create_dir_all(&whole_dir).expect("mkdir");

    let before = runs(&counter);
    let shards = score_files(&current, 3, &options, &shards_dir);
    assert_eq!(
        runs(&counter) - before,
        200,
        "the shards run each example once"
    );
    // Whole examples, each in exactly one shard, none empty.
    let ids = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .expect("reads")
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json")["id"].to_string())
            .collect()
    };
    let mut all: Vec<String> = shards.iter().flat_map(|p| ids(p)).collect();
    assert!(shards.iter().all(|p| !ids(p).is_empty()));
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (200, 200));

    let whole = score_files(&current, 0, &options, &whole_dir);
    let before = runs(&counter);
    let sharded = compare(&baseline, shards, &options);
    let unsharded = compare(&baseline, whole, &options);
    assert_eq!(
        runs(&counter),
        before,
        "the gate runs nothing: every value is stored"
    );
    for format in [
        OutputFormat::Terminal,
        OutputFormat::Markdown,
        OutputFormat::Json,
    ] {
        let r = |report: &Report| renderer(format, RenderOptions { color: false }).render(report);
        assert_eq!(r(&sharded), r(&unsharded), "{format:?}");
    }
    // And both are what a gate computing everything says.
    let full = compare(
        &fixture("fixtures/tickets/baseline.jsonl"),
        vec![current],
        &options,
    );
    let (a, b) = (json(&sharded), json(&full));
    for part in [
        "verdict",
        "examples",
        "metrics",
        "slices",
        "regressed_examples",
    ] {
        assert_eq!(a[part], b[part], "{part}");
    }
}

#[test]
fn shard_numbers_are_checked() {
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        let err = benchgate::align::Shard::parse(bad)
            .expect_err(bad)
            .to_string();
        assert!(err.contains("K/N"), "{err}");
    }
    let s = benchgate::align::Shard::parse("2/3").expect("parses");
    assert_eq!((s.index, s.count), (2, 3));
}
