//! Issue 12 point 5: a redirect to another host carries neither credentials nor the target's own
//! headers (an API key), and no `Referer` with the original URL and its query; a redirect on the
//! same origin keeps them; a 303 turns a POST into a body-less GET.

use std::time::Duration;

use sessconform::http::{HttpClient, RenderedRequest, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client() -> HttpClient {
    HttpClient::new(Duration::from_secs(2), 1 << 20, RetryPolicy::default(), 4).unwrap()
}

fn request(url: String, m: reqwest::Method, body: Option<&str>) -> RenderedRequest {
    RenderedRequest {
        method: m,
        url: url.parse().unwrap(),
        headers: vec![
            (
                "authorization".into(),
                "Bearer sk_test_secret_value_1".into(),
            ),
            ("x-api-key".into(), "api-key-secret-value-2".into()),
            ("cookie".into(), "session=cookie-secret-3".into()),
            ("accept".into(), "application/json".into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: body.map(|b| b.as_bytes().to_vec()),
        timeout: Duration::from_secs(3),
        follow_redirects: true,
    }
}

#[tokio::test]
async fn cross_origin_redirects_carry_no_secrets_and_same_origin_ones_keep_them() {
    let origin = MockServer::start().await;
    let other = MockServer::start().await;
    // Another origin: the same loopback address under another name and port.
    let other_url = other.uri().replace("127.0.0.1", "localhost");
    Mock::given(method("GET"))
        .and(path("/away"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{other_url}/landed?x=1")),
        )
        .mount(&origin)
        .await;
    Mock::given(method("GET"))
        .and(path("/landed"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&other)
        .await;
    Mock::given(method("GET"))
        .and(path("/here"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/stay"))
        .mount(&origin)
        .await;
    Mock::given(method("GET"))
        .and(path("/stay"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&origin)
        .await;
    Mock::given(method("POST"))
        .and(path("/form"))
        .respond_with(ResponseTemplate::new(303).insert_header("location", "/stay"))
        .mount(&origin)
        .await;

    let c = client();
    let url = format!("{}/away?token=query-secret-4", origin.uri());
    let out = c
        .send(&request(url, reqwest::Method::GET, None), false)
        .await;
    assert_eq!(out.result.unwrap().status, 200);
    let got = other.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    let headers: Vec<String> = got[0]
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
        .collect();
    let all = headers.join("\n");
    for leaked in [
        "sk_test_secret_value_1",
        "api-key-secret-value-2",
        "cookie-secret-3",
        "query-secret-4",
    ] {
        assert!(
            !all.contains(leaked),
            "{leaked} reached the other host:\n{all}"
        );
    }
    assert!(!all.to_ascii_lowercase().contains("referer"), "{all}");
    assert!(all.contains("accept: application/json"), "{all}");

    // Same origin: the credentials and the target's headers stay.
    let out = c
        .send(
            &request(format!("{}/here", origin.uri()), reqwest::Method::GET, None),
            false,
        )
        .await;
    assert_eq!(out.result.unwrap().status, 200);
    let got = origin.received_requests().await.unwrap();
    let stay = got.iter().find(|r| r.url.path() == "/stay").unwrap();
    assert!(stay.headers.get("x-api-key").is_some());
    assert!(stay.headers.get("authorization").is_some());

    // 303 after a POST: a GET without the body.
    let out = c
        .send(
            &request(
                format!("{}/form", origin.uri()),
                reqwest::Method::POST,
                Some("{\"a\":1}"),
            ),
            false,
        )
        .await;
    assert_eq!(out.result.unwrap().status, 200);
    let got = origin.received_requests().await.unwrap();
    let last = got.last().unwrap();
    assert_eq!(last.method.as_str(), "GET");
    assert_eq!(last.url.path(), "/stay");
    assert!(last.body.is_empty());
}

#[tokio::test]
async fn a_redirect_loop_ends_with_a_clear_error() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&s)
        .await;
    let out = client()
        .send(
            &request(format!("{}/loop", s.uri()), reqwest::Method::GET, None),
            false,
        )
        .await;
    let err = out.result.unwrap_err().to_string();
    assert!(err.contains("more than 10 redirects"), "{err}");
}
