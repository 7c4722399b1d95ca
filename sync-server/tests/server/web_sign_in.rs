//! The web sign-in's guessing limit through real connections: it is kept per source address,
//! so a guesser is refused `429` while a sergeant at another address still signs in.
//! (Linux routes all of 127.0.0.0/8 to loopback: each client binds its own source address.)

use crate::common::Harness;
use beatbook_server::web::guard::SIGN_IN_COOKIE;
use beatbook_server::web::signin;
use reqwest::blocking::Client;
use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr};

/// A client whose connections come from `source`, not following redirects.
fn client_from(source: Ipv4Addr) -> Client {
    crate::common::http_client()
        .local_address(IpAddr::V4(source))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Asks for the sign-in form and posts `code` with the form's anti-forgery token.
fn try_code(h: &Harness, client: &Client, code: &str) -> StatusCode {
    let form = client.get(h.url("/web/sign-in")).send().expect("form");
    assert_eq!(form.status(), StatusCode::OK);
    let prefix = format!("{SIGN_IN_COOKIE}=");
    let token = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(prefix.as_str()))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .expect("the sign-in cookie");
    client
        .post(h.url("/web/sign-in"))
        .header("cookie", format!("{SIGN_IN_COOKIE}={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={token}&code={code}"))
        .send()
        .expect("sign in")
        .status()
}

#[test]
fn a_guesser_is_limited_without_locking_out_a_sergeant_elsewhere() {
    let h = Harness::start();
    let guesser = client_from(Ipv4Addr::new(127, 0, 0, 2));
    for attempt in 0..beatbook_server::throttle::DEFAULT_FREE_FAILURES {
        assert_eq!(
            try_code(&h, &guesser, "AAAAAAAAAA"),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let issued = signin::issue_code(h.storage(), h.supervisor.id, chrono::Utc::now())
        .expect("a sign-in code");
    assert_eq!(
        try_code(&h, &guesser, &issued.code),
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's address waits, even with a right code"
    );
    let sergeant = client_from(Ipv4Addr::new(127, 0, 0, 3));
    assert_eq!(
        try_code(&h, &sergeant, &issued.code),
        StatusCode::SEE_OTHER,
        "another address signs in"
    );
}
