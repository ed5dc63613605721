//! The step runner: runs named steps in order, times them, decides whether to go on after
//! a failure, and prints the summary a CI log reader looks for.
//!
//! Each step prints `==> step <name> ...` when it starts and when it ends (with its time).
//! The last line of the output is always `N passed, M failed`, counting steps.
//!
//! Every step has a time limit, and the whole run a budget (CI stops a run after 90
//! minutes and then shows nothing): a step still running at the earlier of the two has its
//! commands killed and fails, and the run goes on to print the summary.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cmd::{fmt_duration, set_step_deadline};

/// What a step that did not fail reports.
pub(crate) enum Outcome {
    Passed,
    /// Nothing to do yet (for example no JS tests exist); the reason is shown.
    Skipped(String),
}

/// Whether later steps can still run after this one failed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFailure {
    /// Installs and builds: later steps need their result, so stop.
    Stop,
    /// Checks and test suites: keep going so one run shows every failure.
    Continue,
}

pub(crate) struct Step<'a> {
    pub(crate) name: &'static str,
    pub(crate) about: &'static str,
    pub(crate) on_failure: OnFailure,
    /// How long the step may run (on a clean clone of this 2-core machine it needs well
    /// under half of it).
    pub(crate) limit: Duration,
    pub(crate) run: Box<dyn Fn() -> Result<Outcome> + 'a>,
}

impl<'a> Step<'a> {
    pub(crate) fn new(
        name: &'static str,
        about: &'static str,
        on_failure: OnFailure,
        run: impl Fn() -> Result<Outcome> + 'a,
    ) -> Self {
        Self {
            name,
            about,
            on_failure,
            limit: Duration::from_secs(10 * 60),
            run: Box::new(run),
        }
    }

    /// Replaces the default limit of 10 minutes.
    pub(crate) fn limit_minutes(mut self, minutes: u64) -> Self {
        self.limit = Duration::from_secs(minutes * 60);
        self
    }
}

/// How a step ended, for the summary.
enum Verdict {
    Passed,
    Skipped(String),
    Failed(String),
    NotRun,
}

struct Record {
    name: &'static str,
    result: Verdict,
    time: Option<Duration>,
}

/// Run the steps and print the summary. Returns whether every step that ran succeeded.
/// Each step's limit is multiplied by `limit_factor`; the run as a whole ends at `budget`.
pub(crate) fn run_all(steps: &[Step<'_>], limit_factor: f64, budget: Duration) -> bool {
    let started = Instant::now();
    let run_deadline = started + budget;
    let total = steps.len();
    let mut records = Vec::with_capacity(total);
    let mut stopped_by: Option<&'static str> = None;

    for (i, step) in steps.iter().enumerate() {
        if stopped_by.is_some() {
            records.push(Record {
                name: step.name,
                result: Verdict::NotRun,
                time: None,
            });
            continue;
        }
        println!();
        println!("==> step {} ({}/{total}): {}", step.name, i + 1, step.about);
        let t0 = Instant::now();
        let limit = step.limit.mul_f64(limit_factor);
        let deadline = (t0 + limit).min(run_deadline);
        set_step_deadline(Some(deadline));
        let outcome = (step.run)().map_err(|err| {
            if Instant::now() >= deadline {
                let which = if deadline == run_deadline {
                    format!("the run's budget of {}", fmt_duration(budget))
                } else {
                    format!("the step's time limit of {}", fmt_duration(limit))
                };
                err.context(format!("stopped at {which}"))
            } else {
                err
            }
        });
        set_step_deadline(None);
        let took = t0.elapsed();
        let time = fmt_duration(took);
        let result = match outcome {
            Ok(Outcome::Passed) => {
                println!("==> step {} passed ({time})", step.name);
                Verdict::Passed
            }
            Ok(Outcome::Skipped(why)) => {
                println!("==> step {} skipped ({time}): {why}", step.name);
                Verdict::Skipped(why)
            }
            Err(err) => {
                let why = format!("{err:#}");
                println!("==> step {} FAILED ({time}): {why}", step.name);
                if step.on_failure == OnFailure::Stop {
                    stopped_by = Some(step.name);
                }
                Verdict::Failed(why)
            }
        };
        records.push(Record {
            name: step.name,
            result,
            time: Some(took),
        });
    }

    if let Some(name) = stopped_by {
        println!();
        println!("==> stopped after step {name} failed: the steps after it need it");
    }
    print_summary(&records, started.elapsed())
}

fn print_summary(records: &[Record], total: Duration) -> bool {
    let width = records
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!();
    println!("==> summary (total {})", fmt_duration(total));
    println!("    {:width$}  {:8}  {:>7}", "step", "result", "time");
    let (mut passed, mut failed) = (0, 0);
    for record in records {
        let (label, detail) = match &record.result {
            Verdict::Passed => {
                passed += 1;
                ("passed", String::new())
            }
            Verdict::Skipped(why) => ("skipped", why.clone()),
            Verdict::Failed(why) => {
                failed += 1;
                ("FAILED", first_line_shortened(why))
            }
            Verdict::NotRun => ("not run", String::new()),
        };
        let time = record.time.map(fmt_duration).unwrap_or_else(|| "-".into());
        let line = format!("    {:width$}  {label:8}  {time:>7}  {detail}", record.name);
        println!("{}", line.trim_end());
    }
    println!("{passed} passed, {failed} failed");
    failed == 0
}

/// The start of an error for the summary table; the step's own end line has all of it.
fn first_line_shortened(text: &str) -> String {
    const MAX: usize = 100;
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn test_failures_go_on_but_build_failures_stop() {
        let ran = RefCell::new(Vec::new());
        let step = |name: &'static str, on_failure, fails: bool| {
            let ran = &ran;
            Step::new(name, "test", on_failure, move || {
                ran.borrow_mut().push(name);
                if fails {
                    anyhow::bail!("{name} broke")
                }
                Ok(Outcome::Passed)
            })
        };
        let steps = [
            step("fmt", OnFailure::Continue, true),
            step("build", OnFailure::Stop, false),
            step("rust", OnFailure::Continue, true),
            step("js", OnFailure::Continue, false),
            step("wasm", OnFailure::Stop, true),
            step("python", OnFailure::Continue, false),
        ];
        assert!(!run_all(&steps, 1.0, Duration::from_secs(60)));
        assert_eq!(*ran.borrow(), ["fmt", "build", "rust", "js", "wasm"]);
    }

    #[test]
    fn skipped_steps_do_not_fail_the_run() {
        let steps = [Step::new("js", "test", OnFailure::Continue, || {
            Ok(Outcome::Skipped("nothing yet".into()))
        })];
        assert!(run_all(&steps, 1.0, Duration::from_secs(60)));
    }

    #[test]
    fn a_step_past_its_limit_is_killed_with_its_children_and_the_run_goes_on() {
        let pid_file = std::env::temp_dir().join(format!("xtask-limit-{}", std::process::id()));
        let script = format!("sleep 60 & echo $! > {}; wait", pid_file.display());
        let steps = [
            Step::new("hangs", "test", OnFailure::Continue, || {
                crate::cmd::Cmd::new("sh").args(["-c", &script]).run()?;
                Ok(Outcome::Passed)
            })
            .limit_minutes(1),
            Step::new("next", "test", OnFailure::Continue, || Ok(Outcome::Passed)),
        ];
        let started = Instant::now();
        // A factor of 1/20 makes the minute 3 s.
        assert!(!run_all(&steps, 0.05, Duration::from_secs(60)));
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the limit ended the step"
        );
        let grandchild = std::fs::read_to_string(&pid_file).expect("the script wrote its pid");
        let _ = std::fs::remove_file(&pid_file);
        // SIGKILL is delivered asynchronously: wait (bounded) for the process to be gone or a
        // zombie; a sleep that was never killed would live 60 s.
        let stat = format!("/proc/{}/stat", grandchild.trim());
        let dead = || {
            std::fs::read_to_string(&stat)
                .map_or(true, |s| s.contains(") Z ") || s.contains(") X "))
        };
        let waited = Instant::now();
        while !dead() && waited.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(dead(), "the sleep the step started was killed too");
    }
}
