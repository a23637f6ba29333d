//! The delay policy as pure functions: when a failed event is retried, and how far apart
//! periodic events are. The scheduler never hard-codes a delay.

use crate::clock::Millis;
use crate::engagement::Level;
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
    AfterFailure::Retry(retry_delay(params, attempts))
}

/// The wait after attempt `attempts` (1-based) failed, whether or not another one is allowed.
pub fn retry_delay(params: &Parameters, attempts: u32) -> Millis {
    let factor = Millis::from(params.retry_delay_factor).saturating_pow(attempts.saturating_sub(1));
    params.initial_retry_delay.saturating_mul(factor)
}

/// Whether attempt number `attempt` (1-based) is the last one (`lastChance` in the event).
pub fn is_last_chance(params: &Parameters, attempt: u32) -> bool {
    attempt >= params.max_sync_attempts
}

/// The gap between periodic events for a requested `min_interval` at engagement `level`, as
/// Chromium computes it: the minimum (`min_periodic_sync_events_interval`) times the level's
/// factor, or `min_interval` if longer, rounded up to a multiple of the minimum. A level of
/// "none" suspends periodic sync: the gap is reckoned as for "minimal" and the scheduler holds the
/// event while the level stays "none".
pub fn periodic_interval(params: &Parameters, min_interval: Millis, level: Level) -> Millis {
    let base = params.min_periodic_sync_events_interval.max(1);
    let factor = level.interval_factor().unwrap_or(3);
    let wanted = min_interval.max(base.saturating_mul(factor));
    round_up(wanted, base)
}

/// `value` rounded up to a multiple of `step` (both positive).
fn round_up(value: Millis, step: Millis) -> Millis {
    // i64::div_ceil is unstable; both operands are positive here.
    (value.saturating_add(step - 1) / step).saturating_mul(step)
}

/// Chromium's `ApplyMinGapForOrigin`: moves a periodic event due in `delay` so that it coincides
/// with the origin's next scheduled periodic event (due in `next_for_origin`) or comes at least
/// `gap` after it, never earlier than `delay`. Events of one origin then fire together or `gap`
/// apart.
pub fn snap_to_origin(delay: Millis, next_for_origin: Option<Millis>, gap: Millis) -> Millis {
    let Some(next) = next_for_origin else {
        return delay;
    };
    if delay <= next.saturating_sub(gap) {
        delay
    } else if delay <= next {
        next
    } else if delay <= next.saturating_add(gap) {
        next.saturating_add(gap)
    } else {
        delay
    }
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
        let high = |min| periodic_interval(&p, min, Level::High);
        assert_eq!(high(0), twelve_h);
        assert_eq!(high(1), twelve_h);
        assert_eq!(high(twelve_h), twelve_h);
        assert_eq!(high(twelve_h + 1), 2 * twelve_h);
        assert_eq!(high(30 * 3_600_000), 3 * twelve_h);
    }

    #[test]
    fn engagement_scales_the_minimum_before_min_interval_is_applied() {
        let p = Parameters::default();
        let h = 3_600_000;
        let at = |min, level| periodic_interval(&p, min, level) / h;
        assert_eq!(at(0, Level::Medium), 24);
        assert_eq!(at(0, Level::Low), 24);
        assert_eq!(at(0, Level::Minimal), 36);
        // A minInterval longer than the scaled minimum wins, rounded up to a multiple of 12 h.
        assert_eq!(at(30 * h, Level::Low), 36);
        assert_eq!(at(40 * h, Level::Minimal), 48);
        // "none" is reckoned as "minimal"; the scheduler holds it.
        assert_eq!(at(0, Level::None), 36);
    }

    #[test]
    fn events_of_one_origin_snap_together_or_a_gap_apart() {
        let gap = 100;
        assert_eq!(snap_to_origin(250, None, gap), 250);
        // Well before the origin's next event: kept.
        assert_eq!(snap_to_origin(150, Some(300), gap), 150);
        assert_eq!(snap_to_origin(200, Some(300), gap), 200);
        // Within a gap before it: together with it.
        assert_eq!(snap_to_origin(201, Some(300), gap), 300);
        assert_eq!(snap_to_origin(300, Some(300), gap), 300);
        // Within a gap after it: a gap after it.
        assert_eq!(snap_to_origin(301, Some(300), gap), 400);
        assert_eq!(snap_to_origin(400, Some(300), gap), 400);
        // Beyond: kept.
        assert_eq!(snap_to_origin(401, Some(300), gap), 401);
    }
}
