//! Activist selection: influence maximization with quotas, exclusions and fixed seeds.
