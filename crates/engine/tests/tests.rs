//! The engine's integration tests, one binary: each module covers one boundary.

mod forecast_backtest;
mod influence_quality;
mod io_formats;
mod reference;
