//! The two windows a monitor run compares: the latest `--window` of the logs
//! and a reference window (`--against previous|first|START/END`).
//!
//! The current window ends at the newest row's time and reaches back one
//! window length: `(newest − w, newest]`. The reference window is the
//! window before it (`previous`: `(newest − 2w, newest − w]`), the logs'
//! first window (`first`: `[oldest, oldest + w)`), or a stated range
//! (`START/END`, RFC 3339 times or dates: `[START, END)`). Rows in neither
//! window are left out, and the report says how many. Once the oldest and
//! newest times are known, a row's window depends on its time alone
//! ([`Layout::side`]), so rows are placed as they are read.

use chrono::{DateTime, Duration, Utc};

use crate::error::{Error, Result};

/// A window length: `7d`, `24h`, `2w`, `90m`, `3600s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl Span {
    /// Parses `N` followed by a unit: `s`, `m`, `h`, `d` or `w`.
    pub fn parse(text: &str) -> Result<Span> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: i64 = number.parse().unwrap_or(0);
        let d = match unit.trim() {
            "s" => Duration::try_seconds(n),
            "m" | "min" => Duration::try_minutes(n),
            "h" => Duration::try_hours(n),
            "d" => Duration::try_days(n),
            "w" => Duration::try_weeks(n),
            _ => None,
        };
        match d {
            Some(d) if n > 0 => Ok(Span(d)),
            _ => Err(Error::Usage(format!(
                "--window {text}: expected a length such as 7d, 24h, 2w, 90m or 3600s"
            ))),
        }
    }

    /// How the window reads in reports (`7d`, `36h`).
    pub fn label(self) -> String {
        let s = self.0.num_seconds();
        for (unit, len) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
            if s % len == 0 {
                return format!("{}{unit}", s / len);
            }
        }
        format!("{s}s")
    }
}

/// Which window the current one is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The window just before the current one.
    Previous,
    /// The logs' first window.
    First,
    /// A stated range, end excluded.
    Range(DateTime<Utc>, DateTime<Utc>),
}

impl Against {
    /// Parses `previous`, `first` or `START/END`.
    pub fn parse(text: &str) -> Result<Against> {
        match text.trim() {
            "previous" => Ok(Against::Previous),
            "first" => Ok(Against::First),
            range => {
                let bad = || {
                    Error::Usage(format!(
                        "--against {text}: expected previous, first, or START/END as RFC 3339 times or dates (2026-03-01/2026-03-08)"
                    ))
                };
                let (a, b) = range.split_once('/').ok_or_else(bad)?;
                let start = crate::load::logs::parse_time(a).ok_or_else(bad)?;
                let end = crate::load::logs::parse_time(b).ok_or_else(bad)?;
                if end <= start {
                    return Err(Error::Usage(format!(
                        "--against {text}: the range ends before it starts"
                    )));
                }
                Ok(Against::Range(start, end))
            }
        }
    }
}

/// Where a window starts and ends, and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    /// First instant in it (inclusive unless `open_start`).
    pub start: DateTime<Utc>,
    /// Last instant (exclusive unless `closed_end`).
    pub end: DateTime<Utc>,
    /// `(start, end]` rather than `[start, end)`.
    pub ends_at_newest: bool,
}

impl Bounds {
    fn holds(&self, t: DateTime<Utc>) -> bool {
        if self.ends_at_newest {
            t > self.start && t <= self.end
        } else {
            t >= self.start && t < self.end
        }
    }
}

/// Which window a row falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The reference window.
    Reference = 0,
    /// The current window.
    Current = 1,
}

/// Where the two windows lie, known once the logs' oldest and newest times
/// are: a row's window is then a function of its time alone, so rows can be
/// assigned as they are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The reference window.
    pub reference: Bounds,
    /// The current window.
    pub current: Bounds,
}

impl Layout {
    /// The current window (the newest `span`) and the reference window
    /// `against` says, for logs whose times run from `oldest` to `newest`.
    pub fn new(oldest: DateTime<Utc>, newest: DateTime<Utc>, span: Span, against: Against) -> Self {
        let w = span.0;
        let reference = match against {
            Against::Previous => Bounds {
                start: newest - w - w,
                end: newest - w,
                ends_at_newest: true,
            },
            Against::First => Bounds {
                start: oldest,
                end: oldest + w,
                ends_at_newest: false,
            },
            Against::Range(start, end) => Bounds {
                start,
                end,
                ends_at_newest: false,
            },
        };
        Layout {
            reference,
            current: Bounds {
                start: newest - w,
                end: newest,
                ends_at_newest: true,
            },
        }
    }

    /// The window of a row at time `t` (`None`: neither).
    pub fn side(&self, t: DateTime<Utc>) -> Option<Side> {
        // A row in both (overlapping windows) belongs to the current one.
        if self.current.holds(t) {
            Some(Side::Current)
        } else if self.reference.holds(t) {
            Some(Side::Reference)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        crate::load::logs::parse_time(&format!("2026-03-{day:02}T{hour:02}:00:00Z")).expect("time")
    }

    /// The rows of each window, and how many are in neither.
    fn split(times: &[DateTime<Utc>], span: Span, against: Against) -> [Vec<usize>; 3] {
        let layout = Layout::new(times[0], times[times.len() - 1], span, against);
        let mut out = [Vec::new(), Vec::new(), Vec::new()];
        for (i, &t) in times.iter().enumerate() {
            out[layout.side(t).map_or(2, |s| s as usize)].push(i);
        }
        out
    }

    #[test]
    fn windows_split_by_time() {
        let times: Vec<DateTime<Utc>> = (1..=21).map(|d| at(d, 12)).collect();
        let week = Span::parse("7d").expect("span");
        assert_eq!(week.label(), "1w");
        let [reference, current, outside] = split(&times, week, Against::Previous);
        // Current: (Mar 14 12:00, Mar 21 12:00] = days 15..=21.
        assert_eq!(current, (14..21).collect::<Vec<_>>());
        assert_eq!(reference, (7..14).collect::<Vec<_>>());
        assert_eq!(outside.len(), 7);
        let [reference, ..] = split(&times, week, Against::First);
        assert_eq!(reference, (0..7).collect::<Vec<_>>());
        let range = Against::parse("2026-03-02/2026-03-04").expect("range");
        let [reference, ..] = split(&times, week, range);
        assert_eq!(reference, vec![1, 2]);
        assert!(Span::parse("7 parsecs").is_err() && Span::parse("0d").is_err());
        assert!(Against::parse("2026-03-04/2026-03-02").is_err());
    }
}
