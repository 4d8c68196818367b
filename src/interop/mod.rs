//! Interoperation with Azure Site Recovery's own recovery plans: ASR's JSON
//! ([`asr`]) in and out; `.drplan` text from a recovery plan or from a
//! vault's protected items ([`import`]).

pub mod asr;
pub mod import;
