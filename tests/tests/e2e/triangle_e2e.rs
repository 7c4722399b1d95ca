//! The analysis triangle merges per corner through the real server: two officers edit
//! different corners of one problem while offline, both sync, and both edits stand on both
//! devices and on the server, with no conflict (docs/sync-protocol.md, "Problem triangle").

use beatbook_core::model::*;
use beatbook_e2e::inspect;
use beatbook_e2e::server::ServerProcess;
use serde_json::Value;

#[test]
fn two_devices_editing_different_corners_offline_both_keep_their_edit() {
    let server = ServerProcess::start(&[]);
    let mut devices = server
        .enrol_team(
            &server.url,
            &[("PCSO Avery", "pcso"), ("PC Blake", "officer")],
        )
        .into_iter();
    let (avery, blake) = (
        devices.next().expect("device"),
        devices.next().expect("device"),
    );
    let problem = avery
        .store
        .open_problem(
            &avery.actor,
            NewProblem {
                title: "Garage burglaries".into(),
                area: AreaRef::Lap("LAP-NV".into()),
                category: CrimeCategory::Burglary,
                owner: None,
                scanning_summary: "Five break-ins since May via the rear lane".into(),
            },
        )
        .expect("problem");
    avery.sync();
    blake.sync();

    // Offline (no sync between them): each fills in a different corner.
    let edit = |device: &beatbook_e2e::device::Device, triangle: AnalysisTriangle| {
        device
            .store
            .update_analysis(&device.actor, problem.id, triangle, vec![])
            .expect("edit");
    };
    edit(
        &avery,
        AnalysisTriangle {
            offender: Some("Two youths on scramblers".into()),
            ..Default::default()
        },
    );
    edit(
        &blake,
        AnalysisTriangle {
            location: Some("Unlit rear lane".into()),
            ..Default::default()
        },
    );
    avery.sync();
    blake.sync();
    avery.sync();

    let expected = AnalysisTriangle {
        offender: Some("Two youths on scramblers".into()),
        location: Some("Unlit rear lane".into()),
        ..Default::default()
    };
    for device in [&avery, &blake] {
        let held = device.store.problem(problem.id).expect("problem");
        assert_eq!(held.triangle, expected, "{}", device.actor.user_id);
        assert!(device.store.conflicts(true).expect("conflicts").is_empty());
    }
    let fields = inspect::server_fields(&inspect::server_db(server.data.path()), &["problem"]);
    let on_server = |corner: &str| {
        fields
            .get(&("problem".into(), problem.id.to_string(), corner.into()))
            .map(|(value, _)| value.clone())
            .expect("the corner on the server")
    };
    assert_eq!(on_server(TRIANGLE_OFFENDER), "Two youths on scramblers");
    assert_eq!(on_server(TRIANGLE_LOCATION), "Unlit rear lane");
    assert_eq!(on_server(TRIANGLE_VICTIM), Value::Null);
    assert!(
        !fields.contains_key(&("problem".into(), problem.id.to_string(), "triangle".into())),
        "the server holds corners, not the whole triangle"
    );
}
