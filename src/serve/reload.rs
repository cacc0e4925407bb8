//! Live reload: the events a page listens to, the script that listens, and
//! its injection into the HTML the dev server serves (never into `build`
//! output: the write stage never sees it).

use std::convert::Infallible;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast;

/// The script, served at [`SCRIPT_PATH`] from the same server.
pub const SCRIPT: &str = include_str!("live.js");
pub const SCRIPT_PATH: &str = "/__pinakes/live.js";
pub const EVENTS_PATH: &str = "/__pinakes/events";

/// What a page is told after a rebuild.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Pages changed: reload.
    Reload,
    /// Only these stylesheets changed: swap them in place.
    Css(Vec<String>),
    /// The rebuild failed: show these diagnostics (`check --format json`).
    Failed(String),
    /// The search index caught up with the pages last reloaded.
    Index,
}

impl Event {
    fn to_sse(&self) -> SseEvent {
        match self {
            Event::Reload => SseEvent::default().event("reload").data("{}"),
            Event::Css(paths) => SseEvent::default()
                .event("css")
                .data(serde_json::json!({ "paths": paths }).to_string()),
            Event::Failed(json) => SseEvent::default().event("build-error").data(json.as_str()),
            Event::Index => SseEvent::default().event("index").data("{}"),
        }
    }
}

/// The event stream of one page: a greeting naming the server instance (so a
/// page reloads after a restart), the current error if the site is broken,
/// then every event as it happens.
pub fn stream(
    server: u64,
    current_error: Option<String>,
    rx: broadcast::Receiver<Event>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let hello = SseEvent::default()
        .event("hello")
        .retry(std::time::Duration::from_millis(500))
        .data(serde_json::json!({ "server": server.to_string() }).to_string());
    let mut first = vec![hello];
    first.extend(current_error.map(|e| Event::Failed(e).to_sse()));
    let live = stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(e) => e,
            // Fell behind: a reload covers whatever was missed.
            Err(broadcast::error::RecvError::Lagged(_)) => Event::Reload,
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event.to_sse()), rx))
    });
    let events = futures_util::StreamExt::chain(stream::iter(first.into_iter().map(Ok)), live);
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// Adds the live-reload script to an HTML page, before `</body>` (or at the
/// end when there is none). A `src`, not inline code: a page's CSP may
/// forbid inline scripts.
pub fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" defer></script>");
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_before_the_body_ends() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></body></html>")).unwrap();
        assert_eq!(
            out,
            "<html><body><p>x</p><script src=\"/__pinakes/live.js\" defer></script></body></html>"
        );
        let bare = String::from_utf8(inject(b"<p>x</p>")).unwrap();
        assert!(bare.ends_with("defer></script>"));
    }
}
