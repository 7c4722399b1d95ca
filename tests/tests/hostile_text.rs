//! Text full of SQL, LIKE, FTS5 and HTML metacharacters, recorded on one device, synced through
//! the real server binary to another: it arrives byte for byte, and searching the second
//! device for it (metacharacters and all) finds the note rather than failing or matching
//! everything.

use beatbook_core::model::{NewNote, NoteCategory};
use beatbook_e2e::server::ServerProcess;
use chrono::Utc;

/// Each also holds a plain word (the last one) that only it contains, to search for.
const NASTY: &[(&str, &str)] = &[
    ("Robert'); DROP TABLE notes; -- tablesalt", "tablesalt"),
    ("\" OR \"1\"=\"1 quorum", "quorum"),
    (
        "gate NEAR/3 open* OR \"x\" AND -y ^z col:val ( nearfield",
        "nearfield",
    ),
    ("100% _wild_ \\ back\\\\slash ' percentile", "percentile"),
    ("nul \u{0} inside nulline", "nulline"),
    ("🚓 \u{202e}desrever\u{202c} e\u{301} rtlword", "rtlword"),
    (
        "</script><script>alert(1)</script> scriptword",
        "scriptword",
    ),
    ("$(rm -rf /) `id` {{7*7}} %s %n shellword", "shellword"),
];

#[test]
fn metacharacters_survive_sync_and_search_on_another_device() {
    let server = ServerProcess::start(&[]);
    let devices = server.enrol_team(
        &server.url,
        &[("PCSO Avery", "pcso"), ("PCSO Blake", "pcso")],
    );
    let (a, b) = (&devices[0], &devices[1]);
    let notes: Vec<_> = NASTY
        .iter()
        .map(|(text, _)| {
            a.store
                .add_note(
                    &a.actor,
                    NewNote {
                        observed_at: Utc::now(),
                        text: (*text).to_owned(),
                        category: NoteCategory::Observation,
                        place: None,
                        patrol_id: None,
                        problem_id: None,
                    },
                )
                .unwrap_or_else(|e| panic!("{text:?} not recorded: {e}"))
        })
        .collect();
    a.sync();
    b.sync();
    for (note, (text, word)) in notes.iter().zip(NASTY) {
        let arrived = b.store.note(note.id).expect("note synced");
        assert_eq!(arrived.text, *text, "the text changed on the way");
        // The whole text as typed, and its one plain word: each finds this note.
        for query in [*text, *word] {
            let hits = b
                .store
                .search(query, 20)
                .unwrap_or_else(|e| panic!("search for {query:?} failed: {e}"));
            assert!(
                hits.iter().any(|h| h.record_id == note.id.to_string()),
                "search for {query:?} missed its note"
            );
        }
        let hits = b.store.search(word, 20).expect("search");
        assert_eq!(hits.len(), 1, "{word:?} matched other notes too");
    }
}
