//! How fast one client address can guess: wrong enrolment codes, or unknown bearer tokens, sent
//! one after another as fast as the server answers, for a fixed time. Counts the guesses the
//! server actually judged (`400 enrolment_code_invalid` / `401 unauthenticated`) and those it
//! refused unjudged (`429 slow_down`, before reading the body). Used by `load guesses`.

use crate::http::try_request;
use crate::server::ServerProcess;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What kind of guess.
#[derive(Debug, Clone, Copy)]
pub enum Guess {
    EnrolmentCode,
    BearerToken,
}

/// What a guessing run got.
#[derive(Debug)]
pub struct GuessRun {
    pub guess: Guess,
    pub elapsed: Duration,
    /// Answers by status.
    pub by_status: BTreeMap<u16, u64>,
    /// Connection failures.
    pub errors: u64,
}

impl GuessRun {
    /// Guesses the server judged (not refused for the source's back-off).
    pub fn judged(&self) -> u64 {
        self.by_status
            .iter()
            .filter(|(status, _)| **status != 429)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Sends `guess`es from this process's address (127.0.0.1) for `time`.
pub fn guess_for(server: &ServerProcess, guess: Guess, time: Duration) -> GuessRun {
    let started = Instant::now();
    let mut run = GuessRun {
        guess,
        elapsed: Duration::ZERO,
        by_status: BTreeMap::new(),
        errors: 0,
    };
    let wrong_token = "0".repeat(64);
    while started.elapsed() < time {
        let answer = match guess {
            Guess::EnrolmentCode => try_request(
                &server.url,
                "POST",
                "/v1/enrol",
                None,
                Some(r#"{"code":"AAAAA-AAAAA","device_name":"guesser"}"#),
            ),
            Guess::BearerToken => try_request(
                &server.url,
                "GET",
                "/v1/sync/status",
                Some(&wrong_token),
                None,
            ),
        };
        match answer {
            Ok(answer) => *run.by_status.entry(answer.status).or_insert(0) += 1,
            Err(_) => run.errors += 1,
        }
    }
    run.elapsed = started.elapsed();
    run
}
