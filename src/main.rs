//! The `evalgate` binary: parse flags, run the library, map the outcome to an
//! exit code (0 pass, 1 gate failed, 2 usage or input error).

use std::process::ExitCode;

use clap::Parser;
use evalgate::cli::{Cli, Command, CompareArgs, ScoreArgs, ScoreFormat};
use evalgate::config::OutputFormat;
use evalgate::publish::actions::{guard_commands, ActionsEnv};
use evalgate::publish::{github_actions, write_atomic, Rendered};
use evalgate::render::{renderer, RenderOptions};
use evalgate::report::GateVerdict;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Compare(args) => compare(*args),
        Command::Score(args) => score(&args).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints a line on stderr for each stage that took more than a second, so a
/// slow run in a CI log says where its time went.
struct StageLines;

impl evalgate::Progress for StageLines {
    fn finished(&self, stage: evalgate::Stage, elapsed: std::time::Duration) {
        if elapsed.as_secs_f64() >= 1.0 {
            eprintln!(
                "evalgate: {} took {:.1} s",
                stage.name(),
                elapsed.as_secs_f64()
            );
        }
    }
}

/// Runs `compare`; `Ok(true)` when the gate passed.
fn compare(args: CompareArgs) -> anyhow::Result<bool> {
    let github = args.github.options();
    let quiet = args.quiet;
    let config = args.into_config()?;
    let report = if quiet {
        evalgate::compare(&config)?
    } else {
        evalgate::compare_with_progress(&config, &StageLines)?
    };
    let options = RenderOptions {
        color: config.color,
    };
    // Render everything before writing anything, so an error leaves no output.
    let stdout = renderer(config.format, options).render(&report);
    let markdown = config
        .markdown_out
        .as_ref()
        .map(|p| (p, renderer(OutputFormat::Markdown, options).render(&report)));
    let json = config
        .json_out
        .as_ref()
        .map(|p| (p, renderer(OutputFormat::Json, options).render(&report)));
    for (path, text) in markdown.iter().chain(json.iter()) {
        write_atomic(path, text)?;
    }
    let Some(github) = github else {
        print!("{stdout}");
        return Ok(report.verdict == GateVerdict::Pass);
    };
    // The report quotes model outputs: the runner must read no command in them.
    print!("{}", guard_commands(&stdout));
    let markdown = renderer(OutputFormat::Markdown, options).render(&report);
    let json = renderer(OutputFormat::Json, options).render(&report);
    let rendered = Rendered {
        markdown: &markdown,
        json: &json,
        json_out: config.json_out.as_deref(),
    };
    let env = ActionsEnv::from_env();
    github_actions(&report, rendered, &github, &env, &mut std::io::stdout())?;
    // Whether the comment could be posted never changes the verdict.
    Ok(report.verdict == GateVerdict::Pass)
}

fn score(args: &ScoreArgs) -> anyhow::Result<()> {
    let (fields, options) = args.options()?;
    let report = evalgate::score_files(&args.input, &args.metrics, &fields, &options)?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    match args.format {
        ScoreFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        ScoreFormat::Jsonl => {
            for (id, scores) in &report.examples {
                let mut obj = serde_json::Map::new();
                obj.insert("id".into(), id.clone().into());
                for (name, s) in report.order.iter().zip(scores) {
                    obj.insert(name.clone(), serde_json::json!(s));
                }
                println!("{}", serde_json::Value::Object(obj));
            }
        }
        ScoreFormat::Terminal => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.force_no_tty();
            t.set_header(vec!["metric", "value"]);
            for name in &report.order {
                t.add_row(vec![name.clone(), format!("{:.4}", report.metrics[name])]);
            }
            println!("{t}\n{} examples", report.n);
            for s in &report.signatures {
                println!("{s}");
            }
        }
    }
    Ok(())
}
