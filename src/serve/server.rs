//! The HTTP side of the dev server: the last good build, from memory.
//!
//! Only paths of the build are served — a request is looked up in the
//! build's file map, never joined to a directory — so nothing outside the
//! site can be reached, however the path is encoded.

use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use percent_encoding::percent_decode_str;
use tokio::sync::broadcast;

use super::reload::{self, Event};
use crate::incremental::Output;

/// What the server shares between requests and the rebuild loop.
pub struct DevState {
    /// The last good build.
    output: RwLock<Arc<Output>>,
    /// The diagnostics of the failed rebuild, while the site is broken.
    error: RwLock<Option<String>>,
    events: broadcast::Sender<Event>,
    /// Tells pages that the server restarted.
    instance: u64,
    /// Whether pages get the live-reload script.
    live: bool,
}

impl DevState {
    pub fn new(output: Arc<Output>, live: bool) -> Arc<DevState> {
        let instance = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        Arc::new(DevState {
            output: RwLock::new(output),
            error: RwLock::new(None),
            events: broadcast::channel(64).0,
            instance,
            live,
        })
    }

    /// A good rebuild: serve it and tell the pages.
    pub fn publish(&self, output: Arc<Output>, event: Option<Event>) {
        // The old build is dropped after the event is sent: freeing thousands
        // of files need not delay the reload.
        let _old = std::mem::replace(
            &mut *self.output.write().unwrap_or_else(|e| e.into_inner()),
            output,
        );
        let was_broken = self
            .error
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        // After an error every page shows the overlay: reload them all.
        let event = if was_broken {
            Some(Event::Reload)
        } else {
            event
        };
        if let Some(e) = event {
            let _ = self.events.send(e);
        }
    }

    /// A failed rebuild: keep serving the last good build, show the errors.
    pub fn fail(&self, diagnostics_json: String) {
        *self.error.write().unwrap_or_else(|e| e.into_inner()) = Some(diagnostics_json.clone());
        let _ = self.events.send(Event::Failed(diagnostics_json));
    }

    fn output(&self) -> Arc<Output> {
        self.output
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

pub fn router(state: Arc<DevState>) -> Router {
    Router::new()
        .route(reload::SCRIPT_PATH, get(script))
        .route(reload::EVENTS_PATH, get(events))
        .fallback(get(page))
        .with_state(state)
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        reload::SCRIPT,
    )
        .into_response()
}

async fn events(State(state): State<Arc<DevState>>) -> Response {
    let current = state
        .error
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    reload::stream(state.instance, current, state.events.subscribe()).into_response()
}

async fn page(State(state): State<Arc<DevState>>, uri: Uri) -> Response {
    let Some(rel) = site_path(uri.path()) else {
        return (StatusCode::BAD_REQUEST, "bad path\n").into_response();
    };
    let output = state.output();
    if output.files.is_empty() {
        // Broken from the start: a page to carry the error overlay.
        let html = b"<!doctype html><meta charset=utf-8><title>pinakes</title><body><p>The site has errors; fix them and this page reloads.</p></body>";
        return file_response(
            &state,
            "index.html",
            html.to_vec(),
            StatusCode::SERVICE_UNAVAILABLE,
        );
    }
    let file = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.clone()
    };
    if let Some(bytes) = output.read(&file) {
        return file_response(&state, &file, bytes, StatusCode::OK);
    }
    // `/policies/x` -> `/policies/x/`, so that relative links resolve.
    if !rel.is_empty()
        && !rel.ends_with('/')
        && output
            .files
            .contains_key(format!("{rel}/index.html").as_str())
    {
        let target = match uri.query() {
            Some(q) => format!("{}/?{q}", uri.path()),
            None => format!("{}/", uri.path()),
        };
        return Redirect::permanent(&target).into_response();
    }
    match output.read("404.html") {
        Some(bytes) => file_response(&state, "404.html", bytes, StatusCode::NOT_FOUND),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The site path of a request path, decoded once; `None` for a path that
/// tries to leave the site (`..`, backslashes, NUL) or is not UTF-8.
pub fn site_path(path: &str) -> Option<String> {
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let rel = decoded.trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg == ".") || rel.contains("//") {
        return None;
    }
    Some(rel.to_string())
}

fn file_response(state: &DevState, file: &str, bytes: Vec<u8>, status: StatusCode) -> Response {
    let mime = mime_type(file);
    let body = if state.live && mime.starts_with("text/html") {
        reload::inject(&bytes)
    } else {
        bytes
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // Every save changes files: the browser must ask again.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The MIME type of a site file, by extension.
pub fn mime_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_site() {
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/policies/%2E%2E/%2e%2e/x",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/a%00",
            "/%ff",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
        // Decoded once: a double-encoded dot is a (missing) file name.
        assert_eq!(site_path("/%252e%252e/x").as_deref(), Some("%2e%2e/x"));
        assert_eq!(
            site_path("/policies/%E7%94%B2/").as_deref(),
            Some("policies/甲/")
        );
    }

    #[test]
    fn mime_types() {
        assert!(mime_type("a/index.html").starts_with("text/html"));
        assert_eq!(mime_type("f.woff2"), "font/woff2");
        assert_eq!(mime_type("m.CSV"), "text/csv; charset=utf-8");
        assert_eq!(mime_type("sitemap.xml"), "application/xml");
    }
}
