//! Our own DevTools connection to a browser that headless_chrome launched.
//!
//! Why not headless_chrome's: its transport reads the WebSocket under a lock
//! with a 100 ms read timeout, and a call must take that lock to write. A
//! call issued right after another one therefore waits for the read to time
//! out: measured on Chromium 156, **104 ms per back-to-back call**, against
//! about 1 ms here. An audit makes a few hundred calls (DOM snapshots, boxes,
//! styles, clicks, cookie jars, storage), so this alone cost seconds per site.
//!
//! Here one thread reads, blocking, and hands each answer to the caller
//! waiting for its id; callers write through a second handle on the same
//! socket, so writing never waits for reading. Events go to the listener of
//! their session (we attach with `flatten: true`, so every message names its
//! session). The message types are still headless_chrome's: its `Method`
//! structs and its `Event` enum.

use std::collections::HashMap;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::types::{Event, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// Called, on the reader thread, with every event of one session.
pub(super) type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// Called, on the reader thread, with every event of the browser itself
/// (no session): its method and raw parameters.
pub(super) type BrowserListener = Arc<dyn Fn(&str, &Value) + Send + Sync>;

type Answer = Result<Value, String>;

/// Callers waiting for an answer, by call id, with their session.
type Pending = HashMap<u64, (Option<String>, mpsc::Sender<Answer>)>;

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    listeners: Mutex<HashMap<String, Listener>>,
    browser_listener: Mutex<Option<BrowserListener>>,
    /// Sessions given up (their visit ran out of time): calls on them fail
    /// at once, with the reason.
    aborted: Mutex<HashMap<String, String>>,
    closed: AtomicBool,
}

/// One DevTools connection to the browser endpoint.
pub(super) struct Wire {
    writer: Mutex<WebSocket<TcpStream>>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
    timeout: Duration,
}

/// The envelope of every incoming message: an answer has an id, an event a
/// method (and, flattened, the session it belongs to).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    id: Option<u64>,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Call<'a, M> {
    id: u64,
    method: &'a str,
    params: M,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
}

impl Wire {
    /// Connect to `ws://host:port/devtools/browser/…`. Calls that get no
    /// answer within `timeout` fail (a hung renderer must not hang a visit).
    pub(super) fn connect(ws_url: &str, timeout: Duration) -> Result<Arc<Wire>, String> {
        let url = url::Url::parse(ws_url).map_err(|e| format!("bad DevTools URL {ws_url}: {e}"))?;
        let addr = format!(
            "{}:{}",
            url.host_str().unwrap_or("127.0.0.1"),
            url.port().unwrap_or(80)
        );
        let stream = TcpStream::connect(&addr)
            .map_err(|e| format!("cannot reach DevTools at {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let config = WebSocketConfig::default()
            .max_message_size(Some(512 << 20))
            .max_frame_size(None);
        let (reader, _) = tungstenite::client::client_with_config(ws_url, stream, Some(config))
            .map_err(|e| format!("DevTools handshake failed: {e}"))?;
        let write_half = reader
            .get_ref()
            .try_clone()
            .map_err(|e| format!("cannot share the DevTools socket: {e}"))?;
        let writer = WebSocket::from_raw_socket(write_half, Role::Client, Some(config));
        let shared = Arc::new(Shared::default());
        let for_reader = shared.clone();
        std::thread::Builder::new()
            .name("devtools-reader".into())
            .spawn(move || read_loop(reader, &for_reader))
            .map_err(|e| format!("cannot start the DevTools reader: {e}"))?;
        Ok(Arc::new(Wire {
            writer: Mutex::new(writer),
            shared,
            next_id: AtomicU64::new(1),
            timeout,
        }))
    }

    /// Call `m` on the browser (`session` None) or on an attached target,
    /// and wait for its answer (at most the connection's timeout).
    pub(super) fn call<M>(&self, session: Option<&str>, m: M) -> Result<M::ReturnObject, String>
    where
        M: Method + Serialize,
    {
        self.call_within(session, m, self.timeout)
    }

    /// [`Wire::call`], waiting at most `wait` for the answer.
    pub(super) fn call_within<M>(
        &self,
        session: Option<&str>,
        m: M,
        wait: Duration,
    ) -> Result<M::ReturnObject, String>
    where
        M: Method + Serialize,
    {
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err("the browser connection is closed".into());
        }
        if let Some(why) = session.and_then(|s| lock(&self.shared.aborted).get(s).cloned()) {
            return Err(format!("{}: {why}", M::NAME));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let text = serde_json::to_string(&Call {
            id,
            method: M::NAME,
            params: m,
            session_id: session,
        })
        .map_err(|e| e.to_string())?;
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.pending).insert(id, (session.map(str::to_string), tx));
        let sent = lock(&self.writer).send(Message::text(text));
        if let Err(e) = sent {
            lock(&self.shared.pending).remove(&id);
            return Err(format!("{}: cannot send: {e}", M::NAME));
        }
        let answer = match rx.recv_timeout(wait) {
            Ok(a) => a,
            Err(_) => {
                lock(&self.shared.pending).remove(&id);
                return Err(format!(
                    "{}: no answer within {:.1} s",
                    M::NAME,
                    wait.as_secs_f64()
                ));
            }
        };
        let value = answer.map_err(|e| format!("{}: {e}", M::NAME))?;
        serde_json::from_value(value).map_err(|e| format!("{}: unexpected answer: {e}", M::NAME))
    }

    /// Send every event of `session` to `listener`.
    pub(super) fn listen(&self, session: &str, listener: Listener) {
        lock(&self.shared.listeners).insert(session.to_string(), listener);
    }

    /// Send `m` without waiting for its answer (a command that must go out
    /// even when the target is too busy to answer soon, such as
    /// `Runtime.terminateExecution`).
    pub(super) fn send<M>(&self, session: Option<&str>, m: M)
    where
        M: Method + Serialize,
    {
        if self.shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(text) = serde_json::to_string(&Call {
            id,
            method: M::NAME,
            params: m,
            session_id: session,
        }) {
            let _ = lock(&self.writer).send(Message::text(text));
        }
    }

    /// Send every event of `session` to `listener`.
    pub(super) fn listen_browser(&self, listener: BrowserListener) {
        *lock(&self.shared.browser_listener) = Some(listener);
    }

    /// Stop listening to `session` (its tab is gone).
    pub(super) fn forget(&self, session: &str) {
        lock(&self.shared.listeners).remove(session);
    }

    /// Give up on `session`: every call waiting on it fails now with
    /// `why`, and later calls fail at once. Nothing waits on a target that
    /// no longer answers.
    pub(super) fn abort(&self, session: &str, why: &str) {
        lock(&self.shared.aborted).insert(session.to_string(), why.to_string());
        let mut pending = lock(&self.shared.pending);
        let ids: Vec<u64> = pending
            .iter()
            .filter(|(_, (s, _))| s.as_deref() == Some(session))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some((_, tx)) = pending.remove(&id) {
                let _ = tx.send(Err(why.to_string()));
            }
        }
    }

    /// The browser closed the connection (it died, or was killed).
    pub(super) fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }
}

/// Lock, ignoring poisoning: the data behind these locks stays consistent
/// whatever a panicking holder was doing (maps of channels).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_loop(mut ws: WebSocket<TcpStream>, shared: &Shared) {
    loop {
        let text = match ws.read() {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => continue,
        };
        let Ok(env) = serde_json::from_str::<Envelope>(text.as_str()) else {
            continue;
        };
        if let Some(id) = env.id {
            if let Some((_, tx)) = lock(&shared.pending).remove(&id) {
                let answer = match env.error {
                    Some(e) => Err(e["message"].as_str().unwrap_or("error").to_string()),
                    None => Ok(env.result.unwrap_or(Value::Null)),
                };
                let _ = tx.send(answer);
            }
        } else if env.method.is_some() {
            let listener = env
                .session_id
                .as_deref()
                .and_then(|s| lock(&shared.listeners).get(s).cloned());
            // Only events someone listens to are parsed in full. Some fail to
            // parse into headless_chrome's types (an enum value it does not
            // know); they carry nothing we use.
            if let Some(listener) = listener {
                if let Ok(event) = serde_json::from_str::<Event>(text.as_str()) {
                    listener(&event);
                }
            } else if env.session_id.is_none() {
                let browser = lock(&shared.browser_listener).clone();
                if let (Some(listener), Some(method)) = (browser, env.method.as_deref()) {
                    if let Ok(v) = serde_json::from_str::<Value>(text.as_str()) {
                        listener(method, &v["params"]);
                    }
                }
            }
        }
    }
    shared.closed.store(true, Ordering::SeqCst);
    // Wake every caller still waiting: their answer will never come.
    for (_, (_, tx)) in lock(&shared.pending).drain() {
        let _ = tx.send(Err("the browser closed the connection".into()));
    }
}

/// How long closing a tab or its context may take before the browser is
/// deemed stuck (the caller then kills it).
const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// One tab in its own browser context, attached with a flat session.
/// Every call on it is bounded by the visit's deadline: past it, calls fail
/// at once instead of waiting on a page that no longer answers.
pub(super) struct Devtools {
    wire: Arc<Wire>,
    session: String,
    target: String,
    context: String,
    deadline: Instant,
    closed: bool,
}

impl Devtools {
    /// Open a blank tab in a fresh browser context (no state shared with
    /// any other visit) and attach to it. Calls on it fail from `deadline`.
    pub(super) fn open(wire: &Arc<Wire>, deadline: Instant) -> Result<Devtools, String> {
        use super::cdp;
        let wait = |what: &str| -> Result<Duration, String> {
            deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .map(|d| d.min(wire.timeout))
                .ok_or_else(|| format!("{what}: no time left in the visit's budget"))
        };
        let context = wire.call_within(
            None,
            cdp::CreateBrowserContext {
                dispose_on_detach: true,
            },
            wait("Target.createBrowserContext")?,
        )?["browserContextId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut tab = Devtools {
            wire: wire.clone(),
            session: String::new(),
            target: String::new(),
            context,
            deadline,
            closed: false,
        };
        tab.target = wire.call_within(
            None,
            cdp::CreateTarget {
                url: "about:blank",
                browser_context_id: tab.context.clone(),
            },
            wait("Target.createTarget")?,
        )?["targetId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        tab.session = wire.call_within(
            None,
            cdp::AttachToTarget {
                target_id: tab.target.clone(),
                flatten: true,
            },
            wait("Target.attachToTarget")?,
        )?["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        // Downloads are refused: an audit stores nothing a site pushes.
        let _ = wire.call_within(
            None,
            cdp::SetDownloadBehavior {
                behavior: "deny",
                browser_context_id: tab.context.clone(),
            },
            wait("Browser.setDownloadBehavior")?,
        );
        Ok(tab)
    }

    /// Call `m` on this tab, waiting at most until the visit's deadline.
    pub(super) fn call<M>(&self, m: M) -> Result<M::ReturnObject, String>
    where
        M: Method + Serialize,
    {
        let left = self
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("{}: the visit is out of time", M::NAME))?;
        self.wire
            .call_within(Some(&self.session), m, left.min(self.wire.timeout))
    }

    /// Call `m` on this tab, waiting at most `wait` (and never past the
    /// visit's deadline).
    pub(super) fn call_within<M>(&self, m: M, wait: Duration) -> Result<M::ReturnObject, String>
    where
        M: Method + Serialize,
    {
        let left = self
            .deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| format!("{}: the visit is out of time", M::NAME))?;
        self.wire
            .call_within(Some(&self.session), m, left.min(wait))
    }

    /// Send `m` to this tab without waiting for an answer.
    pub(super) fn send<M>(&self, m: M)
    where
        M: Method + Serialize,
    {
        self.wire.send(Some(&self.session), m);
    }

    /// The tab no longer answers: the browser is gone, or we gave up on it.
    pub(super) fn gone(&self) -> bool {
        self.wire.is_closed() || lock(&self.wire.shared.aborted).contains_key(&self.session)
    }

    /// The visit's deadline.
    pub(super) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The DevTools session attached to this tab.
    pub(super) fn session_id(&self) -> &str {
        &self.session
    }

    /// The tab's target id, which is also its main frame's id.
    pub(super) fn target_id(&self) -> &str {
        &self.target
    }

    /// The browser context of this tab (pop-ups it opens share it).
    pub(super) fn context_id(&self) -> &str {
        &self.context
    }

    /// Deliver this tab's events to `listener`.
    pub(super) fn listen(&self, listener: Listener) {
        self.wire.listen(&self.session, listener);
    }

    /// Close the tab and throw its context away (cookies, storage, cache,
    /// pop-ups). Calls still waiting on the tab fail at once. Returns false
    /// when the browser did not confirm within [`CLOSE_WAIT`]: it is stuck,
    /// and the caller should kill it.
    pub(super) fn close(&mut self) -> bool {
        use super::cdp;
        if self.closed {
            return true;
        }
        self.closed = true;
        self.wire.forget(&self.session);
        self.wire.abort(&self.session, "the tab was closed");
        if self.wire.is_closed() {
            return true;
        }
        let closed = self.wire.call_within(
            None,
            cdp::CloseTarget {
                target_id: self.target.clone(),
            },
            CLOSE_WAIT,
        );
        let disposed = self.wire.call_within(
            None,
            cdp::DisposeBrowserContext {
                browser_context_id: self.context.clone(),
            },
            CLOSE_WAIT,
        );
        closed.is_ok() && disposed.is_ok()
    }
}

impl Drop for Devtools {
    fn drop(&mut self) {
        self.close();
    }
}
