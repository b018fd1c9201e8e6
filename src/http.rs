//! Sends one rendered request with reqwest: timeouts, a body cap, no redirects unless asked, and
//! bounded retries on 429 honouring `Retry-After`. No checks happen here.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use url::Url;

/// A request with every template rendered.
#[derive(Debug, Clone)]
pub struct RenderedRequest {
    /// HTTP method.
    pub method: Method,
    /// Full URL including the query.
    pub url: Url,
    /// Headers in order (including `Authorization` when credentials apply).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Option<Vec<u8>>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Follow redirects.
    pub follow_redirects: bool,
}

/// A response read in full (up to the cap).
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower case, in order.
    pub headers: Vec<(String, String)>,
    /// Decoded body (gzip and chunked transfer already undone).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First value of a header (name lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request could not complete.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    /// The connection could not be made.
    #[error("connection failed: {0}")]
    Connect(String),
    /// No complete response within the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The body exceeded the cap.
    #[error("response body exceeds the cap of {cap} bytes")]
    BodyTooLarge {
        /// The cap in bytes.
        cap: usize,
    },
    /// Still 429 after the allowed retries or time budget.
    #[error("rate limited: still 429 after {retries} retries")]
    RateLimited {
        /// Retries made.
        retries: u32,
    },
    /// Anything else reqwest reports (TLS, protocol errors).
    #[error("request failed: {0}")]
    Other(String),
}

/// Retry policy for 429 responses.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Longest single wait (a larger `Retry-After` gives up at once).
    pub max_wait: Duration,
    /// Wall-clock budget of one request and its retries, waits included: a server answering
    /// 429 at once gives up after this long.
    pub budget: Duration,
}

/// The shortest wait before the `n`th retry (0-based) whatever `Retry-After` says: 100 ms
/// doubling per retry up to 5 s, plus up to half again of random jitter, so a server answering
/// `Retry-After: 0` is not hammered and many cases do not retry in lockstep.
pub fn min_backoff(n: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = Duration::from_millis(100)
        .saturating_mul(1u32 << n.min(6))
        .min(Duration::from_secs(5));
    // A fresh `RandomState` is randomly seeded: enough randomness for jitter, no extra crate.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let half_ms = u64::try_from(base.as_millis() / 2)
        .unwrap_or(u64::MAX)
        .max(1);
    base + Duration::from_millis(random % half_ms)
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
            budget: Duration::from_secs(60),
        }
    }
}

/// Outcome of [`HttpClient::send`].
#[derive(Debug)]
pub struct SendOutcome {
    /// The response or why there is none.
    pub result: Result<HttpResponse, TransportError>,
    /// 429 retries made.
    pub retries: u32,
    /// Time from the first send to the last byte.
    pub elapsed: Duration,
}

/// The HTTP client could not be built (e.g. no TLS backend): a configuration error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("failed to build the HTTP client: {0}")]
pub struct ClientBuildError(String);

/// An HTTP client shared by a run.
///
/// Two reqwest clients (plain HTTP or TLS; neither follows redirects: [`HttpClient::send`] does)
/// are built on first use:
/// loading the system's root certificates costs milliseconds that a run against a loopback
/// `http://` target should not pay.
#[derive(Debug, Clone)]
pub struct HttpClient {
    clients: Arc<[OnceLock<Result<reqwest::Client, ClientBuildError>>; 2]>,
    extra_roots: Arc<[reqwest::Certificate]>,
    connect_timeout: Duration,
    pool: usize,
    body_cap: usize,
    retry: RetryPolicy,
}

impl HttpClient {
    /// Prepares clients with the given connect timeout, body cap and retry policy.
    pub fn new(
        connect_timeout: Duration,
        body_cap: usize,
        retry: RetryPolicy,
        pool: usize,
    ) -> Result<Self, ClientBuildError> {
        let this = Self {
            clients: Arc::new(Default::default()),
            extra_roots: Arc::new([]),
            connect_timeout,
            pool,
            body_cap,
            retry,
        };
        // Fail early (a usage error) if even the cheapest client cannot be built.
        this.client(false).map(|_| ())?;
        Ok(this)
    }

    /// Also trusts the root certificates in these PEM texts for https (besides the platform's),
    /// e.g. the CA of `sessconform serve --tls` named by a target file's `tls` block.
    pub fn trust_pem(mut self, pems: &[String]) -> Result<Self, ClientBuildError> {
        let mut roots = Vec::new();
        for pem in pems {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                ClientBuildError(format!(
                    "invalid CA certificate (PEM) in the target's `tls`: {e}"
                ))
            })?;
            roots.extend(certs);
        }
        // Clients are built on first use: fresh slots so every one is built with these roots.
        self.clients = Arc::new(Default::default());
        self.extra_roots = roots.into();
        Ok(self)
    }

    fn client(&self, tls: bool) -> Result<&reqwest::Client, ClientBuildError> {
        let slot = &self.clients[usize::from(tls)];
        slot.get_or_init(|| {
            let mut builder = reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(self.pool.max(1))
                .user_agent(concat!("sessconform/", env!("CARGO_PKG_VERSION")));
            if !tls {
                // Never used for https: skip loading the platform's root certificates.
                builder = builder.tls_certs_only(Vec::new());
            } else if !self.extra_roots.is_empty() {
                builder = builder.tls_certs_merge(self.extra_roots.iter().cloned());
            }
            builder.build().map_err(|e| ClientBuildError(e.to_string()))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Sends the request; on 429 waits `Retry-After` and retries unless `expect_429` is set.
    pub async fn send(&self, req: &RenderedRequest, expect_429: bool) -> SendOutcome {
        let start = Instant::now();
        let mut retries = 0;
        loop {
            let result = self.send_once(req).await;
            let retry_after = match &result {
                Ok(r) if r.status == 429 && !expect_429 => {
                    Some(parse_retry_after(r.header("retry-after")))
                }
                _ => None,
            };
            let Some(asked) = retry_after else {
                return SendOutcome {
                    result,
                    retries,
                    elapsed: start.elapsed(),
                };
            };
            let wait = asked.max(min_backoff(retries));
            if retries >= self.retry.max_retries
                || asked > self.retry.max_wait
                || start.elapsed() + wait > self.retry.budget
            {
                return SendOutcome {
                    result: Err(TransportError::RateLimited { retries }),
                    retries,
                    elapsed: start.elapsed(),
                };
            }
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// One exchange, following redirects itself when asked (never reqwest's policy, which
    /// forwards every header but `Authorization` and `Cookie`, and sends a `Referer`): a hop to
    /// another origin carries only [`CROSS_ORIGIN_HEADERS`], so neither credentials nor a
    /// target's own headers (an `X-Api-Key`) leave for another host. The timeout covers the
    /// whole chain.
    async fn send_once(&self, req: &RenderedRequest) -> Result<HttpResponse, TransportError> {
        // Redirects may lead from http to https, so a following client always has TLS roots.
        let tls = req.url.scheme() == "https" || req.follow_redirects;
        let client = self
            .client(tls)
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let deadline = Instant::now() + req.timeout;
        let mut method = req.method.clone();
        let mut url = req.url.clone();
        let mut headers: Vec<(String, String)> = req.headers.clone();
        let mut body = req.body.clone();
        let mut hops = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout(req.timeout));
            }
            let resp = self
                .exchange(
                    client,
                    &method,
                    &url,
                    &headers,
                    body.as_ref(),
                    left,
                    req.timeout,
                )
                .await?;
            let location = match (req.follow_redirects, resp.status) {
                (true, 301 | 302 | 303 | 307 | 308) => resp.header("location").map(str::to_owned),
                _ => None,
            };
            let Some(location) = location else {
                return Ok(resp);
            };
            if hops >= MAX_REDIRECTS {
                return Err(TransportError::Other(format!(
                    "more than {MAX_REDIRECTS} redirects (last to {location})"
                )));
            }
            hops += 1;
            let next = url
                .join(&location)
                .map_err(|e| TransportError::Other(format!("redirect to `{location}`: {e}")))?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(TransportError::Other(format!(
                    "redirect to a {} URL refused",
                    next.scheme()
                )));
            }
            if next.origin() != req.url.origin() {
                headers.retain(|(k, _)| {
                    CROSS_ORIGIN_HEADERS
                        .iter()
                        .any(|h| k.eq_ignore_ascii_case(h))
                });
            }
            // 301/302/303 turn a POST into a body-less GET, as browsers and curl do.
            if resp.status == 303 || (matches!(resp.status, 301 | 302) && method == Method::POST) {
                if method != Method::HEAD {
                    method = Method::GET;
                }
                body = None;
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            }
            url = next;
        }
    }

    /// Sends one request (no redirects) and reads the response within the body cap.
    #[allow(clippy::too_many_arguments)]
    async fn exchange(
        &self,
        client: &reqwest::Client,
        method: &Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<&Vec<u8>>,
        left: Duration,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportError> {
        let mut builder = client.request(method.clone(), url.clone()).timeout(left);
        for (k, v) in headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(b) = body {
            builder = builder.body(b.clone());
        }
        let fut = async {
            let mut resp = builder.send().await.map_err(|e| classify(e, timeout))?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if let Some(len) = resp.content_length() {
                if len as usize > self.body_cap && resp.headers().get("content-encoding").is_none()
                {
                    return Err(TransportError::BodyTooLarge { cap: self.body_cap });
                }
            }
            let mut body = Vec::with_capacity(
                resp.content_length()
                    .map_or(8192, |l| (l as usize).min(self.body_cap)),
            );
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(e, timeout))? {
                if body.len() + chunk.len() > self.body_cap {
                    return Err(TransportError::BodyTooLarge { cap: self.body_cap });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        };
        // The reqwest timeout covers the whole exchange; this guard also bounds slow bodies.
        match tokio::time::timeout(left + Duration::from_millis(50), fut).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(timeout)),
        }
    }
}

fn classify(e: reqwest::Error, timeout: Duration) -> TransportError {
    if e.is_timeout() {
        return TransportError::Timeout(timeout);
    }
    // The innermost cause is the useful part ("Connection refused (os error 111)").
    let mut inner = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        inner = s.to_string();
        src = s.source();
    }
    let host = e.url().and_then(|u| {
        u.host_str()
            .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
    });
    let msg = match host {
        Some(h) => format!("{inner} ({h})"),
        None => inner,
    };
    if e.is_connect() {
        TransportError::Connect(msg)
    } else {
        TransportError::Other(msg)
    }
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// The only request headers a redirect to another origin carries.
const CROSS_ORIGIN_HEADERS: &[&str] = &["accept", "accept-language", "content-type"];

/// Parses `Retry-After` (seconds or an HTTP date); absent or invalid means one second.
pub fn parse_retry_after(v: Option<&str>) -> Duration {
    let Some(v) = v.map(str::trim) else {
        return Duration::from_secs(1);
    };
    if let Ok(secs) = v.parse::<u64>() {
        return Duration::from_secs(secs);
    }
    if let Ok(when) = httpdate::parse_http_date(v) {
        return when
            .duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO);
    }
    Duration::from_secs(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(Some("2")), Duration::from_secs(2));
        assert_eq!(parse_retry_after(None), Duration::from_secs(1));
        assert_eq!(parse_retry_after(Some("soon")), Duration::from_secs(1));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Duration::ZERO
        );
    }
}
