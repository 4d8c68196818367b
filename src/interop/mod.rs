//! Interoperation with Azure Site Recovery's own recovery plans
//! (`replicationRecoveryPlans`): ASR's JSON ([`asr`]) in and out; `.drplan`
//! text from a recovery plan or from a vault's protected items ([`import`]);
//! a checked plan in, the closest native recovery plan out ([`export`]),
//! with every loss named either way.

pub mod asr;
pub mod export;
pub mod import;
