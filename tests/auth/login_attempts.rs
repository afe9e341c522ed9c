//! `FailedAuthLimit::admit_attempt`: the brake on secrets checked outside
//! the layer (a login form), per client address and per account.

use std::net::{IpAddr, Ipv4Addr};

use apishield::axum::{AttemptRefused, FailedAuthLimit};
use apishield::client_addr::ClientAddr;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy, Window};

fn client(last: u8) -> ClientAddr {
    ClientAddr::Ip(IpAddr::V4(Ipv4Addr::new(198, 51, 100, last)))
}

fn per_minute(n: u32) -> MemoryRateLimiter {
    MemoryRateLimiter::new(RateLimitPolicy::new(Default::default(), [Window::per_minute(n)]).unwrap())
}

/// What `admit_attempt` says, then a refused attempt counted if it was let through.
async fn guess(brake: &FailedAuthLimit, from: &ClientAddr, account: &str) -> Result<(), AttemptRefused> {
    let admitted = brake.admit_attempt(from, account).await;
    if admitted.is_ok() {
        brake.record_refused_attempt(from, account).await;
    }
    admitted
}

#[tokio::test]
async fn one_address_guessing_is_throttled_whatever_the_account() {
    let brake = FailedAuthLimit::new().per_client(per_minute(3)).without_per_key();
    for account in ["alice", "bob", "carol"] {
        assert_eq!(guess(&brake, &client(1), account).await, Ok(()));
    }
    let refused = guess(&brake, &client(1), "dave").await;
    // At most a minute and a third: the rest of the aligned minute, then a
    // third of the next for the sliding counter to let one more through
    // (the run's time in its minute decides where in 1..=80 it falls).
    assert!(
        matches!(refused, Err(AttemptRefused::Throttled { retry_after_secs }) if (1..=80).contains(&retry_after_secs)),
        "{refused:?}"
    );
    // Another address has a budget of its own.
    assert_eq!(guess(&brake, &client(2), "alice").await, Ok(()));
}

#[tokio::test]
async fn one_account_guessed_from_many_addresses_is_throttled() {
    let brake = FailedAuthLimit::new().without_per_client().per_key(per_minute(3));
    for last in 1..=3 {
        assert_eq!(guess(&brake, &client(last), "alice").await, Ok(()));
    }
    assert!(matches!(guess(&brake, &client(4), "alice").await, Err(AttemptRefused::Throttled { .. })));
    assert_eq!(guess(&brake, &client(4), "bob").await, Ok(()), "another account is not held back");
}

#[tokio::test]
async fn a_right_secret_costs_nothing_and_off_counts_nothing() {
    let brake = FailedAuthLimit::new().per_client(per_minute(2)).per_key(per_minute(2));
    // Admitted attempts that were right are never counted.
    for _ in 0..5 {
        assert_eq!(brake.admit_attempt(&client(9), "alice").await, Ok(()));
    }
    assert_eq!(guess(&brake, &client(9), "alice").await, Ok(()));
    assert_eq!(guess(&brake, &client(9), "alice").await, Ok(()));
    assert!(guess(&brake, &client(9), "alice").await.is_err(), "two wrong ones spend the budget");
    let off = FailedAuthLimit::off();
    for _ in 0..50 {
        assert_eq!(guess(&off, &client(1), "alice").await, Ok(()));
    }
}
