#!/usr/bin/env python3
"""Times `pinakes serve --watch` from a file's save to the reload event.

usage: scripts/bench_serve.py [PAGES=10000] [RUNS=15]

Set PINAKES to a binary to time it instead of this checkout's release build
(to compare two versions in one session). SAVE=rename saves as `sed -i` and
editors with safe writes do: a temporary file beside the original, renamed
over it (the default writes the file in place).

Generates a site with scripts/gen_site.py, starts the release binary on a
free port and, for each run, saves a policy file and polls the policy's
page over HTTP until the new text is served, for a one-paragraph body edit
and for a title change (which re-renders every page that shows the title:
the pages of the measures list that hold its measures, its terms' pages,
the timeline). The server swaps in a rebuild's pages all at once, so the
small page tells when the others are served too. Reports the median and the
slowest time of each. The time includes the file watcher's debounce; it is
what an editor waits for. Each run starts after the last rebuild's reload
event, its `index` event (the search index caught up; up to 10 s) and a
short pause.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def events(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /__pinakes/events HTTP/1.1\r\nHost: localhost\r\n"
              b"Accept: text/event-stream\r\n\r\n")
    s.settimeout(30)
    return s


def wait_event(sock, name, buf, timeout=30):
    """Reads the event stream until `name` arrives; False after `timeout` s."""
    marker = ("event: %s\n" % name).encode()
    end = time.monotonic() + timeout
    while marker not in buf[0]:
        sock.settimeout(max(end - time.monotonic(), 0.001))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False
        if not chunk:
            sys.exit("event stream closed")
        buf[0] += chunk
    buf[0] = buf[0][buf[0].index(marker) + len(marker):]
    return True


def served(port, page, needle):
    url = "http://127.0.0.1:%d/%s" % (port, urllib.parse.quote(page))
    with urllib.request.urlopen(url, timeout=30) as r:
        return needle.encode() in r.read()


def save(path, text):
    if os.environ.get("SAVE") == "rename":
        temp = os.path.join(os.path.dirname(path), "sedTmp%d" % os.getpid())
        with open(temp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temp, path)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def timed(sock, buf, port, path, text, page, needle):
    start = time.perf_counter()
    save(path, text)
    while not served(port, page, needle):
        time.sleep(0.002)
    ms = (time.perf_counter() - start) * 1000
    wait_event(sock, "reload", buf)
    # The server patches the search index after the reload and says so;
    # the next run starts when it is done (an older server never says).
    if INDEX_EVENTS[0]:
        INDEX_EVENTS[0] = wait_event(sock, "index", buf, timeout=10)
    return ms


INDEX_EVENTS = [True]


def main():
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    binary = os.environ.get("PINAKES")
    if not binary:
        subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target/release/pinakes")
    work = tempfile.mkdtemp()
    site = os.path.join(work, "site")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen_site.py"),
                    site, str(pages)], check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [binary, "serve", "--watch",
         "--port", "0", "--root", site],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in server.stdout:
            if line.startswith("serving "):
                port = int(line.split()[1].rstrip("/").rsplit(":", 1)[1])
                break
        sock = events(port)
        buf = [b""]
        wait_event(sock, "hello", buf)
        path = os.path.join(site, "content", "policies", "政策1.md")
        with open(path, encoding="utf-8") as f:
            original = f.read()
        head, sep, body = original.partition("\n---\n")
        title = head  # the front matter as it stands: a body edit keeps it
        body_times, title_times = [], []
        for i in range(runs):
            time.sleep(0.2)  # let the watcher settle between saves
            mark = "新增段落%d号" % i
            edited = "%s\n\n%s。\n" % (body, mark)
            body_times.append(timed(sock, buf, port, path, title + sep + edited,
                                    "policies/政策1/index.html", mark))
            time.sleep(0.2)
            # Each new title is longer or shorter than the last, as real
            # retitles are: the text after it on every page moves.
            mark = "%s%d号" % ("改" if i % 2 == 0 else "再改", i)
            title = head.replace("title: ", "title: " + mark, 1)
            title_times.append(timed(sock, buf, port, path, title + sep + edited,
                                     "policies/政策1/index.html", mark))
        for name, t in (("body edit", body_times), ("title change", title_times)):
            print("%d pages, %-12s median %6.1f ms, max %6.1f ms (%d runs)"
                  % (pages, name, statistics.median(t), max(t), runs))
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
