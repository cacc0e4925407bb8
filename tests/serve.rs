//! `pinakes serve --watch` over HTTP: pages, types, redirects, traversal,
//! live-reload events after edits, the error event and the recovery.
//!
//! Each test starts the real binary on a free port (`--port 0`) in a copy of
//! the example site and talks to it with a tiny HTTP client over TcpStream.
//! Every wait polls against a deadline; nothing sleeps blindly. One test
//! drives headless Chromium (tests/browser/live.js).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(20);
const POLICY: &str = "content/policies/先进制造业强省行动计划.md";
const POLICY_URL: &str = "/policies/%E5%85%88%E8%BF%9B%E5%88%B6%E9%80%A0%E4%B8%9A%E5%BC%BA%E7%9C%81%E8%A1%8C%E5%8A%A8%E8%AE%A1%E5%88%92/";

/// A running `pinakes serve`; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(site: &common::Site, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pinakes"))
            .args(["serve", "--port", "0", "--root"])
            .arg(site.root())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pinakes serve");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut server = Server {
            child,
            port: 0,
            stdout: lines,
        };
        let line = server.wait_line(|l| l.starts_with("serving http://"));
        let addr = line.split_whitespace().nth(1).unwrap();
        server.port = addr
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        server
    }

    fn output(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    fn wait_line(&self, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self.output().into_iter().find(|l| pred(l)) {
                return l;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no such line in {:#?}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn get(&self, path: &str) -> Response {
        get(self.port, path)
    }

    fn events(&self) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET /__pinakes/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut e = Events {
            stream: s,
            buf: String::new(),
        };
        e.wait("hello");
        e
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A minimal HTTP/1.1 GET (the path is sent exactly as given).
fn get(port: u16, path: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    Response { status, head, body }
}

fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 2 + size + 2..];
    }
    out
}

/// The server-sent event stream of one page.
struct Events {
    stream: TcpStream,
    buf: String,
}

impl Events {
    /// Waits for the next event named `name`; returns its data.
    fn wait(&mut self, name: &str) -> String {
        let start = Instant::now();
        let marker = format!("event: {name}\n");
        loop {
            if let Some(i) = self.buf.find(&marker) {
                let rest = &self.buf[i + marker.len()..];
                if let Some(end) = rest.find("\n\n") {
                    let data: String = rest[..end]
                        .lines()
                        .filter_map(|l| l.strip_prefix("data: "))
                        .collect();
                    self.buf = rest[end..].to_string();
                    return data;
                }
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no `{name}` event; got:\n{}",
                self.buf
            );
            let mut chunk = [0u8; 8192];
            match self.stream.read(&mut chunk) {
                Ok(n) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("event stream: {e}"),
            }
        }
    }
}

/// Polls `f` until it is true or the deadline passes.
fn eventually(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_pages_types_redirects_and_404() {
    let site = common::Site::example();
    let server = Server::start(&site, &[]);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type").unwrap(),
        "text/html; charset=utf-8"
    );
    assert_eq!(server.get(POLICY_URL).status, 200);

    let redirect = server.get(POLICY_URL.trim_end_matches('/'));
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location").unwrap(), POLICY_URL);

    for (path, mime) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/sitemap.xml", "application/xml"),
        ("/api/index.json", "application/json"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type").unwrap(), mime, "{path}");
    }

    let missing = server.get("/policies/没有/");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("404"), "the theme's 404 page");

    // Links work under the local address: canonical URLs use it.
    assert!(
        home.text()
            .contains(&format!("http://127.0.0.1:{}/", server.port)),
        "base_url is the server's"
    );
    // Without --watch no script is injected.
    assert!(!home.text().contains("__pinakes"));
}

#[test]
fn never_serves_a_file_outside_the_site() {
    let site = common::Site::example();
    site.write("secret.txt", "top secret");
    let server = Server::start(&site, &[]);
    for path in [
        "/../secret.txt",
        "/../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/%252e%252e/secret.txt",
        "/..%5csecret.txt",
        "/policies/..\\..\\secret.txt",
        "/site.toml",
        "/content/policies/",
        "/%00",
    ] {
        let r = server.get(path);
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        assert!(!r.text().contains("top secret") && !r.text().contains("base_url"));
    }
}

#[test]
fn edits_reload_pages_and_serve_new_content() {
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let page = server.get(POLICY_URL).text();
    assert!(page.contains("<script src=\"/__pinakes/live.js\" defer></script></body>"));
    let script = server.get("/__pinakes/live.js");
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );

    let mut events = server.events();
    let text = site.read(POLICY);
    site.write(POLICY, format!("{text}\n新写的一段话。\n"));
    events.wait("reload");
    assert!(server.get(POLICY_URL).text().contains("新写的一段话。"));

    // A title change reaches the pages that show the title.
    site.write(
        POLICY,
        site.read(POLICY).replace(
            "title: 先进制造业强省行动计划",
            "title: 先进制造业强省新计划",
        ),
    );
    events.wait("reload");
    assert!(
        server
            .get("/policies/")
            .text()
            .contains("先进制造业强省新计划")
    );
    assert!(!site.exists("public"), "serve writes nothing to the site");
}

/// The served search index's `meta.js`.
fn search_meta(server: &Server) -> serde_json::Value {
    let meta = server.get("/search/meta.js").text();
    let json = &meta[meta.find(',').unwrap() + 1..meta.rfind(')').unwrap()];
    serde_json::from_str(json).unwrap()
}

/// The files `dir/0.js`, `dir/1.js`… of the served search index, as text.
fn search_files(server: &Server, dir: &str, count: u64) -> String {
    (0..count)
        .map(|n| server.get(&format!("/search/{dir}/{n}.js")).text())
        .collect()
}

/// The page lists of every shard of the served search index, as text.
fn search_shards(server: &Server) -> String {
    let shards = search_meta(server)["k"].as_u64().unwrap();
    search_files(server, "k", shards)
}

/// Whether the served search index has `token` (a page file's string is
/// its tokens and lists, a space after each).
fn indexed(server: &Server, token: &str) -> bool {
    let shards = search_shards(server);
    shards.contains(&format!("\"{token} ")) || shards.contains(&format!(" {token} "))
}

#[test]
fn the_search_index_follows_edits() {
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let mut events = server.events();
    assert!(!indexed(&server, "quokkaword"));
    let text = site.read(POLICY);
    site.write(POLICY, format!("{text}\nA quokkaword appears.\n"));
    // The page first, then the search index.
    events.wait("reload");
    events.wait("index");
    assert!(indexed(&server, "quokkaword"));
    // A title change reaches the page texts the results show.
    site.write(
        POLICY,
        site.read(POLICY).replacen("title: ", "title: 袋鼠标题·", 1),
    );
    events.wait("reload");
    events.wait("index");
    let cards = search_meta(&server)["cards"].as_array().unwrap().len() as u64;
    let chunks = search_files(&server, "d", cards);
    assert!(chunks.contains("袋鼠标题·"), "{chunks}");
    // Removed text leaves the index.
    site.write(POLICY, text);
    events.wait("reload");
    events.wait("index");
    assert!(!indexed(&server, "quokkaword"));
}

#[test]
fn create_rename_and_delete() {
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let mut events = server.events();
    let new = "content/policies/新政策.md";
    site.write(new, "---\ntitle: 新政策\n---\n\n正文。\n");
    events.wait("reload");
    let url = "/policies/%E6%96%B0%E6%94%BF%E7%AD%96/";
    assert_eq!(server.get(url).status, 200);

    // An editor's atomic save: write a temporary file, rename it over.
    site.write(
        "content/policies/.新政策.md.tmp",
        "---\ntitle: 新政策\n---\n\n第二版。\n",
    );
    std::fs::rename(site.path("content/policies/.新政策.md.tmp"), site.path(new)).unwrap();
    events.wait("reload");
    assert!(server.get(url).text().contains("第二版。"));

    std::fs::rename(site.path(new), site.path("content/policies/改名.md")).unwrap();
    events.wait("reload");
    assert_eq!(server.get(url).status, 404);
    assert_eq!(server.get("/policies/%E6%94%B9%E5%90%8D/").status, 200);

    site.remove("content/policies/改名.md");
    events.wait("reload");
    assert_eq!(server.get("/policies/%E6%94%B9%E5%90%8D/").status, 404);
}

#[test]
fn a_broken_link_shows_where_and_fixing_recovers() {
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let mut events = server.events();
    let good = site.read(POLICY);
    site.write(
        POLICY,
        format!("{good}\n另见 [[先进制造业强省行动计化]]。\n"),
    );
    let data = events.wait("build-error");
    let report: serde_json::Value = serde_json::from_str(&data).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "unknown-ref", "{report:#}");
    assert!(
        d["file"]
            .as_str()
            .unwrap()
            .ends_with("先进制造业强省行动计划.md")
    );
    assert!(d["line"].as_u64().unwrap() > 1 && d["column"].as_u64().unwrap() > 1);
    assert!(
        d["hint"]
            .as_str()
            .unwrap()
            .contains("先进制造业强省行动计划")
    );
    server.wait_line(|l| l.contains("error[unknown-ref]"));

    // The last good build is still served, and a page opened now is told too.
    assert_eq!(server.get(POLICY_URL).status, 200);
    server.events().wait("build-error");

    site.write(
        POLICY,
        format!("{good}\n另见 [[先进制造业强省行动计划]]。\n"),
    );
    events.wait("reload");
    assert!(server.get(POLICY_URL).text().contains("另见"));
}

#[test]
fn a_stylesheet_change_swaps_css() {
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let mut events = server.events();
    site.write("static/extra.css", "body { color: #123456 }\n");
    let data = events.wait("css");
    assert!(data.contains("extra.css"), "{data}");
    assert!(server.get("/extra.css").text().contains("#123456"));
}

#[test]
fn a_burst_of_files_gives_one_rebuild() {
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let mut events = server.events();
    for i in 0..300 {
        site.write(
            &format!("content/about/批量{i}.md"),
            format!("# 批量 {i}\n\n正文。\n"),
        );
    }
    events.wait("reload");
    eventually("the last page", || {
        server.get("/about/%E6%89%B9%E9%87%8F299/").status == 200
    });
    // The server's output is read on another thread: its line may come
    // after the reload event.
    server.wait_line(|l| l.starts_with("rebuilt"));
    let rebuilds = server
        .output()
        .iter()
        .filter(|l| l.starts_with("rebuilt"))
        .count();
    assert_eq!(rebuilds, 1, "{:#?}", server.output());
}

#[test]
fn build_output_never_holds_the_reload_script() {
    let site = common::Site::example();
    site.build().success();
    for e in walkdir::WalkDir::new(site.path("public"))
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
            assert!(!text.contains("/__pinakes/"), "{}", e.path().display());
        }
    }
}

#[test]
fn build_watch_rewrites_the_output() {
    let site = common::Site::example();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinakes"))
        .args(["build", "--watch", "--root"])
        .arg(site.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let page = site.path("public/policies/先进制造业强省行动计划/index.html");
    eventually("the first build", || page.exists());
    site.write(POLICY, format!("{}\n监视下的修改。\n", site.read(POLICY)));
    eventually("the rebuild", || {
        std::fs::read_to_string(&page).is_ok_and(|t| t.contains("监视下的修改。"))
    });
    let _ = child.kill();
    let _ = child.wait();
}

/// What an editor sees, in headless Chromium at phone width
/// (tests/browser/live.js): an edit shows, a broken link shows an overlay
/// with file:line:col and a hint, the fix brings the page back, and a
/// stylesheet change is swapped without a reload. Needs `chromium` (see
/// `common::has_browser`).
#[test]
fn the_browser_shows_edits_errors_and_the_fix() {
    if !common::has_browser() {
        return;
    }
    let site = common::Site::example();
    let server = Server::start(&site, &["--watch"]);
    let url = format!("http://127.0.0.1:{}{POLICY_URL}", server.port);
    let report = common::node(&[
        "--experimental-websocket",
        "tests/browser/live.js",
        "chromium",
        &url,
        site.root().to_str().unwrap(),
        POLICY,
    ]);
    assert!(report.starts_with("ok:"), "{report}");
    eprintln!("{report}");
}
