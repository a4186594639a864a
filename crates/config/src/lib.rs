//! Fjord configuration.
