//! Peers: sidecar processes that time the same op in another framework (docs/bench.md). One
//! process per peer for the whole run; requests and replies are JSON lines; every request has
//! a deadline. A peer that cannot start, stops answering, answers garbage or exits is put
//! aside with a note, and the bench goes on without it.

use super::protocol::{PeerInfo, Reply, Request, INFO_OP};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Lines of a peer's stderr kept for the note when it fails.
const STDERR_LINES: usize = 20;
/// How long a peer gets to exit by itself once its stdin is closed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How to start one peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSpec {
    /// The column name (`torch`, `mlx`, or a script's name without `_peer`).
    pub name: String,
    /// The program and its arguments.
    pub command: Vec<String>,
}

/// The peers directory shipped with the sources, for a `tile` run from anywhere.
fn source_peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../peers")
}

/// The peer a `--peer` word names: a path to a script (anything with a `/` or ending in
/// `.py` / `.sh`), or a name whose script is `peers/<name>_peer.py` in the current directory
/// or in the sources `tile` was built from. `.py` scripts run with `python`; others run
/// as programs. Err: why there is no such peer.
pub fn resolve(word: &str, python: &str) -> Result<PeerSpec, String> {
    let is_path = word.contains('/') || word.ends_with(".py") || word.ends_with(".sh");
    let script = if is_path {
        PathBuf::from(word)
    } else {
        let file = format!("{word}_peer.py");
        let dirs = [PathBuf::from("peers"), source_peers_dir()];
        match dirs.iter().map(|d| d.join(&file)).find(|p| p.is_file()) {
            Some(p) => p,
            None => {
                let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                return Err(format!("no peer script {file} (looked in {})", looked.join(" and ")));
            }
        }
    };
    let stem = script.file_stem().and_then(|s| s.to_str()).unwrap_or(word);
    let name = stem.strip_suffix("_peer").unwrap_or(stem).to_string();
    let script_text = script.display().to_string();
    let command = if script_text.ends_with(".py") { vec![python.to_string(), script_text] } else { vec![script_text] };
    Ok(PeerSpec { name, command })
}

/// A running process and the threads reading its output.
struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<String>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    stderr_reader: JoinHandle<()>,
}

impl Proc {
    fn spawn(command: &[String]) -> std::io::Result<Proc> {
        let (program, args) = command.split_first().ok_or_else(|| std::io::Error::other("empty command"))?;
        let mut child = Command::new(program)
            .args(args)
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout pipe"))?;
        let stderr_pipe = child.stderr.take().ok_or_else(|| std::io::Error::other("no stderr pipe"))?;
        let (tx, lines) = mpsc::channel();
        // Detached: it ends when the pipe closes, and nobody waits for it.
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) => break,
                    Ok(_) => {
                        if tx.send(Ok(line)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr.clone();
        let stderr_reader = thread::spawn(move || {
            let mut reader = BufReader::new(stderr_pipe);
            let mut buf = Vec::new();
            while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                buf.clear();
                if line.is_empty() {
                    continue;
                }
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                if t.len() == STDERR_LINES {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
        Ok(Proc { child, stdin, lines, stderr, stderr_reader })
    }

    /// Kill the process (if still running), reap it and say how it ended, with the last line
    /// it wrote on stderr; nothing for a clean exit that said nothing there.
    fn end(mut self, kill: bool) -> Option<String> {
        drop(self.stdin.take());
        if kill {
            let _ = self.child.kill();
        } else {
            let deadline = Instant::now() + EXIT_GRACE;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
        }
        let (clean, status) = match self.child.wait() {
            Ok(s) => (s.success(), s.to_string()),
            Err(e) => (false, e.to_string()),
        };
        // The stderr reader ends when the pipe closes, which a grandchild may hold open: wait
        // only briefly for the last lines.
        let deadline = Instant::now() + Duration::from_millis(500);
        while !self.stderr_reader.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        match tail.back() {
            Some(last) => Some(format!("{status}; its last words on stderr: {last}")),
            None if clean => None,
            None => Some(status),
        }
    }
}

/// A peer: running, or put aside with the reason.
pub struct Peer {
    spec: PeerSpec,
    timeout: Duration,
    proc: Option<Proc>,
    info: Option<PeerInfo>,
    note: Option<String>,
}

impl Peer {
    /// Start the peer and ask for its info. Never fails: a peer that cannot start comes back
    /// stopped, with its [`Peer::note`].
    pub fn start(spec: PeerSpec, timeout: Duration) -> Peer {
        let mut peer = Peer { spec, timeout, proc: None, info: None, note: None };
        match Proc::spawn(&peer.spec.command) {
            Err(e) => peer.note = Some(format!("could not start `{}`: {e}", peer.spec.command.join(" "))),
            Ok(p) => {
                peer.proc = Some(p);
                match peer.exchange(&serde_json::json!({ "op": INFO_OP })) {
                    Ok(r) if r.ok => peer.info = Some(r.info.unwrap_or_default()),
                    Ok(r) => {
                        let why = r.error.unwrap_or_else(|| "no reason given".into());
                        peer.stop(&format!("not available: {why}"), false);
                    }
                    Err(_) => {}
                }
            }
        }
        peer
    }

    /// Its column name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }
    /// How it was started.
    pub fn command(&self) -> &[String] {
        &self.spec.command
    }
    /// What it said about itself.
    pub fn info(&self) -> Option<&PeerInfo> {
        self.info.as_ref()
    }
    /// Why it was put aside, if it was.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
    /// True while it answers.
    pub fn is_running(&self) -> bool {
        self.proc.is_some()
    }
    /// The modes it times: those its info names, else just `eager`.
    pub fn modes(&self) -> Vec<String> {
        match self.info.as_ref().map(|i| &i.modes) {
            Some(m) if !m.is_empty() => m.clone(),
            _ => vec!["eager".into()],
        }
    }

    /// Send a request and wait for its reply. Err: the peer's own error (it goes on), or why
    /// it was put aside (stopped now or earlier).
    pub fn request(&mut self, req: &Request) -> Result<Reply, String> {
        let r = self.exchange(req)?;
        if r.ok {
            Ok(r)
        } else {
            Err(r.error.unwrap_or_else(|| "failed without saying why".into()))
        }
    }

    fn exchange<T: serde::Serialize>(&mut self, req: &T) -> Result<Reply, String> {
        let op = serde_json::to_value(req).ok().and_then(|v| v["op"].as_str().map(String::from)).unwrap_or_default();
        let Some(proc) = self.proc.as_mut() else {
            return Err(self.note.clone().unwrap_or_else(|| "not running".into()));
        };
        let line = serde_json::to_string(req).map_err(|e| e.to_string())?;
        let sent = proc
            .stdin
            .as_mut()
            .ok_or_else(|| std::io::Error::other("stdin closed"))
            .and_then(|s| s.write_all(format!("{line}\n").as_bytes()).and_then(|_| s.flush()));
        if let Err(e) = sent {
            return Err(self.stop(&format!("could not send `{op}` ({e}); it exited"), false));
        }
        match proc.lines.recv_timeout(self.timeout) {
            Ok(Ok(text)) => serde_json::from_str::<Reply>(text.trim()).map_err(|e| {
                let shown: String = text.trim().chars().take(120).collect();
                self.stop(&format!("answered `{op}` with something that is not a reply ({e}): {shown:?}"), true)
            }),
            Ok(Err(e)) => Err(self.stop(&format!("its output could not be read ({e})"), true)),
            Err(RecvTimeoutError::Timeout) => {
                Err(self.stop(&format!("no reply to `{op}` within {} s", self.timeout.as_secs_f64()), true))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.stop(&format!("exited before answering `{op}`"), false)),
        }
    }

    /// Put the peer aside: end its process and keep the reason (returned too).
    fn stop(&mut self, why: &str, kill: bool) -> String {
        let how = self.proc.take().and_then(|p| p.end(kill));
        let note = match how {
            Some(h) => format!("{why} (process: {h})"),
            None => why.to_string(),
        };
        self.note = Some(note.clone());
        note
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(p) = self.proc.take() {
            // Closing stdin is the peer's signal to exit; it is killed if it does not.
            let _ = p.end(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::protocol::{Inputs, SeedInputs};
    use super::*;
    use std::collections::BTreeMap;

    /// A peer written in sh (present wherever the tests run): `body` handles each request line
    /// `$line` after `info` was answered.
    fn sh_peer(test: &str, body: &str) -> PeerSpec {
        let dir = std::env::temp_dir().join(format!("tile-peer-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("fake_peer.sh");
        let text = format!(
            "read line\necho '{{\"ok\": true, \"info\": {{\"peer\": \"fake\", \"modes\": [\"eager\", \"compile\"]}}}}'\n\
             while read line; do\n{body}\ndone\n"
        );
        std::fs::write(&script, text).unwrap();
        PeerSpec { name: "fake".into(), command: vec!["sh".into(), script.display().to_string()] }
    }

    fn request() -> Request {
        Request {
            op: "exp".into(),
            shapes: vec![vec![4]],
            dtype: "f32".into(),
            seed: 1,
            params: BTreeMap::new(),
            lists: BTreeMap::new(),
            runs: 2,
            warmup: 1,
            flush_bytes: 0,
            modes: vec!["eager".into()],
            inputs: Inputs::Seed(SeedInputs::Seed),
            output_path: None,
        }
    }

    const SHORT: Duration = Duration::from_secs(5);

    #[test]
    fn a_working_peer_answers_every_request() {
        let spec = sh_peer("ok", r#"echo '{"ok": true, "results": {"eager": {"median_ms": 0.25}}}'"#);
        let mut p = Peer::start(spec, SHORT);
        assert!(p.is_running(), "{:?}", p.note());
        assert_eq!(p.modes(), ["eager", "compile"]);
        assert_eq!(p.info().unwrap().peer, "fake");
        for _ in 0..3 {
            let r = p.request(&request()).unwrap();
            assert_eq!(r.results["eager"].median_ms, Some(0.25));
        }
        assert!(p.note().is_none());
    }

    #[test]
    fn a_refusal_is_an_error_and_the_peer_goes_on() {
        let spec = sh_peer("refuses", r#"echo '{"ok": false, "error": "op not supported"}'"#);
        let mut p = Peer::start(spec, SHORT);
        assert_eq!(p.request(&request()).unwrap_err(), "op not supported");
        assert!(p.is_running());
        assert_eq!(p.request(&request()).unwrap_err(), "op not supported");
    }

    #[test]
    fn garbage_stops_the_peer_with_a_note() {
        let spec = sh_peer("garbage", "echo 'Traceback (most recent call last):'");
        let mut p = Peer::start(spec, SHORT);
        let e = p.request(&request()).unwrap_err();
        assert!(e.contains("not a reply") && e.contains("Traceback"), "{e}");
        assert!(!p.is_running());
        assert_eq!(p.request(&request()).unwrap_err(), e, "later requests get the same note");
    }

    #[test]
    fn a_hanging_peer_times_out_and_is_killed() {
        let spec = sh_peer("hangs", "exec sleep 30");
        let mut p = Peer::start(spec, Duration::from_millis(300));
        let t = Instant::now();
        let e = p.request(&request()).unwrap_err();
        assert!(e.contains("no reply to `exp` within 0.3 s"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(10), "the sleep was killed, not waited for");
        assert!(!p.is_running());
    }

    #[test]
    fn a_peer_that_exits_is_noted_with_its_stderr() {
        let spec = sh_peer("exits", "echo 'CUDA error: out of memory' >&2; exit 3");
        let mut p = Peer::start(spec, SHORT);
        let e = p.request(&request()).unwrap_err();
        assert!(e.contains("exited before answering `exp`"), "{e}");
        assert!(e.contains("3") && e.contains("out of memory"), "{e}");
    }

    #[test]
    fn a_peer_that_is_not_available_says_why() {
        let dir = std::env::temp_dir().join(format!("tile-peer-{}-unavailable", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("gone_peer.sh");
        std::fs::write(&script, "read line\necho '{\"ok\": false, \"error\": \"mlx not installed\"}'\n").unwrap();
        let p = Peer::start(
            PeerSpec { name: "gone".into(), command: vec!["sh".into(), script.display().to_string()] },
            SHORT,
        );
        assert!(!p.is_running());
        assert!(p.note().unwrap().contains("not available: mlx not installed"), "{:?}", p.note());
    }

    #[test]
    fn a_peer_that_cannot_start_says_so() {
        let spec = PeerSpec { name: "x".into(), command: vec!["/nonexistent/program".into()] };
        let mut p = Peer::start(spec, SHORT);
        assert!(p.note().unwrap().starts_with("could not start `/nonexistent/program`"), "{:?}", p.note());
        assert!(p.request(&request()).is_err());
        let e = Peer::start(PeerSpec { name: "x".into(), command: vec![] }, SHORT);
        assert!(e.note().unwrap().contains("empty command"));
    }

    /// The torch peer's mean_rows…argmin_rows and the index ops had functions, but the
    /// protocol's op list refused them as unknown: the bench showed no torch column for them.
    #[test]
    fn every_op_the_torch_peer_knows_passes_the_protocol_check() {
        let script = source_peers_dir().join("check_peers.py");
        let out = std::process::Command::new("python3").arg(&script).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}{}", text, String::from_utf8_lossy(&out.stderr));
    }

    #[test]
    fn peer_words_resolve_to_scripts() {
        let s = resolve("dir/my_peer.py", "python3.12").unwrap();
        assert_eq!(s, PeerSpec { name: "my".into(), command: vec!["python3.12".into(), "dir/my_peer.py".into()] });
        let s = resolve("tools/fake.sh", "python3").unwrap();
        assert_eq!(s, PeerSpec { name: "fake".into(), command: vec!["tools/fake.sh".into()] });
        // The shipped peers are found from the sources whatever the current directory.
        let torch = resolve("torch", "python3").unwrap();
        assert_eq!(torch.name, "torch");
        assert!(torch.command[1].ends_with("torch_peer.py") && Path::new(&torch.command[1]).is_file());
        let e = resolve("tpu", "python3").unwrap_err();
        assert!(e.contains("no peer script tpu_peer.py"), "{e}");
    }
}
