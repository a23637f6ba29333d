//! The delay policy as pure functions: when a failed event is retried, and how far apart
//! periodic events are. The scheduler never hard-codes a delay.

use crate::clock::Millis;
use crate::sync::parameters::Parameters;

/// What happens after an event that failed on attempt `attempts` (1-based, this one included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this delay.
    Retry(Millis),
    /// That was the last attempt.
    Drop,
}

/// The retry policy: `initial_retry_delay * retry_delay_factor^(attempts-1)` until
/// `max_sync_attempts` attempts were made (5 min, 15 min, then drop, with the defaults).
pub fn after_failure(params: &Parameters, attempts: u32) -> AfterFailure {
    if attempts >= params.max_sync_attempts {
        return AfterFailure::Drop;
    }
    let factor = Millis::from(params.retry_delay_factor).saturating_pow(attempts.saturating_sub(1));
    AfterFailure::Retry(params.initial_retry_delay.saturating_mul(factor))
}

/// Whether attempt number `attempt` (1-based) is the last one (`lastChance` in the event).
pub fn is_last_chance(params: &Parameters, attempt: u32) -> bool {
    attempt >= params.max_sync_attempts
}

/// The gap between periodic events for a requested `min_interval`: never under the minimum, and
/// rounded up to a multiple of it, as Chromium does for highly engaged sites. An installed app
/// the user keeps is treated as highly engaged (Chromium's x1 factor).
pub fn periodic_interval(params: &Parameters, min_interval: Millis) -> Millis {
    let base = params.min_periodic_sync_events_interval.max(1);
    let wanted = min_interval.max(base);
    // i64::div_ceil is unstable; both operands are positive here.
    (wanted.saturating_add(base - 1) / base).saturating_mul(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_grow_by_the_factor_then_drop() {
        let p = Parameters::default();
        assert_eq!(after_failure(&p, 1), AfterFailure::Retry(5 * 60_000));
        assert_eq!(after_failure(&p, 2), AfterFailure::Retry(15 * 60_000));
        assert_eq!(after_failure(&p, 3), AfterFailure::Drop);
        assert!(!is_last_chance(&p, 2) && is_last_chance(&p, 3));
    }

    #[test]
    fn huge_factors_saturate_instead_of_overflowing() {
        let p = Parameters {
            max_sync_attempts: 100,
            retry_delay_factor: 1000,
            ..Parameters::default()
        };
        assert_eq!(after_failure(&p, 50), AfterFailure::Retry(Millis::MAX));
    }

    #[test]
    fn periodic_intervals_round_up_to_the_minimum() {
        let p = Parameters::default();
        let twelve_h = 12 * 3_600_000;
        assert_eq!(periodic_interval(&p, 0), twelve_h);
        assert_eq!(periodic_interval(&p, 1), twelve_h);
        assert_eq!(periodic_interval(&p, twelve_h), twelve_h);
        assert_eq!(periodic_interval(&p, twelve_h + 1), 2 * twelve_h);
        assert_eq!(periodic_interval(&p, 30 * 3_600_000), 3 * twelve_h);
    }
}
