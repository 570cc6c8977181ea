//! Unit tests of the client: paging, and settings that never print their secrets.
//! Knows only what the client module offers; no AWS, no emulator.

use super::*;

#[test]
fn paging_ends_on_no_token_or_an_empty_one_and_refuses_a_token_seen_before() {
    let mut paging = Paging::default();
    assert_eq!(paging.next(None), Ok(None));
    assert_eq!(paging.next(Some("")), Ok(None));
    assert_eq!(paging.next(Some("a")), Ok(Some("a".into())));
    assert_eq!(paging.next(Some("b")), Ok(Some("b".into())));
    let err = paging.next(Some("a")).unwrap_err();
    assert!(err.to_string().contains("already given"), "{err}");
    assert!(err.is_transient());
}

#[test]
fn paging_stops_after_max_pages_of_new_tokens() {
    let mut paging = Paging::default();
    for n in 1..MAX_PAGES {
        assert!(paging.next(Some(&format!("t{n}"))).is_ok(), "page {n}");
    }
    let err = paging.next(Some("one-more")).unwrap_err();
    assert!(err.to_string().contains("stopped after 50 pages"), "{err}");
}

#[test]
fn settings_debug_hides_secrets() {
    let s = ClientSettings {
        access_key: Some("AKIAEXAMPLE".into()),
        secret_key: Some("very-secret".into()),
        token: Some("session-token".into()),
        ..Default::default()
    };
    let printed = format!("{s:?}");
    assert!(!printed.contains("very-secret"));
    assert!(!printed.contains("session-token"));
    assert!(!printed.contains("AKIAEXAMPLE"));
}
