//! Keeping an app inside its scope: top-level pages outside it go to the user's browser, as an
//! installed PWA does in Chromium; frames (a video, a map) stay where they are.

use syncshell_core::manifest::{stays_in_app, within_scope};
use tauri::webview::NewWindowResponse;
use tauri::WebviewWindow;
use url::Url;

use super::WindowError;
use syncshell_resident::browser;

/// What to do with a `window.open` from the app: in scope, a window of the app; else the browser.
pub fn new_window(url: &Url, scope: &Url) -> NewWindowResponse<tauri::Wry> {
    if within_scope(url, scope) {
        NewWindowResponse::Allow
    } else {
        browser::open(url);
        NewWindowResponse::Deny
    }
}

/// Sends top-level pages outside the app's scope to the browser. Tauri's `on_navigation` cannot
/// be used: WebKit asks it for every frame, so an embedded cross-origin frame (a video, a map)
/// would be torn out of the page. The response policy knows whether a load is the main frame's.
pub fn keep_in_scope(window: &WebviewWindow, scope: Url) -> Result<(), WindowError> {
    window
        .with_webview(move |platform| {
            use tauri::webview::PlatformWebview;
            use webkit2gtk::glib::Cast;
            use webkit2gtk::{
                PolicyDecisionExt, PolicyDecisionType, ResponsePolicyDecision,
                ResponsePolicyDecisionExt, URIResponseExt, WebViewExt,
            };
            let webview: webkit2gtk::WebView = PlatformWebview::inner(&platform);
            webview.connect_decide_policy(move |_, decision, kind| {
                if kind != PolicyDecisionType::Response {
                    return false;
                }
                let Some(response) = decision.downcast_ref::<ResponsePolicyDecision>() else {
                    return false;
                };
                if !response.is_main_frame_main_resource() {
                    return false;
                }
                let uri = response.response().and_then(|r| r.uri());
                let Some(url) = uri.and_then(|u| Url::parse(u.as_str()).ok()) else {
                    return false;
                };
                if stays_in_app(&url, &scope) {
                    return false;
                }
                decision.ignore();
                browser::open(&url);
                true
            });
        })
        .map_err(|source| WindowError::Webview {
            what: "navigation policy",
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_in_scope_pages_stay_in_the_window() {
        let scope = Url::parse("http://127.0.0.1:9/app/").unwrap();
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(stays_in_app(&u("http://127.0.0.1:9/app/page?x#y"), &scope));
        assert!(stays_in_app(&u("about:blank"), &scope));
        assert!(!stays_in_app(&u("http://127.0.0.1:9/other"), &scope));
        assert!(!stays_in_app(&u("http://127.0.0.1:10/app/"), &scope));
        assert!(!stays_in_app(&u("https://example.com/"), &scope));
    }
}
