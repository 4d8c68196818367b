//! Group commit of the Blob journal writer (`journal::blob::writer`): events
//! appended concurrently, as the steps of one wave emit them, share appends
//! to the journal blob, so a run pays round trips per wave rather than per
//! event, and every event is stored once, in each caller's order.

use drplan::clock::Clock;
use drplan::journal::{BlobLocation, BlobStore, Event, JournalWriter, Record, RunId, RunStore};
use futures_util::future::join_all;

use crate::support::azurite::Azurite;

fn started(step: &str) -> Record {
    Record {
        ts: Clock::system().now(),
        event: Event::StepStarted {
            step: step.to_string(),
            kind: drplan::graph::StepKind::Vm,
            group: "web".to_string(),
            attempt: 1,
            estimate_s: None,
        },
    }
}

/// Ten steps start together, then each records a second event as soon as
/// its first is stored (as a step that finishes at once does): three or
/// four appends, not one per event.
#[tokio::test]
async fn a_wave_of_events_shares_appends_and_keeps_each_callers_order() {
    let azurite = Azurite::start();
    azurite.create_container("runs").await;
    let location = BlobLocation::parse(&azurite.sas_url("runs", "racwdl")).unwrap();
    let store = BlobStore::with_credential(location, None, 15).unwrap();
    let run = RunId("wave".into());
    let writer = store.create(&run, "").await.unwrap();

    let steps: Vec<String> = (0..10).map(|i| format!("vm{i}")).collect();
    let step = |id: &str| {
        let writer: &dyn JournalWriter = writer.as_ref();
        let id = id.to_string();
        async move {
            writer.append(&started(&id)).await.unwrap();
            writer
                .append(&started(&format!("{id}-again")))
                .await
                .unwrap();
        }
    };
    join_all(steps.iter().map(|id| step(id))).await;
    writer.close().await;

    let stored: Vec<String> = store
        .read(&run)
        .await
        .unwrap()
        .into_iter()
        .map(|r| match r.event {
            Event::StepStarted { step, .. } => step,
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    assert_eq!(stored.len(), 20, "{stored:?}");
    for id in &steps {
        let first = stored.iter().position(|s| s == id);
        let second = stored.iter().position(|s| *s == format!("{id}-again"));
        assert!(first.is_some() && first < second, "{id}: {stored:?}");
    }
    let appends = azurite
        .committed_blocks("runs", "runs/wave/journal.000000")
        .await;
    assert!(appends <= 4, "20 events took {appends} appends");
}
