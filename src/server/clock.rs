//! Time helpers: Stytch RFC 3339 strings and Clerk epoch milliseconds.

use time::{Duration, OffsetDateTime, UtcOffset};

/// The current UTC time, truncated to whole microseconds (what Stytch reports).
pub(crate) fn now() -> OffsetDateTime {
    truncate_micros(OffsetDateTime::now_utc())
}

/// Drops sub-microsecond precision so formatted and stored values agree.
pub(crate) fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t - Duration::nanoseconds(i64::from(nanos % 1_000))
}

/// RFC 3339 in UTC with a `Z` suffix: whole seconds, or six fractional digits
/// when the time has a sub-second part (both forms appear in Stytch responses).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    match t.microsecond() {
        0 => format!("{base}Z"),
        us => format!("{base}.{us:06}Z"),
    }
}

/// Epoch milliseconds.
pub(crate) fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_like_stytch() {
        assert_eq!(
            rfc3339(datetime!(2021-08-28 00:41:58.935673 UTC)),
            "2021-08-28T00:41:58.935673Z"
        );
        assert_eq!(
            rfc3339(datetime!(2021-12-29 12:33:09 UTC)),
            "2021-12-29T12:33:09Z"
        );
        let t = datetime!(2024-05-28 08:00:00.123456789 UTC);
        assert_eq!(rfc3339(truncate_micros(t)), "2024-05-28T08:00:00.123456Z");
        assert_eq!(
            unix_ms(datetime!(2024-05-28 08:00:00 UTC)),
            1_716_883_200_000
        );
    }
}
