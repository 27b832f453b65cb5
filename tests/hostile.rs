//! Hostile input, end to end: every command given bad files, odd values, broken sessions, wild
//! options and dangerous output targets. Each case runs the real binary in a fresh directory and
//! states the exit code (2 for bad input, 1 for a failed gate, 0 where the input is odd but
//! valid), what stderr or stdout must say, and, where files are at stake, what must be left on
//! disk. No case may panic. Below them, property tests load random CSV bytes and random level
//! strings through the library: no panic, and group identity survives the thresholds round trip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use proptest::prelude::*;

/// A small valid file: two groups, a weight column.
const SMALL: &str =
    "score,y,g,w\n0.9,1,a,1\n0.8,0,a,2\n0.3,1,a,1\n0.7,1,b,1\n0.2,0,b,3\n0.6,0,b,1\n";

/// Mapping flags for [`SMALL`]-shaped files.
const MAP: [&str; 6] = ["--score", "score", "--label", "y", "--group", "g"];

/// What must hold on disk after a case ran (given its directory).
type AfterCheck = fn(&Path) -> Result<(), String>;

/// One hostile input and what Fulcrum must answer.
struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    setup: Vec<Vec<String>>,
    args: Vec<String>,
    code: i32,
    stderr: Vec<String>,
    stdout: Vec<String>,
    after: Option<AfterCheck>,
}

fn case(name: &str) -> Case {
    Case {
        name: name.to_owned(),
        files: Vec::new(),
        setup: Vec::new(),
        args: Vec::new(),
        code: 2,
        stderr: Vec::new(),
        stdout: Vec::new(),
        after: None,
    }
}

impl Case {
    fn file(mut self, name: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files
            .push((name.to_owned(), contents.as_ref().to_vec()));
        self
    }
    fn small(self) -> Self {
        self.file("d.csv", SMALL)
    }
    /// A command that must succeed before the case runs (to make sessions, links, …).
    fn setup(mut self, args: &[&str]) -> Self {
        self.setup
            .push(args.iter().map(|a| (*a).to_owned()).collect());
        self
    }
    fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }
    /// `audit FILE` with the [`MAP`] flags, then `extra`.
    fn audit(self, file: &str, extra: &[&str]) -> Self {
        self.args(&["audit", file]).args(&MAP).args(extra)
    }
    fn code(mut self, code: i32) -> Self {
        self.code = code;
        self
    }
    fn err(mut self, fragment: &str) -> Self {
        self.stderr.push(fragment.to_owned());
        self
    }
    fn out(mut self, fragment: &str) -> Self {
        self.stdout.push(fragment.to_owned());
        self
    }
    fn after(mut self, check: AfterCheck) -> Self {
        self.after = Some(check);
        self
    }

    /// Runs the case in a fresh directory; the error says what went wrong.
    fn run(&self) -> Result<(), String> {
        let directory = tempfile::tempdir().map_err(|e| e.to_string())?;
        for (name, contents) in &self.files {
            let path = directory.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&path, contents).map_err(|e| e.to_string())?;
        }
        for args in &self.setup {
            match args.first().map(String::as_str) {
                Some("ln") => {
                    link(directory.path(), &args[1], &args[2]);
                    continue;
                }
                Some("__special") => {
                    apply_special(directory.path(), args);
                    continue;
                }
                _ => {}
            }
            let output = fulcrum(directory.path()).args(args).output().unwrap();
            if !output.status.success() {
                return Err(format!(
                    "setup {args:?} failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
        }
        let output = fulcrum(directory.path()).args(&self.args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut problems = Vec::new();
        if output.status.code() != Some(self.code) {
            problems.push(format!(
                "exit {:?}, expected {}",
                output.status.code(),
                self.code
            ));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push("panicked".to_owned());
        }
        if stdout.contains("NaN") {
            problems.push("printed NaN".to_owned());
        }
        for fragment in &self.stderr {
            if !stderr.contains(fragment.as_str()) {
                problems.push(format!("stderr lacks `{fragment}`"));
            }
        }
        for fragment in &self.stdout {
            if !stdout.contains(fragment.as_str()) {
                problems.push(format!("stdout lacks `{fragment}`"));
            }
        }
        if let Some(check) = self.after
            && let Err(problem) = check(directory.path())
        {
            problems.push(problem);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: {}\n  args: {:?}\n  stderr: {}\n  stdout: {}",
                self.name,
                problems.join("; "),
                self.args,
                stderr.trim(),
                stdout.chars().take(600).collect::<String>()
            ))
        }
    }
}

fn fulcrum(directory: &Path) -> Command {
    let mut command = Command::cargo_bin("fulcrum").unwrap();
    command.current_dir(directory);
    command
}

#[cfg(unix)]
fn link(directory: &Path, target: &str, name: &str) {
    std::os::unix::fs::symlink(target, directory.join(name)).unwrap();
}

#[cfg(not(unix))]
fn link(directory: &Path, target: &str, name: &str) {
    std::fs::copy(directory.join(target), directory.join(name)).unwrap();
}

/// Runs every case and reports all failures at once.
fn run_all(cases: &[Case]) {
    let failures: Vec<String> = cases.iter().filter_map(|c| c.run().err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn read(directory: &Path, name: &str) -> Result<String, String> {
    std::fs::read_to_string(directory.join(name)).map_err(|e| format!("{name}: {e}"))
}

/// Cases for a numeric flag: each bad value must exit 2 naming the flag.
fn bad_values(name: &str, base: &[&str], flag: &str, values: &[&str], small: bool) -> Vec<Case> {
    values
        .iter()
        .map(|value| {
            let argument = format!("{flag}={value}");
            let mut c = case(&format!("{name} {argument}"))
                .args(base)
                .args(&[&argument])
                .err(flag);
            if small {
                c = c.small();
            }
            c
        })
        .collect()
}

fn numeric_option_cases() -> Vec<Case> {
    let audit: Vec<&str> = ["audit", "d.csv"].into_iter().chain(MAP).collect();
    let optimize: Vec<&str> = ["optimize", "d.csv"].into_iter().chain(MAP).collect();
    let frontier: Vec<&str> = ["frontier", "d.csv"]
        .into_iter()
        .chain(MAP)
        .chain(["--constraint", "demographic_parity"])
        .collect();
    let single: Vec<&str> = optimize
        .iter()
        .copied()
        .chain(["--constraint", "single"])
        .collect();
    let cost: Vec<&str> = single
        .iter()
        .copied()
        .chain(["--objective", "cost"])
        .collect();
    let parity: Vec<&str> = optimize
        .iter()
        .copied()
        .chain(["--constraint", "demographic_parity"])
        .collect();
    let sample = ["sample", "--out", "s.csv"];
    let not_finite = [
        "NaN", "nan", "inf", "-inf", "+inf", "1e999", "abc", "", "0x10",
    ];
    let mut cases = Vec::new();
    cases.extend(bad_values(
        "audit",
        &audit,
        "--threshold",
        &not_finite,
        true,
    ));
    cases.extend(bad_values(
        "audit",
        &audit,
        "--min-count",
        &["NaN", "-1", "inf", "abc", "-0.5"],
        true,
    ));
    for flag in ["--fp-cost", "--fn-cost"] {
        cases.extend(bad_values(
            "optimize",
            &cost,
            flag,
            &["NaN", "-1", "inf", "1e308", "1e101", "abc"],
            true,
        ));
    }
    cases.extend(bad_values(
        "optimize",
        &parity,
        "--tolerance",
        &["NaN", "-0.1", "1.5", "inf", "abc"],
        true,
    ));
    cases.extend(bad_values(
        "frontier",
        &frontier,
        "--points",
        &["0", "1", "10002", "1000000000000", "-5", "abc", "1.5"],
        true,
    ));
    cases.extend(bad_values(
        "sample",
        &sample,
        "--rows",
        &["0", "100000001", "-1", "abc", "1e6"],
        false,
    ));
    cases.extend(bad_values(
        "sample",
        &sample,
        "--drift",
        &["NaN", "inf", "21", "-21", "abc"],
        false,
    ));
    cases.extend(
        ["NaN", "-1", "101%", "NaN%", "abc", "-5%"]
            .iter()
            .map(|value| {
                case(&format!("optimize --capacity={value}"))
                    .small()
                    .args(&single)
                    .args(&[&format!("--capacity={value}")])
                    .err("capacity")
            }),
    );
    cases.push(
        case("session new --threshold NaN")
            .small()
            .args(&["session", "new", "d.csv"])
            .args(&MAP)
            .args(&["--threshold=NaN", "--out", "s.json"])
            .err("--threshold")
            .after(|d| match d.join("s.json").exists() {
                true => Err("s.json was written".into()),
                false => Ok(()),
            }),
    );
    cases.push(
        case("session scenario --threshold NaN")
            .small()
            .setup(&[
                "session", "new", "d.csv", "--score", "score", "--label", "y", "--group", "g",
                "--out", "s.json",
            ])
            .args(&[
                "session",
                "scenario",
                "s.json",
                "--name",
                "x",
                "--threshold=NaN",
            ])
            .err("--threshold"),
    );
    // Odd but valid values are accepted.
    for (name, extra) in [
        ("threshold 0.5", vec!["--threshold=0.5"]),
        ("threshold negative", vec!["--threshold=-3"]),
        ("min-count 0", vec!["--min-count=0"]),
        ("min-count huge", vec!["--min-count=1e300"]),
    ] {
        cases.push(
            case(&format!("audit {name}"))
                .small()
                .args(&audit)
                .args(&extra)
                .code(0),
        );
    }
    cases.push(
        case("costs of 1e100 each give the 1/1 optimum")
            .small()
            .args(&cost)
            .args(&["--fp-cost=1e100", "--fn-cost=1e100", "--format", "json"])
            .code(0)
            .out("\"thresholds\""),
    );
    cases.push(
        case("frontier with 2 points")
            .small()
            .args(&frontier)
            .args(&["--points=2"])
            .code(0),
    );
    cases.push(
        case("capacity 50%")
            .small()
            .args(&single)
            .args(&["--capacity=50%"])
            .code(0),
    );
    cases
}

fn session_new(out: &str) -> Vec<&str> {
    let mut args = vec!["session", "new", "d.csv"];
    args.extend(MAP);
    args.extend(["--out", out]);
    args
}

fn output_cases() -> Vec<Case> {
    let unchanged_session: AfterCheck = |d| {
        let text = read(d, "s.json")?;
        if text.contains("\"schema_version\"") {
            Ok(())
        } else {
            Err("s.json is no longer the session".into())
        }
    };
    let mut cases = vec![
        case("report over its own session")
            .small()
            .setup(&session_new("s.json"))
            .args(&[
                "report", "s.json", "--out", "s.json", "--format", "html", "--force",
            ])
            .err("the command's input")
            .after(unchanged_session),
        case("report over its session through ./")
            .small()
            .setup(&session_new("s.json"))
            .args(&[
                "report", "s.json", "--out", "./s.json", "--format", "json", "--force",
            ])
            .err("refusing to write over it")
            .after(unchanged_session),
        case("report over its session through a link")
            .small()
            .setup(&session_new("s.json"))
            .setup(&["ln", "s.json", "l.json"])
            .args(&[
                "report", "l.json", "--out", "s.json", "--format", "md", "--force",
            ])
            .err("the command's input")
            .after(unchanged_session),
        case("report over its data file")
            .small()
            .setup(&session_new("s.json"))
            .args(&[
                "report", "s.json", "--out", "d.csv", "--format", "md", "--force",
            ])
            .err("the command's input")
            .after(|d| {
                (read(d, "d.csv")? == SMALL)
                    .then_some(())
                    .ok_or("d.csv changed".into())
            }),
        case("report over an existing file without --force")
            .small()
            .file("r.html", "keep me")
            .setup(&session_new("s.json"))
            .args(&["report", "s.json", "--out", "r.html"])
            .err("pass --force")
            .after(|d| {
                (read(d, "r.html")? == "keep me")
                    .then_some(())
                    .ok_or("r.html was replaced".into())
            }),
        case("report over an existing file with --force")
            .small()
            .file("r.html", "old")
            .setup(&session_new("s.json"))
            .args(&["report", "s.json", "--out", "r.html", "--force"])
            .code(0)
            .after(|d| {
                read(d, "r.html")?
                    .contains("<html")
                    .then_some(())
                    .ok_or("r.html not replaced".into())
            }),
        case("report into a missing directory")
            .small()
            .setup(&session_new("s.json"))
            .args(&["report", "s.json", "--out", "no/such/dir/r.html"])
            .err("cannot write")
            .err("does not exist"),
        case("report onto a directory")
            .small()
            .file("r.html/keep", "x")
            .setup(&session_new("s.json"))
            .args(&["report", "s.json", "--out", "r.html", "--force"])
            .err("directory"),
        case("write-thresholds over an existing file")
            .small()
            .file("t.json", "{\"default\": 0.1}")
            .args(&["optimize", "d.csv"])
            .args(&MAP)
            .args(&["--constraint", "single", "--write-thresholds", "t.json"])
            .err("pass --force")
            .after(|d| {
                (read(d, "t.json")? == "{\"default\": 0.1}")
                    .then_some(())
                    .ok_or("t.json replaced".into())
            }),
        case("write-thresholds with --force")
            .small()
            .file("t.json", "{}")
            .args(&["optimize", "d.csv"])
            .args(&MAP)
            .args(&[
                "--constraint",
                "none",
                "--write-thresholds",
                "t.json",
                "--force",
            ])
            .code(0)
            .after(|d| {
                read(d, "t.json")?
                    .contains("\"a\"")
                    .then_some(())
                    .ok_or("t.json lacks group a".into())
            }),
        case("write-thresholds over the data")
            .small()
            .args(&["optimize", "d.csv"])
            .args(&MAP)
            .args(&[
                "--constraint",
                "single",
                "--write-thresholds",
                "d.csv",
                "--force",
            ])
            .err("the command's input")
            .after(|d| {
                (read(d, "d.csv")? == SMALL)
                    .then_some(())
                    .ok_or("d.csv changed".into())
            }),
        case("sample over an existing file")
            .file("s.csv", "precious")
            .args(&["sample", "--rows", "10", "--out", "s.csv"])
            .err("pass --force")
            .after(|d| {
                (read(d, "s.csv")? == "precious")
                    .then_some(())
                    .ok_or("s.csv replaced".into())
            }),
        case("sample with --force")
            .file("s.csv", "old")
            .args(&["sample", "--rows", "10", "--out", "s.csv", "--force"])
            .code(0),
        case("sample onto a directory")
            .file("s.csv/x", "")
            .args(&["sample", "--rows", "10", "--out", "s.csv", "--force"])
            .err("directory"),
        case("session new over its data")
            .small()
            .args(&session_new("d.csv"))
            .args(&["--force"])
            .err("the command's input"),
        case("session new over its thresholds file")
            .small()
            .file("t.json", "{\"default\": 0.5}")
            .args(&session_new("t.json"))
            .args(&["--thresholds", "t.json", "--force"])
            .err("the command's input"),
        case("session new over an existing file")
            .small()
            .file("s.json", "mine")
            .args(&session_new("s.json"))
            .err("pass --force"),
    ];
    #[cfg(unix)]
    cases.push(
        case("sign through a link keeps the link and the permissions")
            .small()
            .setup(&session_new("real.json"))
            .setup(&["ln", "real.json", "l.json"])
            .args(&[
                "session",
                "sign",
                "l.json",
                "--name",
                "Ada",
                "--date",
                "2026-12-03",
                "--decision",
                "approved",
            ])
            .code(0)
            .after(|d| {
                let link =
                    std::fs::symlink_metadata(d.join("l.json")).map_err(|e| e.to_string())?;
                if !link.file_type().is_symlink() {
                    return Err("the link was replaced by a file".into());
                }
                read(d, "real.json")?
                    .contains("\"Ada\"")
                    .then_some(())
                    .ok_or("the real session lacks the sign-off".into())
            }),
    );
    cases
}

fn json_input_cases() -> Vec<Case> {
    let thresholds = |name: &str, contents: &[u8], code: i32, fragment: &str| {
        case(name)
            .small()
            .file("t.json", contents)
            .audit("d.csv", &["--thresholds", "t.json"])
            .code(code)
            .err(fragment)
    };
    let session_file = |name: &str, contents: &[u8], fragment: &str| {
        case(name)
            .small()
            .file("s.json", contents)
            .args(&["report", "s.json", "--out", "r.md"])
            .err(fragment)
    };
    vec![
        thresholds(
            "duplicate default",
            b"{\"default\": 0.4, \"default\": 0.6}",
            2,
            "appears twice",
        ),
        thresholds(
            "duplicate group",
            b"{\"a\": 0.4, \"b\": 0.5, \"a\": 0.6}",
            2,
            "\"a\" appears twice",
        ),
        thresholds("byte-order mark", b"\xef\xbb\xbf{\"default\": 0.5}", 0, ""),
        thresholds("not an object", b"[0.5]", 2, "t.json"),
        thresholds("a text threshold", b"{\"default\": \"abc\"}", 2, "t.json"),
        thresholds(
            "a NaN text threshold",
            b"{\"default\": \"NaN\"}",
            2,
            "t.json",
        ),
        thresholds("an unknown group", b"{\"zz\": 0.5}", 2, "zz"),
        thresholds("empty file", b"", 2, "t.json"),
        thresholds("invalid UTF-8", b"{\"a\xff\": 0.5}", 2, "t.json"),
        thresholds("truncated", b"{\"default\": 0.", 2, "t.json"),
        case("thresholds is a directory")
            .small()
            .file("t.json/x", "")
            .audit("d.csv", &["--thresholds", "t.json"])
            .err("t.json"),
        session_file(
            "session with duplicate keys",
            b"{\"schema_version\": 1, \"schema_version\": 1}",
            "appears twice",
        ),
        session_file("session that is not JSON", b"hello", "s.json"),
        session_file("session of another kind", b"{\"default\": 0.5}", "s.json"),
        session_file(
            "session from the future",
            b"{\"schema_version\": 99}",
            "s.json",
        ),
        session_file(
            "session with bad bytes",
            b"{\"schema_version\": \xff}",
            "s.json",
        ),
        case("session with a byte-order mark")
            .small()
            .setup(&session_new("plain.json"))
            .setup(&["__bom", "plain.json", "bom.json"])
            .args(&["report", "bom.json", "--out", "r.json"])
            .code(0),
    ]
}

fn group_identity_cases() -> Vec<Case> {
    let two_groups: AfterCheck = |_| Ok(());
    vec![
        case("a separator inside values keeps two groups")
            .file("c.csv", "score,y,a,b\n0.2,0,p × q,r\n0.8,1,p,q × r\n")
            .args(&[
                "audit", "c.csv", "--score", "score", "--label", "y", "--group", "a,b", "--format",
                "json",
            ])
            .code(0)
            .out("\"p × \\\"q × r\\\"\"")
            .out("\"\\\"p × q\\\" × r\"")
            .after(two_groups),
        case("a literal (missing) beside empty fields keeps two groups")
            .file("m.csv", "score,y,g\n0.2,0,(missing)\n0.8,1,\n")
            .audit("m.csv", &["--format", "csv"])
            .code(0)
            .out("\"\"\"(missing)\"\"\"")
            .out("\n(missing),(missing),"),
        case("a level named Overall is not the overall row")
            .file("o.csv", "score,y,g\n0.2,0,Overall\n0.8,1,x\n")
            .audit("o.csv", &["--format", "csv"])
            .code(0)
            .out("\"\"\"Overall\"\"\"")
            .out("\nOverall,,"),
        case("a level named default is not the fallback threshold")
            .file("d.csv", "score,y,g\n0.2,0,default\n0.8,1,x\n")
            .file("t.json", "{\"default\": 0.9, \"\\\"default\\\"\": 0.1}")
            .audit("d.csv", &["--thresholds", "t.json", "--format", "json"])
            .code(0)
            .out("\"threshold\": 0.1"),
        case("integers beyond 2^53 stay apart")
            .file(
                "i.csv",
                "score,y,g\n0.2,0,9007199254740992\n0.8,1,9007199254740993\n",
            )
            .audit("i.csv", &[])
            .code(0)
            .out("9007199254740992")
            .out("9007199254740993"),
        case("negative integers beyond 2^53 stay apart")
            .file(
                "i.csv",
                "score,y,g\n0.2,0,-9007199254740993\n0.8,1,-9007199254740992\n",
            )
            .audit("i.csv", &[])
            .code(0)
            .out("-9007199254740993")
            .out("-9007199254740992"),
        case("an empty-looking level with spaces is quoted")
            .file("s.csv", "score,y,g\n0.2,0,\" \"\n0.8,1,x\n")
            .audit("s.csv", &[])
            .code(0)
            .out("\" \""),
        case("written thresholds reproduce every colliding group")
            .file(
                "c.csv",
                "score,y,a,b\n0.2,0,p × q,r\n0.3,1,p × q,r\n0.8,1,p,q × r\n0.7,0,p,q × r\n",
            )
            .setup(&[
                "optimize",
                "c.csv",
                "--score",
                "score",
                "--label",
                "y",
                "--group",
                "a,b",
                "--constraint",
                "none",
                "--write-thresholds",
                "t.json",
            ])
            .args(&[
                "audit",
                "c.csv",
                "--score",
                "score",
                "--label",
                "y",
                "--group",
                "a,b",
                "--thresholds",
                "t.json",
                "--format",
                "json",
            ])
            .code(0)
            .out("\"accuracy\": 1.0"),
        case("group keys with control characters are escaped")
            .file("e.csv", "score,y,g\n0.2,0,\"a\u{1b}[31mred\"\n0.8,1,x\n")
            .audit("e.csv", &[])
            .code(0)
            .out("\\u001b"),
        case("formula-like levels stay text in the table")
            .file("f.csv", "score,y,g\n0.2,0,=1+1\n0.8,1,@SUM(A1)\n")
            .audit("f.csv", &[])
            .code(0)
            .out("=1+1"),
    ]
}

fn weight_and_cost_cases() -> Vec<Case> {
    let weights = |name: &str, contents: &str, code: i32, fragment: &str| {
        case(name)
            .file("w.csv", contents)
            .audit("w.csv", &["--weight", "w"])
            .code(code)
            .err(fragment)
    };
    vec![
        weights(
            "weights near 1e308",
            "score,y,g,w\n0.1,0,a,1e308\n0.2,1,b,1e308\n",
            2,
            "sums to more than",
        ),
        weights(
            "one infinite weight",
            "score,y,g,w\n0.1,0,a,inf\n0.2,1,b,1\n",
            2,
            "`w`",
        ),
        weights(
            "all-zero weights",
            "score,y,g,w\n0.1,0,a,0\n0.2,1,b,0\n",
            2,
            "0 in every row",
        ),
        weights(
            "a negative weight",
            "score,y,g,w\n0.1,0,a,1\n0.2,1,b,-1\n",
            2,
            "negative",
        ),
        weights(
            "a text weight",
            "score,y,g,w\n0.1,0,a,1\n0.2,1,b,heavy\n",
            2,
            "heavy",
        ),
        weights(
            "a NaN weight",
            "score,y,g,w\n0.1,0,a,1\n0.2,1,b,NaN\n",
            2,
            "`w`",
        ),
        weights(
            "large but summable weights",
            "score,y,g,w\n0.1,0,a,1e150\n0.2,1,b,1e150\n",
            0,
            "",
        ),
        case("optimize gives the same answer for all-zero weights")
            .file("w.csv", "score,y,g,w\n0.1,0,a,0\n0.2,1,b,0\n")
            .args(&["optimize", "w.csv"])
            .args(&MAP)
            .args(&["--weight", "w", "--constraint", "single"])
            .err("0 in every row"),
        case("frontier gives the same answer for all-zero weights")
            .file("w.csv", "score,y,g,w\n0.1,0,a,0\n0.2,1,b,0\n")
            .args(&["frontier", "w.csv"])
            .args(&MAP)
            .args(&["--weight", "w", "--constraint", "equal_opportunity"])
            .err("0 in every row"),
    ]
}

fn csv_injection_cases() -> Vec<Case> {
    let formulas =
        "score,y,g\n0.2,0,=1+1\n0.8,1,@SUM(A1)\n0.4,1,+1\n0.5,0,-1\n0.6,1,\"\tx\"\n0.3,0,plain\n";
    let audit_csv = |name: &str, fragment: &str| {
        case(name)
            .file("f.csv", formulas)
            .audit("f.csv", &["--format", "csv"])
            .code(0)
            .out(fragment)
    };
    vec![
        audit_csv("= is guarded", "\n'=1+1,'=1+1,"),
        audit_csv("@ is guarded", "\n'@SUM(A1),'@SUM(A1),"),
        audit_csv("+ is guarded", "\n'+1,'+1,"),
        audit_csv("- is guarded", "\n'-1,'-1,"),
        audit_csv(
            "a tab never reaches the file (the level is quoted)",
            "\n\"\"\"\\tx\"\"\",\"\"\"\\tx\"\"\",",
        ),
        audit_csv("plain text is left alone", "\nplain,plain,"),
        case("negative numbers stay numbers")
            .small()
            .audit("d.csv", &["--threshold=-0.5", "--format", "csv"])
            .code(0)
            .out(",-0.5,"),
        case("frontier headers are guarded")
            .file("f.csv", formulas)
            .args(&["frontier", "f.csv"])
            .args(&MAP)
            .args(&["--constraint", "demographic_parity", "--points", "2"])
            .code(0)
            .out("threshold:=1+1"),
    ]
}

fn gate_cases() -> Vec<Case> {
    let with_session = |c: Case| {
        c.file("d.csv", SMALL).setup(&[
            "session",
            "new",
            "d.csv",
            "--score",
            "score",
            "--label",
            "y",
            "--group",
            "g",
            "--criterion",
            "min_group_count >= 1",
            "--out",
            "s.json",
        ])
    };
    let without_b = "score,y,g,w\n0.9,1,a,1\n0.8,0,a,2\n0.3,1,a,1\n";
    let with_c = "score,y,g,w\n0.9,1,a,1\n0.8,0,a,2\n0.7,1,b,1\n0.2,0,b,3\n0.5,1,c,1\n";
    vec![
        with_session(case("check fails when a recorded group is absent"))
            .file("new.csv", without_b)
            .args(&["check", "s.json", "--data", "new.csv"])
            .code(1)
            .out("no rows in this data: b"),
        with_session(case("check JSON names absent groups"))
            .file("new.csv", without_b)
            .args(&["check", "s.json", "--data", "new.csv", "--format", "json"])
            .code(1)
            .out("\"absent_groups\": [\n    \"b\"")
            .out("\"passed\": false"),
        with_session(case("check lists new groups and still passes"))
            .file("new.csv", with_c)
            .args(&["check", "s.json", "--data", "new.csv"])
            .code(0)
            .out("groups not in the recorded data")
            .out(": c"),
        with_session(case("check on the recorded data passes"))
            .args(&["check", "s.json"])
            .code(0),
        with_session(case("sign refuses changed data"))
            .setup(&["__append", "d.csv", "0.5,1,a,1\n"])
            .args(&[
                "session",
                "sign",
                "s.json",
                "--name",
                "A",
                "--date",
                "2026-12-03",
                "--decision",
                "approved",
            ])
            .err("changed")
            .after(|d| {
                (!read(d, "s.json")?.contains("\"sign_offs\": [\n    {"))
                    .then_some(())
                    .ok_or("signed anyway".into())
            }),
        with_session(case("sign refuses missing data"))
            .setup(&["__remove", "d.csv"])
            .args(&[
                "session",
                "sign",
                "s.json",
                "--name",
                "A",
                "--date",
                "2026-12-03",
                "--decision",
                "approved",
            ])
            .err("d.csv"),
        with_session(case("scenario refuses changed data"))
            .setup(&["__append", "d.csv", "0.5,1,a,1\n"])
            .args(&[
                "session",
                "scenario",
                "s.json",
                "--name",
                "x",
                "--threshold",
                "0.4",
            ])
            .err("changed"),
    ]
}

fn loader_cases() -> Vec<Case> {
    let csv = |name: &str, file: &str, contents: &[u8], code: i32, fragment: &str| {
        case(name)
            .file(file, contents)
            .audit(file, &[])
            .code(code)
            .err(fragment)
    };
    let parquet_magic = b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00";
    vec![
        csv(
            "a long row",
            "x.csv",
            b"score,y,g\n0.1,0,a\n0.2,1,b,extra\n",
            2,
            "row 2 has 4 fields but the header has 3",
        ),
        csv(
            "a short row",
            "x.csv",
            b"score,y,g\n0.1,0,a\n0.2,1\n",
            2,
            "row 2 has 2 fields",
        ),
        csv(
            "a short last row without newline",
            "x.csv",
            b"score,y,g\n0.1,0,a\n0.2,1",
            2,
            "row 2 has 2 fields",
        ),
        csv(
            "a short row far down",
            "x.csv",
            format!("score,y,g\n{}0.2,1\n", "0.1,0,a\n".repeat(20_000)).as_bytes(),
            2,
            "row 20001 has 2 fields",
        ),
        csv(
            "an unclosed quote",
            "x.csv",
            b"score,y,g\n0.1,0,\"a\n0.2,1,b\n",
            2,
            "never closed",
        ),
        csv(
            "quoted separators are fine",
            "x.csv",
            b"score,y,g\n0.1,0,\"a,b\"\n0.2,1,\"c\nd\"\n",
            0,
            "",
        ),
        csv(
            "a duplicate mapped header",
            "x.csv",
            b"score,y,g,g\n0.1,0,a,b\n",
            2,
            "2 columns named `g`",
        ),
        csv(
            "a duplicate score header",
            "x.csv",
            b"score,score,y,g\n0.1,0.2,0,a\n",
            2,
            "columns named `score`",
        ),
        csv(
            "a duplicate unmapped header is fine",
            "x.csv",
            b"score,y,g,z,z\n0.1,0,a,1,2\n0.9,1,b,1,2\n",
            0,
            "",
        ),
        csv(
            "latin-1 in an attribute",
            "x.csv",
            b"score,y,g\n0.1,0,caf\xe9\n0.2,1,b\n",
            2,
            "row 1, column `g`: not UTF-8",
        ),
        csv(
            "latin-1 in the header",
            "x.csv",
            b"sc\xf6re,y,g\n0.1,0,a\n",
            2,
            "header",
        ),
        csv(
            "latin-1 far down",
            "x.csv",
            format!("score,y,g\n{}", "0.1,0,a\n".repeat(15_000))
                .into_bytes()
                .into_iter()
                .chain(b"0.2,1,\xff\n".iter().copied())
                .collect::<Vec<u8>>()
                .as_slice(),
            2,
            "row 15001",
        ),
        csv(
            "a tab-separated .csv",
            "x.csv",
            b"score\ty\tg\n0.1\t0\ta\n0.9\t1\tb\n",
            0,
            "",
        ),
        csv(
            "a semicolon-separated .csv",
            "x.csv",
            b"score;y;g\n0,1;0;a\n0,9;1;b\n",
            2,
            "score",
        ),
        csv(
            "semicolons with dot decimals",
            "x.csv",
            b"score;y;g\n0.1;0;a\n0.9;1;b\n",
            0,
            "",
        ),
        csv(
            "a .tsv with tabs",
            "x.tsv",
            b"score\ty\tg\n0.1\t0\ta\n0.9\t1\tb\n",
            0,
            "",
        ),
        csv(
            "Parquet bytes named .csv",
            "x.csv",
            parquet_magic,
            2,
            "is a Parquet file; name it .parquet",
        ),
        csv(
            "Arrow bytes named .csv",
            "x.csv",
            b"ARROW1\x00\x00",
            2,
            "Arrow IPC",
        ),
        csv(
            "gzip bytes named .csv",
            "x.csv",
            b"\x1f\x8b\x08\x00\x00\x00",
            2,
            "gzip",
        ),
        csv(
            "zstd bytes named .csv",
            "x.csv",
            b"\x28\xb5\x2f\xfd\x00",
            2,
            "zstd",
        ),
        csv(
            "zip bytes named .csv",
            "x.csv",
            b"PK\x03\x04\x14\x00",
            2,
            "zip",
        ),
        csv(
            "text named .parquet",
            "x.parquet",
            b"score,y,g\n0.1,0,a\n",
            2,
            "name it .csv",
        ),
        csv(
            "text named .arrow",
            "x.arrow",
            b"score,y,g\n0.1,0,a\n",
            2,
            "name it .csv",
        ),
        csv(
            "text named .feather",
            "x.feather",
            b"score,y,g\n0.1,0,a\n",
            2,
            "not one",
        ),
        csv(
            "truncated Parquet",
            "x.parquet",
            parquet_magic,
            2,
            "x.parquet",
        ),
        csv("an empty file", "x.csv", b"", 2, "empty"),
        csv("a file of blank lines", "x.csv", b"\n\n  \n", 2, "empty"),
        csv("a header only", "x.csv", b"score,y,g\n", 2, "no data rows"),
        csv(
            "a byte-order mark",
            "x.csv",
            b"\xef\xbb\xbfscore,y,g\n0.1,0,a\n0.9,1,b\n",
            0,
            "",
        ),
        csv(
            "CRLF line ends",
            "x.csv",
            b"score,y,g\r\n0.1,0,a\r\n0.9,1,b\r\n",
            0,
            "",
        ),
        csv(
            "blank lines between rows",
            "x.csv",
            b"score,y,g\n0.1,0,a\n\n0.9,1,b\n",
            0,
            "",
        ),
        csv(
            "blank lines at the end",
            "x.csv",
            b"score,y,g\n0.1,0,a\n0.9,1,b\n\n\r\n\n",
            0,
            "",
        ),
        csv(
            "a row of empty fields is not blank",
            "x.csv",
            b"score,y,g\n0.1,0,a\n,,\n0.9,1,b\n",
            2,
            "row 2",
        ),
        csv(
            "a short row after a blank line",
            "x.csv",
            b"score,y,g\n0.1,0,a\n\n0.9,1\n",
            2,
            "row 3 has 2 fields",
        ),
        csv(
            "a text score",
            "x.csv",
            b"score,y,g\n0.1,0,a\nhigh,1,b\n",
            2,
            "high",
        ),
        csv(
            "an empty score",
            "x.csv",
            b"score,y,g\n0.1,0,a\n,1,b\n",
            2,
            "score",
        ),
        csv(
            "a NaN score",
            "x.csv",
            b"score,y,g\n0.1,0,a\nNaN,1,b\n",
            2,
            "score",
        ),
        csv(
            "an infinite score",
            "x.csv",
            b"score,y,g\n0.1,0,a\ninf,1,b\n",
            2,
            "score",
        ),
        csv(
            "three label values",
            "x.csv",
            b"score,y,g\n0.1,0,a\n0.2,1,b\n0.3,2,b\n",
            2,
            "--positive",
        ),
        csv(
            "one label value",
            "x.csv",
            b"score,y,g\n0.1,1,a\n0.2,1,b\n",
            0,
            "",
        ),
        csv(
            "a missing column",
            "x.csv",
            b"score,label,g\n0.1,0,a\n",
            2,
            "no column `y`",
        ),
        csv(
            "NUL bytes in a field",
            "x.csv",
            b"score,y,g\n0.1,0,a\x00b\n0.9,1,c\n",
            0,
            "",
        ),
        csv(
            "one column only",
            "x.csv",
            b"score\n0.1\n",
            2,
            "no column `y`",
        ),
        csv(
            "a very long field",
            "x.csv",
            format!("score,y,g\n0.1,0,{}\n0.9,1,b\n", "x".repeat(1 << 20)).as_bytes(),
            0,
            "",
        ),
        csv(
            "unicode column names",
            "x.csv",
            "score,y,g,名前\n0.1,0,a,x\n0.9,1,b,y\n".as_bytes(),
            0,
            "",
        ),
        csv(
            "a .txt file",
            "x.txt",
            b"score,y,g\n0.1,0,a\n0.9,1,b\n",
            0,
            "",
        ),
        csv(
            "an unknown extension",
            "x.xlsx",
            b"PK\x03\x04",
            2,
            "unsupported file type",
        ),
        case("a missing file")
            .audit("absent.csv", &[])
            .err("absent.csv")
            .err("cannot read"),
        case("a directory as input")
            .file("dir.csv/x", "")
            .audit("dir.csv", &[])
            .err("holds no data files"),
        case("a directory without extension")
            .file("folder/x", "")
            .audit("folder", &[])
            .err("folder"),
        case("a bin over a text column")
            .small()
            .audit("d.csv", &["--bin", "g=q4"])
            .err("g"),
        case("a bad bin spec")
            .small()
            .audit("d.csv", &["--bin", "g"])
            .err("--bin"),
        case("a weight column that does not exist")
            .small()
            .audit("d.csv", &["--weight", "nope"])
            .err("no column `nope`"),
    ]
}

/// Setup steps that are not fulcrum commands: `__append FILE TEXT`, `__remove FILE`,
/// `__bom FROM TO` (a copy with a byte-order mark in front).
fn prepare_special_setups(cases: Vec<Case>) -> Vec<Case> {
    cases
        .into_iter()
        .map(|mut c| {
            let mut kept = Vec::new();
            let mut specials = Vec::new();
            for step in std::mem::take(&mut c.setup) {
                if step.first().is_some_and(|s| s.starts_with("__")) {
                    specials.push(step);
                } else {
                    kept.push(step);
                }
            }
            c.setup = kept;
            if !specials.is_empty() {
                c.setup.push(
                    std::iter::once("__special".to_owned())
                        .chain(specials.into_iter().flatten())
                        .collect(),
                );
            }
            c
        })
        .collect()
}

/// Applies `__special` steps (see [`prepare_special_setups`]) in `directory`.
fn apply_special(directory: &Path, step: &[String]) {
    let mut words = step.iter().skip(1);
    while let Some(word) = words.next() {
        let mut next = || PathBuf::from(words.next().cloned().unwrap_or_default());
        match word.as_str() {
            "__append" => {
                let file = directory.join(next());
                let text = next();
                let mut contents = std::fs::read(&file).unwrap();
                contents.extend(text.to_string_lossy().as_bytes());
                std::fs::write(file, contents).unwrap();
            }
            "__remove" => std::fs::remove_file(directory.join(next())).unwrap(),
            "__bom" => {
                let from = directory.join(next());
                let to = directory.join(next());
                let mut contents = b"\xef\xbb\xbf".to_vec();
                contents.extend(std::fs::read(from).unwrap());
                std::fs::write(to, contents).unwrap();
            }
            other => panic!("unknown special step {other}"),
        }
    }
}

/// Every class, with special setup steps applied.
fn all_cases() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("numeric options", numeric_option_cases()),
        ("outputs", output_cases()),
        ("JSON inputs", json_input_cases()),
        ("group identity", group_identity_cases()),
        ("weights and costs", weight_and_cost_cases()),
        ("CSV injection", csv_injection_cases()),
        ("gates", gate_cases()),
        ("loader", loader_cases()),
        ("typed files", typed_file_cases()),
    ]
    .into_iter()
    .map(|(name, cases)| (name, prepare_special_setups(cases)))
    .collect()
}

fn run_class(class: &str) {
    let cases = all_cases()
        .into_iter()
        .find(|(name, _)| *name == class)
        .map(|(_, cases)| cases)
        .unwrap();
    run_all(&cases);
}

#[test]
fn the_suite_has_at_least_150_cases() {
    let total: usize = all_cases().iter().map(|(_, cases)| cases.len()).sum();
    println!("{total} hostile cases");
    assert!(total >= 150, "only {total} hostile cases");
}

#[test]
fn numeric_options_are_finite_and_bounded_or_refused() {
    run_class("numeric options");
}

#[test]
fn outputs_never_replace_inputs_or_existing_files_silently() {
    run_class("outputs");
}

#[test]
fn json_inputs_refuse_duplicates_and_accept_a_byte_order_mark() {
    run_class("JSON inputs");
}

#[test]
fn group_identity_survives_any_value() {
    run_class("group identity");
}

#[test]
fn weights_and_costs_cannot_overflow() {
    run_class("weights and costs");
}

#[test]
fn csv_outputs_guard_formulas() {
    run_class("CSV injection");
}

#[test]
fn gates_never_pass_on_missing_evidence() {
    run_class("gates");
}

#[test]
fn the_loader_names_file_column_and_row() {
    run_class("loader");
}

// ---- Property tests through the library ----

use fulcrum::data::{self, ColumnRoles, LoadOptions};
use fulcrum::engine::grouping::level_label;
use fulcrum::engine::{GroupedRows, GroupingSpec, ThresholdMap};
use fulcrum::progress::NoProgress;

fn roles(attributes: &[&str]) -> ColumnRoles {
    ColumnRoles {
        score: "score".into(),
        label: "y".into(),
        positive: None,
        attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
        weight: None,
        models: Vec::new(),
    }
}

/// A CSV field, always quoted.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Random bytes after a valid header, and entirely random bytes: loading never panics, and
    /// what loads can be grouped and audited.
    #[test]
    fn random_csv_bytes_never_panic(
        body in proptest::collection::vec(
            prop_oneof![
                Just(b','), Just(b'\n'), Just(b'"'), Just(b'\r'), Just(b'0'), Just(b'1'),
                Just(b'.'), Just(b'5'), Just(b'-'), Just(b'e'), Just(b'a'), Just(0xff), Just(0x00),
                Just(b'\t'), Just(b';'), any::<u8>()
            ],
            0..400,
        ),
        with_header in any::<bool>(),
        grouped in any::<bool>(),
    ) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("fuzz.csv");
        let mut bytes = if with_header { b"score,y,g\n".to_vec() } else { Vec::new() };
        bytes.extend(&body);
        std::fs::write(&path, &bytes).unwrap();
        let attributes: &[&str] = if grouped { &["g"] } else { &[] };
        if let Ok(loaded) = data::load(&path, &roles(attributes), LoadOptions { drop_invalid: true }, &NoProgress) {
            let spec = GroupingSpec::by_names(attributes);
            if let Ok(rows) = GroupedRows::new(&loaded.dataset, &spec) {
                let thresholds = vec![0.5; rows.keys().len()];
                let _ = rows.audit(&thresholds, &fulcrum::engine::AuditOptions::default());
            }
        }
    }

    /// Random level strings (separators, quotes, reserved words, spaces, unicode): one group per
    /// distinct pair of values, and per-group thresholds written as JSON and read back resolve
    /// to the same threshold for every group.
    #[test]
    fn group_keys_name_one_tuple_and_survive_the_thresholds_round_trip(
        values in proptest::collection::vec(
            (
                prop_oneof![
                    Just("p × q".to_owned()), Just("(missing)".to_owned()), Just("Overall".to_owned()),
                    Just("default".to_owned()), Just("\"q\"".to_owned()), Just(" x".to_owned()),
                    Just("é × ü".to_owned()), Just("a|b".to_owned()), Just("p | q".to_owned()),
                    "[a-c ×|\"(),=+@-]{1,6}",
                ],
                prop_oneof![Just("r".to_owned()), Just("q × r".to_owned()), Just("p".to_owned()), "[a-c ×|\"]{1,4}"],
            ),
            2..12,
        ),
    ) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("levels.csv");
        let mut text = String::from("score,y,a,b\n");
        for (i, (a, b)) in values.iter().enumerate() {
            text.push_str(&format!("{},{},{},{}\n", i as f64 / 16.0, i % 2, quoted(a), quoted(b)));
        }
        std::fs::write(&path, text).unwrap();
        let loaded = data::load(&path, &roles(&["a", "b"]), LoadOptions::default(), &NoProgress).unwrap();
        let rows = GroupedRows::new(&loaded.dataset, &GroupingSpec::by_names(&["a", "b"])).unwrap();
        let keys = rows.keys();
        let distinct: std::collections::BTreeSet<&(String, String)> = values.iter().collect();
        prop_assert_eq!(keys.len(), distinct.len(), "keys {:?} for {:?}", keys, distinct);
        let unique: std::collections::BTreeSet<&&str> = keys.iter().collect();
        prop_assert_eq!(unique.len(), keys.len());
        let map = ThresholdMap {
            default: None,
            by_group: keys.iter().enumerate().map(|(i, k)| ((*k).to_owned(), i as f64 / 10.0)).collect(),
        };
        let written = serde_json::to_string(&map.to_json()).unwrap();
        let read = ThresholdMap::from_json(&fulcrum::json_text::parse_strict(&written).unwrap()).unwrap();
        let resolved = read.resolve_keys(&keys).unwrap();
        let expected: Vec<f64> = (0..keys.len()).map(|i| i as f64 / 10.0).collect();
        prop_assert_eq!(&resolved, &expected);
        // The same keys typed with `|` between the values, with and without spaces, name the
        // same groups.
        for bar in ["|", " | "] {
            let mut typed = serde_json::Map::new();
            let mut order = Vec::new();
            for (a, b) in &values {
                let key = format!("{}{bar}{}", level_label(a), level_label(b));
                let shown = format!("{} × {}", level_label(a), level_label(b));
                if let Some(i) = keys.iter().position(|k| *k == shown) && !order.contains(&i) {
                    order.push(i);
                    typed.insert(key, serde_json::json!(i as f64 / 10.0));
                }
            }
            prop_assert_eq!(order.len(), keys.len());
            let read = ThresholdMap::from_json(&serde_json::Value::Object(typed)).unwrap();
            prop_assert_eq!(&read.resolve_keys(&keys).unwrap(), &expected);
        }
    }
}

/// The directory of the typed fixtures (made by `tests/data/types/make_types.py`).
const TYPES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/types/");

/// Typed files refused or read with missing values: each case states its exit code and what it
/// must say. (Typed columns read as their plain twins are in [`typed_twins`].)
fn typed_file_cases() -> Vec<Case> {
    let types = TYPES;
    let mut cases = Vec::new();
    for file in ["types.parquet", "types.arrow"] {
        let path = format!("{types}{file}");
        let run = |name: &str, score: &str, label: &str, extra: &[&str]| {
            case(&format!("{file}: {name}"))
                .args(&["audit", &path, "--score", score, "--label", label])
                .args(extra)
        };
        cases.push(
            run("a list attribute", "score", "y", &["--group", "g_list"]).err("cannot name groups"),
        );
        cases.push(run("a map attribute", "score", "y", &["--group", "m_map"]).err("m_map"));
        cases.push(
            run("a binary attribute", "score", "y", &["--group", "m_bin"])
                .err("cannot name groups"),
        );
        cases.push(
            run(
                "a time zone inside a struct",
                "score",
                "y",
                &["--group", "m_struct_tz"],
            )
            .err("m_struct_tz")
            .err("time zone"),
        );
        cases.push(run("a date score", "g_date", "y", &[]).err("must be numeric"));
        cases.push(run("a struct score", "g_struct", "y", &[]).err("must be numeric"));
        cases.push(run("a binary score", "m_bin", "y", &[]).err("m_bin"));
        cases.push(run("a text weight", "score", "y", &["--weight", "g_view"]).err("g_view"));
        cases.push(
            run("a text label without --positive", "score", "y_str", &[])
                .err("y_str")
                .err("--positive"),
        );
    }
    cases.push(
        case("a column type the reader does not know (an Arrow union)")
            .args(&[
                "audit",
                &format!("{types}union.arrow"),
                "--score",
                "score",
                "--label",
                "y",
            ])
            .err("union.arrow")
            .err("Union"),
    );
    cases.push(
        case("pandas categoricals, int8 labels, nullable Int16")
            .args(&[
                "audit",
                &format!("{types}pandas.parquet"),
                "--score",
                "score",
                "--label",
                "y",
                "--group",
                "g,n",
            ])
            .code(0)
            .out("a × (missing)")
            .out("(missing) × 6"),
    );
    cases
}

/// A typed column (or combination) and the flags that read the same data from the plain twin.
struct Twin {
    name: String,
    file: String,
    typed: Vec<String>,
    plain: Vec<String>,
}

/// Every typed column Fulcrum accepts, each beside the plain twin's column of the same data
/// (`plain.parquet`): scores of every float, integer and decimal type (float16 too), labels of
/// every integer width, boolean and text, attributes of every integer, boolean, dictionary index,
/// string, date and timestamp type, weights of integer and float types.
fn typed_twins() -> Vec<Twin> {
    let strings = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let mut twins = Vec::new();
    for file in ["types.parquet", "types.arrow"] {
        let mut twin = |name: &str, typed: &[&str], plain: &[&str]| {
            twins.push(Twin {
                name: format!("{file}: {name}"),
                file: file.to_owned(),
                typed: strings(typed),
                plain: strings(plain),
            });
        };
        let same = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        let mut both = |name: &str, args: &[&str]| {
            let args = same(args);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            twin(name, &args, &args);
        };
        for label in [
            "y", "y_i8", "y_i16", "y_i32", "y_u8", "y_u16", "y_u32", "y_u64", "y_bool",
        ] {
            both(
                &format!("label {label}"),
                &["--score", "score", "--label", label, "--group", "g_cat"],
            );
        }
        for score in [
            "score_f32",
            "score_f16",
            "score_dec",
            "score_i16",
            "score_u32",
        ] {
            both(
                &format!("score {score}"),
                &["--score", score, "--label", "y", "--group", "g_cat"],
            );
        }
        for group in [
            "g_i8",
            "g_u64",
            "g_bool",
            "g_cat",
            "g_dict_i8",
            "g_dict_i16",
            "g_dict_i64",
            "g_dict_u8",
            "g_dict_u32",
            "g_large",
            "g_view",
            "g_date",
            "g_ts",
            "g_tz",
            "g_dec",
            "g_struct",
        ] {
            both(
                &format!("attribute {group}"),
                &["--score", "score", "--label", "y", "--group", group],
            );
        }
        both(
            "a decimal attribute binned",
            &[
                "--score", "score", "--label", "y", "--group", "g_dec", "--bin", "g_dec=2",
            ],
        );
        for weight in ["w_u16", "w_f32"] {
            both(
                &format!("weight {weight}"),
                &[
                    "--score", "score", "--label", "y", "--group", "g_cat", "--weight", weight,
                ],
            );
        }
        let all = [
            "--score",
            "score_f16",
            "--label",
            "y_u64",
            "--group",
            "g_dict_i8,g_bool,g_tz",
            "--weight",
            "w_u16",
        ];
        both("every role typed at once", &all);
        let typed = [
            "--score",
            "score",
            "--label",
            "y_str",
            "--positive",
            "yes",
            "--group",
            "g_view",
        ];
        let plain = ["--score", "score", "--label", "y_str", "--group", "g_view"];
        twin("a text label with --positive", &typed, &plain);
    }
    twins.push(Twin {
        name: "float16.parquet: a float16 score".to_owned(),
        file: "float16.parquet".to_owned(),
        typed: strings(&["--score", "score", "--label", "y"]),
        plain: strings(&["--score", "score_f16", "--label", "y"]),
    });
    twins
}

/// The audit JSON's numbers of `file` read with `args`: groups, overall and summary.
fn audit_numbers(file: &str, args: &[String]) -> Result<serde_json::Value, String> {
    let output = Command::cargo_bin("fulcrum")
        .unwrap()
        .arg("audit")
        .arg(format!("{TYPES}{file}"))
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() || stderr.contains("panicked") {
        return Err(format!(
            "{file} {args:?}: exit {:?}: {stderr}",
            output.status.code()
        ));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("{file}: {e}"))?;
    if json["groups"].as_array().is_none_or(Vec::is_empty) || !json["overall"].is_object() {
        return Err(format!(
            "{file} {args:?}: no groups or overall in the audit"
        ));
    }
    Ok(serde_json::json!({
        "groups": json["groups"],
        "overall": json["overall"],
        "summary": json["summary"],
    }))
}

#[test]
fn files_as_pandas_and_pyarrow_write_them_load() {
    run_all(&typed_file_cases());
}

/// Every accepted typed column audits exactly as the same data in plain types: groups (keys,
/// counts, weights, rates, intervals), overall and summary, field by field.
#[test]
fn typed_columns_audit_as_their_plain_twins() {
    let twins = typed_twins();
    let failures: Vec<String> = twins
        .iter()
        .filter_map(|twin| {
            let typed = audit_numbers(&twin.file, &twin.typed);
            let plain = audit_numbers("plain.parquet", &twin.plain);
            match (typed, plain) {
                (Ok(typed), Ok(plain)) if typed == plain => None,
                (Ok(typed), Ok(plain)) => Some(format!(
                    "{}: audits differ\n  typed: {}\n  plain: {}",
                    twin.name,
                    typed.to_string().chars().take(800).collect::<String>(),
                    plain.to_string().chars().take(800).collect::<String>()
                )),
                (Err(error), _) | (_, Err(error)) => Some(format!("{}: {error}", twin.name)),
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} typed columns differ from their plain twins:\n{}",
        failures.len(),
        twins.len(),
        failures.join("\n")
    );
}
