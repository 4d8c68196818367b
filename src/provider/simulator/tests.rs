//! Tests of the simulated vault as a `Provider`.
