//! How much the user uses an app, as Chromium's site engagement measures it for a browser, but
//! from what syncshell itself sees: the user opening the app and keeping its window focused.
//! Periodic Background Sync is paced by it (see [`Level::interval_factor`]).
//!
//! The formula, per origin:
//! - opening the app (launcher, tray, `syncshell open`, install) adds [`LAUNCH_POINTS`];
//! - each minute its window has the focus adds [`POINTS_PER_FOCUSED_MINUTE`] (fractions count);
//! - the score never exceeds [`MAX_SCORE`], and halves every [`HALF_LIFE`] without use:
//!   `score(t) = score(t0) * 2^(-(t - t0) / HALF_LIFE)`;
//! - levels by score: high >= 50, medium >= 15, low >= 4, minimal > 0.5, else none; an app opened
//!   within the last [`RECENTLY_OPENED`] is never "none", however short its use.
//!
//! So an app opened once a day for ten minutes is at "high" within a week; one opened once
//! and left alone drops to "minimal" after two days and to "none" after a month, when its
//! periodic sync is suspended until it is opened again.

use serde::Serialize;

use crate::clock::Millis;

const DAY: Millis = 24 * 3_600_000;

/// Points for opening the app.
pub const LAUNCH_POINTS: f64 = 5.0;
/// Points per minute with the app's window focused.
pub const POINTS_PER_FOCUSED_MINUTE: f64 = 1.0;
/// The highest score.
pub const MAX_SCORE: f64 = 100.0;
/// The score halves in this long without use.
pub const HALF_LIFE: Millis = 7 * DAY;
/// An app opened within this long is never at level "none".
pub const RECENTLY_OPENED: Millis = 30 * DAY;

/// An origin's engagement as stored: the score at `updated_at` and the last launch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Engagement {
    /// Score at `updated_at`.
    pub score: f64,
    /// When the score was last written (ms since the epoch).
    pub updated_at: Millis,
    /// When the app was last opened, if ever.
    pub last_launch: Option<Millis>,
}

/// Chromium's engagement levels (`blink::mojom::EngagementLevel`), without MAX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not used: periodic sync is suspended.
    None,
    /// Barely used: periodic events three times further apart.
    Minimal,
    /// Used a little: twice as far apart.
    Low,
    /// Used: twice as far apart.
    Medium,
    /// Used a lot: at the minimum interval.
    High,
}

impl Level {
    /// The factor Chromium applies to the minimum periodic interval (`None`: suspended).
    pub fn interval_factor(self) -> Option<i64> {
        match self {
            Self::None => None,
            Self::Minimal => Some(3),
            Self::Low | Self::Medium => Some(2),
            Self::High => Some(1),
        }
    }

    /// The name `syncshell sync list` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Minimal => "minimal",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl Default for Engagement {
    fn default() -> Self {
        Self {
            score: 0.0,
            updated_at: 0,
            last_launch: None,
        }
    }
}

impl Engagement {
    /// The score at `now`, decayed since `updated_at` (a clock moved back decays nothing).
    pub fn score_at(&self, now: Millis) -> f64 {
        let elapsed = now.saturating_sub(self.updated_at).max(0) as f64;
        self.score * (-elapsed / HALF_LIFE as f64).exp2()
    }

    /// The level at `now`.
    pub fn level_at(&self, now: Millis) -> Level {
        let score = self.score_at(now);
        let level = if score >= 50.0 {
            Level::High
        } else if score >= 15.0 {
            Level::Medium
        } else if score >= 4.0 {
            // Below one launch's points, so a single launch stays "low" for two days rather
            // than dropping to "minimal" the moment it starts to decay.
            Level::Low
        } else if score > 0.5 {
            Level::Minimal
        } else {
            Level::None
        };
        let recently_opened = self
            .last_launch
            .is_some_and(|at| now.saturating_sub(at) < RECENTLY_OPENED);
        if level == Level::None && recently_opened {
            Level::Minimal
        } else {
            level
        }
    }

    /// After the user opened the app at `now`.
    pub fn launched(self, now: Millis) -> Self {
        Self {
            last_launch: Some(now),
            ..self.add(now, LAUNCH_POINTS)
        }
    }

    /// After the app's window had the focus for `focused` ms, ending at `now`.
    pub fn focused(self, now: Millis, focused: Millis) -> Self {
        let minutes = focused.max(0) as f64 / 60_000.0;
        self.add(now, minutes * POINTS_PER_FOCUSED_MINUTE)
    }

    fn add(self, now: Millis, points: f64) -> Self {
        Self {
            score: (self.score_at(now) + points).min(MAX_SCORE),
            updated_at: now.max(self.updated_at),
            last_launch: self.last_launch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_700_000_000_000;
    const MINUTE: Millis = 60_000;

    #[test]
    fn an_app_never_opened_is_not_engaged() {
        assert_eq!(Engagement::default().level_at(T0), Level::None);
        assert_eq!(Level::None.interval_factor(), None);
    }

    #[test]
    fn one_launch_is_low_and_decays_to_minimal_then_none_after_a_month() {
        let e = Engagement::default().launched(T0);
        assert_eq!(e.score_at(T0), LAUNCH_POINTS);
        assert_eq!(e.level_at(T0), Level::Low);
        // Still low two days later (4.05); 5 points halve in a week: 2.5 (minimal).
        assert_eq!(e.level_at(T0 + 2 * DAY), Level::Low);
        assert_eq!(e.level_at(T0 + 3 * DAY), Level::Minimal);
        assert_eq!(e.level_at(T0 + 7 * DAY), Level::Minimal);
        assert!((e.score_at(T0 + 7 * DAY) - 2.5).abs() < 1e-9);
        // After 29 days the score is ~0.28, but it was opened within 30 days.
        assert!(e.score_at(T0 + 29 * DAY) < 0.5);
        assert_eq!(e.level_at(T0 + 29 * DAY), Level::Minimal);
        assert_eq!(e.level_at(T0 + 30 * DAY), Level::None);
    }

    #[test]
    fn focused_time_counts_by_the_minute_and_reaches_high() {
        let e = Engagement::default()
            .launched(T0)
            .focused(T0 + 11 * MINUTE, 11 * MINUTE);
        // 5 + 11, less a few thousandths of decay over the 11 minutes.
        assert!((e.score_at(T0 + 11 * MINUTE) - 16.0).abs() < 1e-2);
        assert_eq!(e.level_at(T0 + 11 * MINUTE), Level::Medium);
        let e = e.focused(T0 + 50 * MINUTE, 35 * MINUTE);
        assert_eq!(e.level_at(T0 + 50 * MINUTE), Level::High);
        // Thirty seconds are half a point.
        let half = Engagement::default().focused(T0, 30_000);
        assert!((half.score - 0.5).abs() < 1e-9);
    }

    #[test]
    fn the_score_is_capped_and_a_week_of_daily_use_is_high() {
        let mut e = Engagement::default();
        for day in 0..200 {
            e = e
                .launched(T0 + day * DAY)
                .focused(T0 + day * DAY + MINUTE, 60 * MINUTE);
        }
        assert_eq!(e.score, MAX_SCORE);
        let mut daily = Engagement::default();
        for day in 0..7 {
            daily = daily
                .launched(T0 + day * DAY)
                .focused(T0 + day * DAY, 10 * MINUTE);
        }
        assert_eq!(daily.level_at(T0 + 7 * DAY), Level::High);
    }

    #[test]
    fn a_clock_moved_back_neither_decays_nor_rewinds() {
        let e = Engagement::default().launched(T0);
        assert_eq!(e.score_at(T0 - DAY), LAUNCH_POINTS);
        let later = e.focused(T0 - DAY, MINUTE);
        assert_eq!(later.updated_at, T0);
    }

    #[test]
    fn levels_scale_the_interval_as_chromium_does() {
        let factors: Vec<_> = [Level::Minimal, Level::Low, Level::Medium, Level::High]
            .into_iter()
            .map(Level::interval_factor)
            .collect();
        assert_eq!(factors, [Some(3), Some(2), Some(2), Some(1)]);
    }
}
