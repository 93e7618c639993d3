//! The chat console: a small browser app for trying the product (plain HTML, CSS and JavaScript
//! modules written by hand in `apps/api/console/`, embedded in the binary, no build step), served
//! at `/` beside the API it calls. `docs/console.md` says what it does.
//!
//! - `GET /` is the page, `Cache-Control: no-cache` with an `ETag`, so a new binary's page is seen
//!   at once.
//! - `GET /console/{version}/{file}` are its scripts, style sheet and icon. `version` is a hash of
//!   every asset, so they are cached for a year (`immutable`) and a new binary's come under a new
//!   path; another version is `404`.
//! - `GET /console/dev-session` signs the development user in, and exists only on the embedded
//!   default with the published development JWT secret (see [`DevSignIn::for_config`]): there a
//!   token grants nothing that the published secret does not already grant. Everywhere else the
//!   person pastes a JWT, and this service never issues one.
//!
//! Every response carries a strict `Content-Security-Policy`: scripts, styles and calls from this
//! origin only, no inline script or style, no string-to-DOM sinks (Trusted Types), no framing.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::ids::UserId;
use serde::Serialize;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::error::ApiError;

/// The policy every console response carries.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; \
     require-trusted-types-for 'script'; trusted-types 'none'";

/// How long a development sign-in lasts.
pub const DEV_SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Where the page's assets are referred to from; replaced by `/console/{version}` when served.
const ASSETS_PLACEHOLDER: &str = "{{ASSETS}}";

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// One embedded file besides the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const PAGE: &str = include_str!("../console/index.html");

const ASSETS: &[Asset] = &[
    Asset { name: "app.js", content_type: JAVASCRIPT, body: include_str!("../console/app.js") },
    Asset { name: "api.js", content_type: JAVASCRIPT, body: include_str!("../console/api.js") },
    Asset { name: "chart.js", content_type: JAVASCRIPT, body: include_str!("../console/chart.js") },
    Asset { name: "format.js", content_type: JAVASCRIPT, body: include_str!("../console/format.js") },
    Asset { name: "markdown.js", content_type: JAVASCRIPT, body: include_str!("../console/markdown.js") },
    Asset { name: "dom.js", content_type: JAVASCRIPT, body: include_str!("../console/dom.js") },
    Asset { name: "app.css", content_type: CSS, body: include_str!("../console/app.css") },
    Asset { name: "icon.svg", content_type: SVG, body: include_str!("../console/icon.svg") },
];

/// A hash of the page and every asset (FNV-1a, 64 bits): it names the assets' path, so a browser
/// never mixes the files of two builds.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for bytes in std::iter::once(PAGE).chain(ASSETS.iter().map(|a| a.body)).map(str::as_bytes) {
        for byte in bytes.iter().chain([0xff].iter()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
});

/// The page with its assets' versioned path filled in.
static PAGE_HTML: LazyLock<String> = LazyLock::new(|| PAGE.replace(ASSETS_PLACEHOLDER, &assets_path()));

/// `/console/{version}`: where this build's assets are served.
pub fn assets_path() -> String {
    format!("/console/{}", *VERSION)
}

/// Signs the development user in on the embedded default: it issues a token for `DEV_USER_ID`
/// with the published development secret, on `GET /console/dev-session`.
#[derive(Clone)]
pub struct DevSignIn {
    keys: JwtKeys,
    user: UserId,
}

impl DevSignIn {
    /// The development sign-in, only where a token issued by it grants nothing new: the embedded
    /// default (no `MONGODB_URI`) checking tokens against the published development secret (no
    /// `JWT_SECRET`). With a real `JWT_SECRET`, even on the embedded default, `None`: an endpoint
    /// that hands out tokens signed with a real key would let anyone who reaches the port in.
    pub fn for_config(config: &Config, keys: &JwtKeys) -> Option<Self> {
        (config.is_embedded() && config.jwt_secret.is_none())
            .then(|| Self { keys: keys.clone(), user: config.dev_user_id })
    }
}

/// Whether the console is served: `CONSOLE_ENABLED`, by default on for the embedded default and off
/// otherwise.
pub fn enabled(config: &Config) -> bool {
    config.console_enabled.unwrap_or_else(|| config.is_embedded())
}

/// The console's routes as the configuration asks: none when it is disabled, the development
/// sign-in only where [`DevSignIn::for_config`] allows it.
pub fn for_config<S>(config: &Config, keys: &JwtKeys) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    routes(enabled(config), DevSignIn::for_config(config, keys))
}

/// The console's routes: the page at `/`, its assets under `/console/{version}/`, and
/// `/console/dev-session` when `dev_sign_in` is given. Nothing at all when `enabled` is false, so
/// those paths answer the API's `404 route-not-found`.
pub fn routes<S>(enabled: bool, dev_sign_in: Option<DevSignIn>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if !enabled {
        return Router::new();
    }
    let router = Router::new().route("/", get(page)).route("/console/{version}/{file}", get(asset));
    match dev_sign_in {
        Some(dev) => {
            let dev = Arc::new(dev);
            router.route("/console/dev-session", get(move || std::future::ready(dev_session(&dev))))
        }
        None => router,
    }
}

async fn page(headers: HeaderMap) -> Response {
    let etag = format!("\"{}\"", *VERSION);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, HTML)], PAGE_HTML.as_str()).into_response()
    };
    let headers = response.headers_mut();
    secure(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

async fn asset(Path((version, file)): Path<(String, String)>) -> Result<Response, ApiError> {
    let found = ASSETS.iter().find(|a| a.name == file).filter(|_| version == *VERSION);
    let Some(asset) = found else {
        return Err(ApiError::not_found(
            "route-not-found",
            "route not found",
            "no such console file in this build; reload the page at / to get the current one",
        ));
    };
    let mut response = ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response();
    let headers = response.headers_mut();
    secure(headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    Ok(response)
}

/// A development token, as `GET /console/dev-session` answers it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DevSessionBody {
    /// The bearer token.
    token: String,
    /// Its user, `DEV_USER_ID`.
    user_id: String,
    /// When it expires (RFC 3339).
    expires_at: String,
}

fn dev_session(dev: &DevSignIn) -> Result<Response, ApiError> {
    let token = dev.keys.issue(dev.user, DEV_SESSION_TTL).map_err(ApiError::unexpected)?;
    let expires_at = chrono::Utc::now() + chrono::TimeDelta::from_std(DEV_SESSION_TTL).map_err(ApiError::unexpected)?;
    let body = DevSessionBody {
        token,
        user_id: dev.user.to_string(),
        expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    secure(headers);
    // A token must not stay in any cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The headers every console response carries.
fn secure(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    headers.insert(HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin"));
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use secrecy::SecretString;
    use tower::ServiceExt;

    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&SecretString::from(crate::startup::DEV_JWT_SECRET)).unwrap()
    }

    async fn get_from(router: Router, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
    }

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers().get(name).map_or("", |v| v.to_str().unwrap())
    }

    fn embedded() -> Router {
        for_config(&Config::embedded_default(), &keys())
    }

    #[tokio::test]
    async fn the_page_is_served_at_the_root_with_a_strict_policy() {
        let response = get_from(embedded(), "/", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_of(&response, header::CONTENT_TYPE), HTML);
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
        assert_eq!(header_of(&response, header::CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
        assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let etag = header_of(&response, header::ETAG).to_owned();
        let html = text(response).await;
        assert!(html.contains(&format!("{}/app.js", assets_path())), "{html}");
        assert!(!html.contains(ASSETS_PLACEHOLDER));

        let again = get_from(embedded(), "/", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn every_asset_is_served_under_its_version_with_its_type_for_a_year() {
        for asset in ASSETS {
            let response = get_from(embedded(), &format!("{}/{}", assets_path(), asset.name), &[]).await;
            assert_eq!(response.status(), StatusCode::OK, "{}", asset.name);
            assert_eq!(header_of(&response, header::CONTENT_TYPE), asset.content_type);
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
            assert_eq!(header_of(&response, header::CONTENT_SECURITY_POLICY), CONTENT_SECURITY_POLICY);
            assert_eq!(text(response).await, asset.body);
        }
    }

    #[tokio::test]
    async fn another_version_or_an_unknown_file_is_not_found() {
        let stale = get_from(embedded(), "/console/0123456789abcdef/app.js", &[]).await;
        assert_eq!(stale.status(), StatusCode::NOT_FOUND);
        let unknown = get_from(embedded(), &format!("{}/secrets.txt", assets_path()), &[]).await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let traversal = get_from(embedded(), &format!("{}/..%2Fconfig.rs", assets_path()), &[]).await;
        assert_eq!(traversal.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_embedded_default_signs_the_development_user_in() {
        let response = get_from(embedded(), "/console/dev-session", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-store");
        let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
        let user = keys().verify(body["token"].as_str().unwrap()).unwrap();
        assert_eq!(user, Config::embedded_default().dev_user_id);
        assert_eq!(body["userId"], crate::config::DEFAULT_DEV_USER_ID);
    }

    #[tokio::test]
    async fn no_token_is_issued_with_a_real_secret_or_a_database() {
        let mut with_secret = Config::embedded_default();
        with_secret.jwt_secret = Some(SecretString::from("a-real-secret-that-is-long-enough-for-hs256"));
        let mut on_mongo = Config::embedded_default();
        on_mongo.mongodb_uri = Some(SecretString::from("mongodb://db.internal:27017"));
        on_mongo.console_enabled = Some(true);
        for config in [with_secret, on_mongo] {
            assert!(DevSignIn::for_config(&config, &keys()).is_none());
            let router: Router = for_config(&config, &keys());
            assert_eq!(get_from(router.clone(), "/", &[]).await.status(), StatusCode::OK);
            assert_eq!(get_from(router, "/console/dev-session", &[]).await.status(), StatusCode::NOT_FOUND);
        }
    }

    #[tokio::test]
    async fn the_console_is_on_by_default_only_on_the_embedded_default() {
        let mut on_mongo = Config::embedded_default();
        on_mongo.mongodb_uri = Some(SecretString::from("mongodb://db.internal:27017"));
        assert!(!enabled(&on_mongo));
        assert!(enabled(&Config::embedded_default()));
        let mut off = Config::embedded_default();
        off.console_enabled = Some(false);
        assert!(!enabled(&off));

        let router: Router = for_config(&off, &keys());
        for path in ["/", "/console/dev-session", &format!("{}/app.js", assets_path())] {
            assert_eq!(get_from(router.clone(), path, &[]).await.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        // The policy would block them; this says why the page broke before a browser does.
        let page = PAGE.to_ascii_lowercase();
        assert_eq!(page.matches("<script").count(), page.matches("<script type=\"module\" src=").count());
        assert!(!page.contains("<style"), "styles belong in app.css");
        assert!(!page.contains(" style="), "style attributes are blocked by the policy");
        assert!(!page.contains(" onclick=") && !page.contains(" onload="), "handlers belong in app.js");
    }

    #[test]
    fn every_module_imported_is_embedded() {
        let page_scripts = PAGE.split("{{ASSETS}}/").skip(1).filter_map(|rest| rest.split('"').next());
        let imports = ASSETS
            .iter()
            .filter(|a| a.content_type == JAVASCRIPT)
            .flat_map(|a| a.body.split(" from './").skip(1).filter_map(|rest| rest.split('\'').next()));
        let mut checked = 0;
        for target in page_scripts.chain(imports) {
            assert!(ASSETS.iter().any(|a| a.name == target), "{target} is referred to but not embedded");
            checked += 1;
        }
        assert!(checked > ASSETS.len(), "the page and the modules refer to their files");
    }
}
