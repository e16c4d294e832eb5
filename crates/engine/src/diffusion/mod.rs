//! How a behaviour spreads: cascade, threshold and complex-contagion models, personal and
//! broadcast exposure, and reproducible parallel Monte-Carlo.
