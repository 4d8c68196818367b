//! Interoperation with Azure Site Recovery's own recovery plans
//! (`replicationRecoveryPlans`): a checked plan in, the closest native
//! recovery plan out (`export`), with every loss named.

pub mod export;
