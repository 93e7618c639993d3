//! The report: one row per figure, each a ratio to a baseline measured in the same run, with the
//! absolute numbers and the machine beside it; printed as a table and written as JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// One figure of the report.
pub struct Row {
    /// The scenario's number and name.
    pub scenario: String,
    /// What is measured, with its unit.
    pub metric: String,
    /// The service's figure.
    pub measured: f64,
    /// The baseline's figure, in the same unit.
    pub baseline: f64,
    /// What the baseline is.
    pub baseline_is: String,
    /// `measured / baseline`.
    pub ratio: f64,
    /// The goal, in words.
    pub goal: String,
    /// Whether the goal is met; `None` when the scenario could not run.
    pub pass: Option<bool>,
    /// Everything else measured.
    pub details: Value,
}

impl Row {
    /// A row with the ratio computed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: &str,
        metric: &str,
        measured: f64,
        baseline: f64,
        baseline_is: &str,
        goal: &str,
        pass: bool,
        details: Value,
    ) -> Self {
        let ratio = if baseline == 0.0 { f64::NAN } else { measured / baseline };
        Self {
            scenario: scenario.to_owned(),
            metric: metric.to_owned(),
            measured,
            baseline,
            baseline_is: baseline_is.to_owned(),
            ratio,
            goal: goal.to_owned(),
            pass: Some(pass),
            details,
        }
    }

    /// A scenario that could not run, and why.
    pub fn failed(scenario: &str, goal: &str, why: &str) -> Self {
        Self {
            scenario: scenario.to_owned(),
            metric: format!("did not run: {why}"),
            measured: f64::NAN,
            baseline: f64::NAN,
            baseline_is: String::new(),
            ratio: f64::NAN,
            goal: goal.to_owned(),
            pass: None,
            details: json!({ "error": why }),
        }
    }

    fn json(&self) -> Value {
        let num = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
        json!({
            "scenario": self.scenario,
            "metric": self.metric,
            "measured": num(self.measured),
            "baseline": num(self.baseline),
            "baselineIs": self.baseline_is,
            "ratio": num(self.ratio),
            "goal": self.goal,
            "pass": self.pass,
            "details": self.details,
        })
    }
}

/// The machine the run is on: CPU model and cores from `/proc/cpuinfo`, the OS, the memory.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_owned(), |(_, v)| v.trim().to_owned());
    let processors = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let usable = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_owned()))
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned();
    let mem_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0);
    json!({
        "cpu": model,
        "processors": processors,
        "usableCores": usable,
        "os": os,
        "kernel": kernel,
        "memoryMiB": mem_kb / 1024,
        "arch": std::env::consts::ARCH,
    })
}

fn fmt(v: f64) -> String {
    if !v.is_finite() {
        "-".to_owned()
    } else if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// The table, as Markdown (readable in a terminal too).
pub fn table(machine: &Value, rows: &[Row]) -> String {
    let mut out = format!(
        "Machine: {} — {} usable cores ({} processors), {} MiB, {} (kernel {})\n\n",
        machine["cpu"].as_str().unwrap_or("?"),
        machine["usableCores"],
        machine["processors"],
        machine["memoryMiB"],
        machine["os"].as_str().unwrap_or("?"),
        machine["kernel"].as_str().unwrap_or("?"),
    );
    out.push_str("| # | metric | measured | baseline | ratio | goal | result |\n");
    out.push_str("|---|---|---:|---:|---:|---|---|\n");
    for row in rows {
        let result = match row.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "n/a",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} ({}) | {}× | {} | {} |",
            row.scenario,
            row.metric,
            fmt(row.measured),
            fmt(row.baseline),
            row.baseline_is,
            fmt(row.ratio),
            row.goal,
            result
        );
    }
    out
}

/// The whole report as JSON.
pub fn json(machine: &Value, settings: &Value, rows: &[Row]) -> Value {
    json!({
        "generatedAt": chrono::Utc::now().to_rfc3339(),
        "machine": machine,
        "settings": settings,
        "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
    })
}
