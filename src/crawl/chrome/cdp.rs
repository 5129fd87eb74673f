//! Raw DevTools methods, sent through [`super::wire`]: each returns the raw
//! JSON answer. Several typed forms in headless_chrome are wrong or missing
//! for Chromium 156 (see `docs/chrome.md`), and raw ones keep every call in
//! one style.

use headless_chrome::protocol::cdp::types::Method;
use serde::Serialize;
use serde_json::Value;

macro_rules! raw_method {
    ($(#[$doc:meta])* $name:ident, $cdp:literal { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name { $(pub $field: $ty),* }
        impl Method for $name {
            const NAME: &'static str = $cdp;
            type ReturnObject = Value;
        }
    };
}

raw_method!(
    /// The whole cookie jar, third-party cookies included (the typed
    /// `Storage.getCookies` fails to parse).
    GetAllCookies, "Network.getAllCookies" {}
);
raw_method!(
    /// The full DOM with shadow roots (closed too) and frame documents; the
    /// typed call cannot express `depth: -1`.
    GetDocument, "DOM.getDocument" { depth: i64, pierce: bool }
);
raw_method!(GetBoxModel, "DOM.getBoxModel" { backend_node_id: i64 });
raw_method!(ScrollIntoView, "DOM.scrollIntoViewIfNeeded" { backend_node_id: i64 });
raw_method!(ResolveNode, "DOM.resolveNode" { backend_node_id: i64 });
raw_method!(CallFunctionOn, "Runtime.callFunctionOn" { object_id: String, function_declaration: String, return_by_value: bool });
raw_method!(MouseEvent, "Input.dispatchMouseEvent" { r#type: &'static str, x: f64, y: f64, button: &'static str, click_count: u32 });
raw_method!(NetworkEnable, "Network.enable" {});
raw_method!(
    /// Refuse requests whose URL matches one of these patterns (`*` is a
    /// wildcard): they fail with `blockedReason: inspector`.
    SetBlockedUrls, "Network.setBlockedURLs" { urls: Vec<String> }
);
raw_method!(PageEnable, "Page.enable" {});
raw_method!(UserAgentOverride, "Network.setUserAgentOverride" { user_agent: String, accept_language: String });
raw_method!(GetFrameTree, "Page.getFrameTree" {});
raw_method!(StorageKeyForFrame, "Storage.getStorageKeyForFrame" { frame_id: String });
raw_method!(DomStorageItems, "DOMStorage.getDOMStorageItems" { storage_id: StorageId });
raw_method!(HandleDialog, "Page.handleJavaScriptDialog" { accept: bool });
raw_method!(GetVersion, "Browser.getVersion" {});
raw_method!(CreateBrowserContext, "Target.createBrowserContext" { dispose_on_detach: bool });
raw_method!(DisposeBrowserContext, "Target.disposeBrowserContext" { browser_context_id: String });
raw_method!(CreateTarget, "Target.createTarget" { url: &'static str, browser_context_id: String });
raw_method!(AttachToTarget, "Target.attachToTarget" { target_id: String, flatten: bool });
raw_method!(SetDownloadBehavior, "Browser.setDownloadBehavior" { behavior: &'static str, browser_context_id: String });
raw_method!(CloseTarget, "Target.closeTarget" { target_id: String });
raw_method!(Evaluate, "Runtime.evaluate" { expression: &'static str, return_by_value: bool });
raw_method!(
    /// `Runtime.evaluate` of a script that returns a promise.
    EvaluateAwait, "Runtime.evaluate" { expression: &'static str, return_by_value: bool, await_promise: bool }
);
raw_method!(Navigate, "Page.navigate" { url: String });
raw_method!(Screenshot, "Page.captureScreenshot" { format: &'static str, quality: u32, capture_beyond_viewport: bool });
raw_method!(ScreenshotClip, "Page.captureScreenshot" { format: &'static str, quality: u32, clip: Clip });

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageId {
    pub storage_key: String,
    pub is_local_storage: bool,
}

#[derive(Debug, Serialize)]
pub struct Clip {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub scale: f64,
}

raw_method!(
    /// Stop the script running now (answered even while it runs).
    TerminateExecution, "Runtime.terminateExecution" {}
);
raw_method!(ScriptsDisabled, "Emulation.setScriptExecutionDisabled" { value: bool });
raw_method!(
    /// Announce every target the browser creates (pop-ups among them).
    DiscoverTargets, "Target.setDiscoverTargets" { discover: bool }
);
raw_method!(StopLoading, "Page.stopLoading" {});
