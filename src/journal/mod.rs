//! Events to a durable record: the event types of a run, the append-only
//! journal of each run and the lock of each plan, behind the `store` seam so
//! that a shared store (Azure Blob storage with leases) can replace the local
//! folder, and the replay of a journal into the state `resume` and `runs` need.

pub mod blob;
pub mod decision;
pub mod event;
pub mod local;
pub mod location;
pub mod replay;
pub mod store;

pub use blob::BlobStore;
pub use decision::{Decision, KeptOutput, Verdict};
pub use event::{
    Event, MachineSeen, MachinesPhase, Origin, Record, RunId, RunSettings, RunStatus, SkipReason,
    StepCounts, StepStatus,
};
pub use local::LocalStore;
pub use location::{BlobLocation, LocationError, LocationSource, StateLocation};
pub use replay::{RunState, RunSummary};
pub use store::{JournalError, JournalWriter, LockHolder, RunStore};
