//! Transmission and broadcast rates estimated from adoption data, and forecasts.
