//! A common point in time (`--recovery-point before:INSTANT`): the
//! recovery points a vault lists for a machine and an instant in, the
//! latest point at or before it out (application-consistent only when
//! asked), or none. Also the instant's text: RFC 3339, seconds optional.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// One recovery point of an item (`recoveryPoints` of an ASR item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryPointInfo {
    /// Its id, as a failover names it (`recoveryPointId`).
    pub id: String,
    /// When it was taken.
    pub time: Timestamp,
    /// Application-consistent (else crash-consistent).
    pub app_consistent: bool,
}

/// The latest of `points` taken at or before `instant`; with `app_only`,
/// the latest application-consistent one. `None` when there is none.
pub fn latest_before(
    points: &[RecoveryPointInfo],
    instant: Timestamp,
    app_only: bool,
) -> Option<&RecoveryPointInfo> {
    points
        .iter()
        .filter(|p| p.time <= instant && (!app_only || p.app_consistent))
        .max_by_key(|p| p.time)
}

/// An instant as `before:` takes it: RFC 3339 (`2026-12-01T10:00:00Z`,
/// `2026-12-01T11:00+01:00`), seconds and fractions optional.
pub fn parse_instant(text: &str) -> Result<Timestamp, String> {
    let bad = || {
        format!(
            "`{text}` is not an RFC 3339 instant; write it like `2026-12-01T10:00Z` or `2026-12-01T11:00:00+01:00`"
        )
    };
    let text = text.trim();
    let (date_time, offset_s) = split_offset(text).ok_or_else(bad)?;
    // `HH:MM` without seconds: humantime wants them.
    let with_seconds = match date_time.split_once(['T', 't', ' ']) {
        Some((date, time)) if time.len() == 5 => format!("{date}T{time}:00"),
        Some(_) => date_time.to_owned(),
        None => return Err(bad()),
    };
    let utc = humantime::parse_rfc3339_weak(&with_seconds).map_err(|_| bad())?;
    let shifted = if offset_s >= 0 {
        utc.checked_sub(std::time::Duration::from_secs(offset_s.unsigned_abs()))
    } else {
        utc.checked_add(std::time::Duration::from_secs(offset_s.unsigned_abs()))
    };
    shifted.map(Timestamp).ok_or_else(bad)
}

/// The date and time without its zone, and the zone's offset east of UTC
/// in seconds (`Z`: 0). `None` without a zone: a local time is ambiguous.
fn split_offset(text: &str) -> Option<(&str, i64)> {
    if let Some(rest) = text.strip_suffix(['Z', 'z']) {
        return Some((rest, 0));
    }
    let at = text.len().checked_sub(6)?;
    let (rest, zone) = text.split_at_checked(at)?;
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = zone.get(1..)?.split_once(':')?;
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.parse().ok()?;
    (hours < 24 && minutes < 60).then_some((rest, sign * (hours * 3600 + minutes * 60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn point(id: &str, time: &str, app: bool) -> RecoveryPointInfo {
        RecoveryPointInfo {
            id: id.into(),
            time: at(time),
            app_consistent: app,
        }
    }

    #[test]
    fn instants_take_minutes_offsets_and_fractions() {
        assert_eq!(
            parse_instant("2026-12-01T10:00Z").unwrap(),
            at("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            parse_instant("2026-12-01T11:00:30+01:00").unwrap(),
            at("2026-12-01T10:00:30Z")
        );
        assert_eq!(
            parse_instant("2026-12-01T08:30-01:30").unwrap(),
            at("2026-12-01T10:00:00Z")
        );
        assert_eq!(
            parse_instant("2026-12-01T10:00:00.250Z").unwrap(),
            at("2026-12-01T10:00:00.250Z")
        );
        for bad in [
            "2026-12-01T10:00",
            "yesterday",
            "2026-12-01",
            "2026-13-01T10:00Z",
        ] {
            let e = parse_instant(bad).unwrap_err();
            assert!(e.contains("RFC 3339"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_latest_point_at_or_before_the_instant_is_picked() {
        let points = [
            point("c3", "2026-12-01T10:05:00Z", false),
            point("c2", "2026-12-01T10:00:00Z", false),
            point("a1", "2026-12-01T09:00:00Z", true),
            point("c1", "2026-12-01T09:55:00Z", false),
        ];
        let instant = at("2026-12-01T10:00:00Z");
        assert_eq!(
            latest_before(&points, instant, false).unwrap().id,
            "c2",
            "at counts"
        );
        assert_eq!(latest_before(&points, instant, true).unwrap().id, "a1");
        assert!(latest_before(&points, at("2026-12-01T08:00:00Z"), false).is_none());
        assert!(
            latest_before(&points[..2], instant, true).is_none(),
            "no app point"
        );
    }
}
