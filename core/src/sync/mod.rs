//! Background Sync and Periodic Background Sync as Chromium does them: the tunables, the delay
//! policy and the registration rules. Time comes from the caller, so all of it is testable with a
//! fake clock.

pub mod delay;
pub mod errors;
pub mod hold;
pub mod parameters;
pub mod rules;
