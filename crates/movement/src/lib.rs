//! The domain of a movement: types, validation, lifecycles, and the metrics of DESIGN.md
//! computed from events. Pure functions, no I/O. (Filled by the store issue.)
