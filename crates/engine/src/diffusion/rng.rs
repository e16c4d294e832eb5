//! Random numbers keyed by (seed, run, node, step): every random decision of a run is a pure
//! function of its key, never of the order in which a thread happened to reach it.
//!
//! A run's key comes from the batch seed and the run index only. Inside a run, each node's
//! tie trials read their own SplitMix64 stream keyed by (run key, node) — and, in the
//! persistent model, the step — so the same tie succeeds or fails in run r whatever the seed
//! set. That couples runs across seed sets (the live-edge view of Kempe, Kleinberg & Tardos
//! 2003): spread is monotone in the seeds run by run, and marginal gains compared with the
//! same runs have far less noise. Broadcast draws one Xoshiro256++ stream per run.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::NodeIdx;

/// The SplitMix64 increment (2^64 / φ, odd).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
/// Salts that keep the streams of different purposes apart.
const SALT_CASCADE: u64 = 0x243F_6A88_85A3_08D3;
const SALT_PERSISTENT: u64 = 0x1319_8A2E_0370_7344;
const SALT_THRESHOLD: u64 = 0xA409_3822_299F_31D0;
const SALT_BROADCAST: u64 = 0x082E_FA98_EC4E_6C89;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijection on u64 that mixes
/// every input bit into every output bit.
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of run `run_idx` of a batch with seed `seed`: distinct runs get distinct keys
/// (a composition of bijections in `run_idx`).
#[inline]
pub(crate) fn run_key(seed: u64, run_idx: u64) -> u64 {
    mix64(mix64(seed.wrapping_add(GOLDEN)) ^ mix64(run_idx))
}

/// A SplitMix64 stream: tiny state, cheap to start from a key, good statistical quality.
pub(crate) struct Stream(u64);

impl Stream {
    /// The stream of node `node`'s tie trials in an independent-cascade run.
    #[inline]
    pub(crate) fn cascade(run_key: u64, node: NodeIdx) -> Stream {
        Stream(mix64(run_key ^ SALT_CASCADE ^ mix64(u64::from(node))))
    }

    /// The stream of node `node`'s tie trials at step `step` of a persistent run.
    #[inline]
    pub(crate) fn persistent(run_key: u64, node: NodeIdx, step: u32) -> Stream {
        let packed = (u64::from(step) << 32) | u64::from(node);
        Stream(mix64(run_key ^ SALT_PERSISTENT ^ mix64(packed)))
    }

    /// The linear-threshold threshold of `node` in a run, uniform on (0, 1].
    #[inline]
    pub(crate) fn threshold(run_key: u64, node: NodeIdx) -> f64 {
        Stream(mix64(run_key ^ SALT_THRESHOLD ^ mix64(u64::from(node)))).open01()
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform on [0, 1), 53 bits.
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    /// Uniform on (0, 1], 53 bits: safe to take the logarithm of.
    #[inline]
    pub(crate) fn open01(&mut self) -> f64 {
        to_open01(self.next_u64())
    }
}

/// The broadcast stream of a run.
pub(crate) fn broadcast_rng(run_key: u64) -> Xoshiro256PlusPlus {
    let mut bytes = [0u8; 32];
    let mut state = run_key ^ SALT_BROADCAST;
    for chunk in bytes.chunks_exact_mut(8) {
        state = state.wrapping_add(GOLDEN);
        chunk.copy_from_slice(&mix64(state).to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// Uniform on (0, 1] from a Xoshiro stream.
#[inline]
pub(crate) fn open01(rng: &mut Xoshiro256PlusPlus) -> f64 {
    to_open01(rng.next_u64())
}

#[inline]
fn to_unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[inline]
fn to_open01(x: u64) -> f64 {
    ((x >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The number of failures before the next success of Bernoulli(p) trials,
/// ⌊ln U / ln(1 − p)⌋ with U uniform on (0, 1]; `inv_ln_fail` is 1 / ln(1 − p), which is
/// −0 for p = 1 (every trial succeeds) and −∞ for p = 0 (saturates to `usize::MAX`).
#[inline]
pub(crate) fn geometric_gap(u: f64, inv_ln_fail: f64) -> usize {
    // ln U ≤ 0 and inv_ln_fail ≤ 0, so the product is ≥ 0 (or NaN for 0·∞, which `as`
    // maps to 0: only when p = 0 and U = 1, and callers skip p = 0); `as` truncates, which
    // is ⌊·⌋ on non-negative numbers, and saturates +∞.
    (u.ln() * inv_ln_fail) as usize
}

/// 1 / ln(1 − p), computed without cancellation for small p.
pub(crate) fn inv_ln_fail(p: f64) -> f64 {
    1.0 / (-p).ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_keys_differ_between_runs_and_seeds() {
        let mut keys: Vec<u64> = (0..1000).map(|r| run_key(7, r)).collect();
        keys.extend((0..1000).map(|r| run_key(8, r)));
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 2000);
    }

    #[test]
    fn unit_draws_stay_in_range_and_average_one_half() {
        let mut s = Stream::cascade(run_key(1, 2), 3);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let (u, v) = (s.unit(), s.open01());
            assert!((0.0..1.0).contains(&u) && v > 0.0 && v <= 1.0);
            sum += u;
        }
        // Standard error of the mean of U(0,1): 1/sqrt(12 n) ≈ 0.0009.
        assert!((sum / n as f64 - 0.5).abs() < 0.005);
    }

    #[test]
    fn geometric_gaps_have_mean_one_minus_p_over_p() {
        let p = 0.2;
        let inv = inv_ln_fail(p);
        let mut rng = broadcast_rng(run_key(3, 0));
        let n = 200_000;
        let total: usize = (0..n).map(|_| geometric_gap(open01(&mut rng), inv)).sum();
        let mean = total as f64 / n as f64;
        // Mean (1 − p)/p = 4, sd sqrt(1 − p)/p ≈ 4.47, standard error ≈ 0.01.
        assert!((mean - 4.0).abs() < 0.06, "mean gap {mean}");
        assert_eq!(geometric_gap(0.3, inv_ln_fail(1.0)), 0);
        assert_eq!(geometric_gap(0.3, inv_ln_fail(0.0)), usize::MAX);
    }
}
