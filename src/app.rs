//! The command line's edge: parse the flags, run each command on the library,
//! print, and map the outcome to an exit code (0 pass, 1 gate failed, 2 usage
//! or input error). Errors become `anyhow` here and nowhere below.
//!
//! The binary (`src/main.rs`) is [`run`] on the process's arguments, and so is
//! the Python package's `benchgate` command, in-process.

use crate::atomic::{write_all_atomic, write_atomic};
use crate::cli::{
    AgreementArgs, BaselineCommand, Cli, Command, CompareArgs, HistoryAction, HistoryArgs,
    MonitorArgs, PlanArgs, PlanFormat, ReportFormat, ReviewCommand, ReviewSampleArgs,
    ReviewScoreArgs, ScoreArgs, ScoreFormat, SheetFormat,
};
use crate::config::OutputFormat;
use crate::config::SuiteComments;
use crate::github::actions::{guard_commands, ActionsEnv};
use crate::publish::{github_actions, HtmlLink, Rendered};
use crate::render::{render, render_suites, RenderOptions, Renderer as _};
use crate::report::{GateVerdict, Report};
use clap::Parser;

/// The whole command line, `args` including the program name; returns the exit
/// code. The Python package compiles this file into its extension too
/// (`python/src/lib.rs`), so that its `benchgate` console script runs this same
/// code in-process.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Compare(args) => compare(*args),
        Command::Score(args) => score(&args).map(|()| true),
        Command::Baseline(BaselineCommand::Write(args)) => baseline_write(&args).map(|()| true),
        Command::History(args) => history(*args),
        Command::Review(ReviewCommand::Sample(args)) => review_sample(*args).map(|()| true),
        Command::Review(ReviewCommand::Score(args)) => review_score(&args).map(|()| true),
        Command::Agreement(args) => agreement(*args).map(|()| true),
        Command::Plan(args) => plan(*args).map(|()| true),
        Command::Monitor(args) => monitor(*args),
    };
    match result {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

/// Runs `compare`; `Ok(true)` when the gate passed.
fn compare(args: CompareArgs) -> anyhow::Result<bool> {
    let github = args.github.options();
    let quiet = args.quiet;
    let config = args.into_config()?;
    let want_html = config.outputs.html_out.is_some();
    let run = |config: &crate::config::Config| {
        let stderr = crate::progress::StderrProgress::new();
        let progress: &dyn crate::Progress = if quiet { &() } else { &stderr };
        if want_html {
            crate::compare_with_examples(config, progress).map(|(r, t)| (r, Some(t)))
        } else {
            crate::compare_with_progress(config, progress).map(|r| (r, None))
        }
    };
    // Every suite runs before anything is written or posted: an input error in
    // the last one leaves no output behind.
    let runs = if config.suites.is_empty() {
        vec![run(&config)?]
    } else {
        let mut runs = Vec::new();
        for suite in &config.suites {
            runs.push(
                run(suite).map_err(|e| anyhow::anyhow!("suite {}: {e}", suite.outputs.suite))?,
            );
        }
        runs
    };
    let (reports, tables): (Vec<Report>, Vec<_>) = runs.into_iter().unzip();
    let options = RenderOptions {
        color: config.outputs.color,
    };
    let rendered = |format: OutputFormat| match reports.as_slice() {
        [one] => render(one, format, options),
        many => render_suites(format, options, many),
    };
    let passed = reports.iter().all(|r| r.verdict == GateVerdict::Pass);
    // Render everything before writing anything, so an error leaves no output.
    let stdout = rendered(config.outputs.format);
    let markdown = config
        .outputs
        .markdown_out
        .as_ref()
        .map(|p| (p, rendered(OutputFormat::Markdown)));
    let json = config
        .outputs
        .json_out
        .as_ref()
        .map(|p| (p.clone(), rendered(OutputFormat::Json)));
    let html = html_reports(config.outputs.html_out.as_deref(), &reports, &tables);
    // The ids to re-run with more samples, one per line (`suite/id` with
    // several suites); an empty file when every outcome is certain.
    let rerun = config.outputs.rerun_out.as_ref().map(|p| {
        let ids = match reports.as_slice() {
            [one] => one.rerun_ids.clone(),
            many => Report::merged(many)
                .map(|m| m.rerun_ids)
                .unwrap_or_default(),
        };
        let mut text = ids.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        (p.clone(), text)
    });
    // Either every output file is replaced or none is.
    let files: Vec<(&std::path::Path, &str)> = markdown
        .iter()
        .map(|(p, text)| (p.as_path(), text.as_str()))
        .chain(json.iter().map(|(p, text)| (p.as_path(), text.as_str())))
        .chain(html.iter().map(|h| (h.path.as_path(), h.text.as_str())))
        .chain(rerun.iter().map(|(p, text)| (p.as_path(), text.as_str())))
        .collect();
    write_all_atomic(&files)?;
    let Some(github) = github else {
        print!("{stdout}");
        return Ok(passed);
    };
    // The report quotes model outputs: the runner must read no command in them.
    print!("{}", guard_commands(&stdout));
    let env = ActionsEnv::from_env();
    let per_suite = config.outputs.suite_comments == SuiteComments::PerSuite || reports.len() == 1;
    let link = |suites: &[usize]| {
        let pages: Vec<&HtmlPage> = html.iter().filter(|h| suites.contains(&h.suite)).collect();
        (!pages.is_empty()).then(|| HtmlLink {
            paths: pages.iter().map(|h| h.path.clone()).collect(),
            changed: pages.iter().map(|h| h.changed).sum(),
        })
    };
    if per_suite {
        for (i, report) in reports.iter().enumerate() {
            publish(
                report,
                &render(report, OutputFormat::Markdown, options),
                &render(report, OutputFormat::Json, options),
                link(&[i]),
                &config,
                &github,
                &env,
            )?;
        }
    } else if let Some(merged) = Report::merged(&reports) {
        let all: Vec<usize> = (0..reports.len()).collect();
        publish(
            &merged,
            &rendered(OutputFormat::Markdown),
            &rendered(OutputFormat::Json),
            link(&all),
            &config,
            &github,
            &env,
        )?;
    }
    // Whether the comment could be posted never changes the verdict.
    Ok(passed)
}

/// One suite's HTML report, rendered and waiting to be written.
struct HtmlPage {
    suite: usize,
    path: std::path::PathBuf,
    text: String,
    changed: usize,
}

/// The HTML reports of `--html-out`: the file itself for one suite, else one
/// file per suite beside it (`report.html` → `report.SUITE.html`).
fn html_reports(
    path: Option<&std::path::Path>,
    reports: &[Report],
    tables: &[Option<crate::examples::ExampleTable>],
) -> Vec<HtmlPage> {
    let Some(path) = path else {
        return Vec::new();
    };
    let several = reports.len() > 1;
    reports
        .iter()
        .zip(tables)
        .enumerate()
        .filter_map(|(suite, (report, table))| {
            let table = table.as_ref()?;
            let path = if several {
                let stem = path.file_stem().map_or_else(
                    || "report".to_string(),
                    |s| s.to_string_lossy().into_owned(),
                );
                let safe: String = report
                    .suite
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                path.with_file_name(format!("{stem}.{safe}.html"))
            } else {
                path.to_path_buf()
            };
            Some(HtmlPage {
                suite,
                path,
                text: crate::render::html::html(report, table),
                changed: table.rows.len(),
            })
        })
        .collect()
}

/// Publishes one report (or several suites merged) to GitHub Actions.
fn publish(
    report: &Report,
    markdown: &str,
    json: &str,
    html: Option<HtmlLink>,
    config: &crate::config::Config,
    github: &crate::publish::GithubOptions,
    env: &ActionsEnv,
) -> anyhow::Result<()> {
    let rendered = Rendered {
        markdown,
        json,
        json_out: config.outputs.json_out.as_deref(),
        html: html.as_ref(),
    };
    github_actions(report, rendered, github, env, &mut std::io::stdout())?;
    Ok(())
}

fn baseline_write(args: &crate::cli::BaselineWriteArgs) -> anyhow::Result<()> {
    let (fields, options) = args.options()?;
    let mut data = crate::load::load_all(&args.from, &fields)?;
    let stored = std::mem::take(&mut data.stored);
    let side = crate::align::group(data)?;
    let text = crate::baseline::write(&side, &stored, &options)?;
    write_atomic(&args.out, &text)?;
    eprintln!(
        "benchgate: wrote {} ({} examples, fingerprint {})",
        args.out.display(),
        side.examples.len(),
        crate::align::short(&crate::align::fingerprint(&side.examples))
    );
    Ok(())
}

fn score(args: &ScoreArgs) -> anyhow::Result<()> {
    let (fields, options) = args.options()?;
    let (side, report) =
        crate::score_shard(&args.input, args.shard()?, &args.metrics, &fields, &options)?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    match args.format {
        ScoreFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        ScoreFormat::Jsonl => {
            let write = crate::baseline::WriteOptions {
                metrics: args.metrics.clone(),
                metric_options: options,
                commit: None,
                source: args.input.iter().map(|p| p.display().to_string()).collect(),
            };
            print!("{}", crate::baseline::write_scored(&side, &report, &write));
        }
        ScoreFormat::Terminal => {
            let values: Vec<(&str, f64)> = report
                .order
                .iter()
                .map(|name| (name.as_str(), report.metrics[name]))
                .collect();
            print!(
                "{}",
                crate::render::score_table(&values, report.n, &report.signatures)
            );
        }
    }
    Ok(())
}

/// Runs `monitor`; `Ok(false)` on an alarm.
fn monitor(args: MonitorArgs) -> anyhow::Result<bool> {
    let (format, quiet, issue) = (args.format, args.quiet, args.issue);
    let github = args.github.then_some(crate::publish::GithubOptions {
        comment: crate::github::CommentMode::OnChange,
        timeout: std::time::Duration::from_secs(args.github_timeout),
        verbose: args.verbose,
    });
    let outputs = (
        args.markdown_out.clone(),
        args.json_out.clone(),
        args.html_out.clone(),
        args.review_out.clone(),
    );
    let config = args.into_config()?;
    let stderr = crate::progress::StderrProgress::new();
    let progress: &dyn crate::Progress = if quiet { &() } else { &stderr };
    let report = crate::monitor(&config, progress)?;
    // Render everything before writing anything, so an error leaves no output.
    let plain = RenderOptions::default();
    let stdout = render(&report, format, plain);
    let markdown = render(&report, OutputFormat::Markdown, plain);
    let json = render(&report, OutputFormat::Json, plain);
    let sheet = outputs
        .3
        .as_ref()
        .map(|p| {
            let rows: Vec<crate::review::sheet::ReferenceRow> = report
                .novel_inputs
                .iter()
                .enumerate()
                .map(|(i, n)| crate::review::sheet::ReferenceRow {
                    row: i + 1,
                    id: n.id.clone(),
                    slice: report.slice_by.clone().zip(n.slice.clone()),
                    input: n.input.clone(),
                    output: n.output.clone(),
                    similarity: n.similarity,
                })
                .collect();
            crate::review::sheet::to_reference_csv(&rows).map(|text| (p.clone(), text, rows.len()))
        })
        .transpose()?;
    let html = outputs
        .2
        .as_ref()
        .map(|p| (p.clone(), crate::render::Page.render(&report)));
    let files: Vec<(&std::path::Path, &str)> = outputs
        .0
        .iter()
        .map(|p| (p.as_path(), markdown.as_str()))
        .chain(outputs.1.iter().map(|p| (p.as_path(), json.as_str())))
        .chain(html.iter().map(|(p, t)| (p.as_path(), t.as_str())))
        .chain(sheet.iter().map(|(p, t, _)| (p.as_path(), t.as_str())))
        .collect();
    write_all_atomic(&files)?;
    if let Some(options) = github {
        print!("{}", guard_commands(&stdout));
        crate::publish::monitor_github(
            &markdown,
            report.alarm,
            &report.reasons,
            issue,
            &options,
            &ActionsEnv::from_env(),
            &mut std::io::stdout(),
        )?;
    } else {
        print!("{stdout}");
    }
    if let Some((path, _, n)) = &sheet {
        eprintln!(
            "benchgate: wrote {n} novel inputs to {} (complete the reference column: the rows become benchmark cases)",
            path.display()
        );
    }
    Ok(!report.alarm)
}

/// Runs `plan`: prints the benchmark size a drop needs, or the drop a size catches.
fn plan(args: PlanArgs) -> anyhow::Result<()> {
    let format = args.format;
    let (config, request) = args.into_request()?;
    let report = crate::plan(&config, &request)?;
    let format = match format {
        PlanFormat::Json => OutputFormat::Json,
        PlanFormat::Terminal => OutputFormat::Terminal,
    };
    print!("{}", render(&report, format, RenderOptions::default()));
    Ok(())
}

/// Runs `history` (`Ok(false)`: drift flagged) or `history append` (always `Ok(true)`).
fn history(args: HistoryArgs) -> anyhow::Result<bool> {
    use crate::history;
    if let Some(HistoryAction::Append(a)) = args.action {
        let commit = history::resolve_commit(a.commit.as_deref())?;
        let date = history::resolve_date(a.date.as_deref())?;
        for entry in history::entries_from_report(&a.from, &commit, &date)? {
            let replaced = history::append(&a.history, &entry)?;
            eprintln!(
                "benchgate: {} {} ({} metrics, suite {}, commit {commit}) in {}",
                if replaced {
                    "replaced the entry of"
                } else {
                    "recorded"
                },
                a.from.display(),
                entry.metrics.len(),
                entry.suite,
                a.history.display()
            );
        }
        return Ok(true);
    }
    let path = args
        .history
        .ok_or_else(|| anyhow::anyhow!("--history PATH is required"))?;
    let data = history::read(&path)?;
    let report = history::drift(&path, &data, &args.metrics, args.last, args.alpha)?;
    print!("{}", render(&report, args.format, RenderOptions::default()));
    Ok(!report.drift)
}

/// Writes the blind sheet and its key, and says what was drawn.
fn review_sample(args: ReviewSampleArgs) -> anyhow::Result<()> {
    let key_path = args.key_path();
    let format = args.sheet_format();
    let out = args.out.clone();
    if key_path == out {
        anyhow::bail!(
            "--key and --out are the same file ({}); the key must be a separate file kept from reviewers",
            out.display()
        );
    }
    let sample = crate::review::sample::sample(&args.into_config()?)?;
    let sheet = match format {
        SheetFormat::Csv => crate::review::sheet::to_csv(&sample.rows)?,
        SheetFormat::Markdown => crate::review::sheet::to_markdown(&sample.rows),
    };
    let key = serde_json::to_string_pretty(&sample.key)? + "\n";
    write_atomic(&out, &sheet)?;
    write_atomic(&key_path, &key)?;
    let counts: Vec<String> = sample
        .key
        .strata
        .iter()
        .filter(|s| s.stratum != crate::review::Stratum::Identical)
        .map(|s| format!("{} {} of {}", s.sampled, s.stratum.name(), s.population))
        .collect();
    let identical = sample
        .key
        .strata
        .iter()
        .find(|s| s.stratum == crate::review::Stratum::Identical)
        .map_or(0, |s| s.population);
    println!(
        "wrote {} rows to {} ({}; {identical} examples with identical outputs not sampled, counted as ties)",
        sample.rows.len(),
        out.display(),
        counts.join(", ")
    );
    println!(
        "wrote the key to {}: keep it from the reviewers; score with `benchgate review score --sheet {} --key {}`",
        key_path.display(),
        out.display(),
        key_path.display()
    );
    Ok(())
}

fn review_score(args: &ReviewScoreArgs) -> anyhow::Result<()> {
    crate::config::probability("--confidence", args.confidence)?;
    let settings = crate::review::score::ScoreSettings {
        confidence: args.confidence,
    };
    let report = crate::review::score::score(&args.sheet, &args.key, settings)?;
    print!(
        "{}",
        render(
            &report,
            output_format(args.format),
            RenderOptions::default()
        )
    );
    Ok(())
}

fn agreement(args: AgreementArgs) -> anyhow::Result<()> {
    let format = args.format;
    let report = crate::agreement::agreement(&args.into_config()?)?;
    print!(
        "{}",
        render(&report, output_format(format), RenderOptions::default())
    );
    Ok(())
}

/// The output format a `--format` of `review score` and `agreement` names.
fn output_format(format: ReportFormat) -> OutputFormat {
    match format {
        ReportFormat::Terminal => OutputFormat::Terminal,
        ReportFormat::Markdown => OutputFormat::Markdown,
        ReportFormat::Json => OutputFormat::Json,
    }
}
