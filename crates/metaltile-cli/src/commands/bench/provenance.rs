//! Where a result came from: when it was measured and from which commit.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// Now, UTC, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    utc_text(secs)
}

/// `secs` after the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_text(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The proleptic Gregorian date `days` after 1970-01-01: years counted in 400-year eras of
/// 146097 days, each year starting on March 1 so the leap day falls at its end.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The current directory's git commit, with `-dirty` when tracked files have changes; `None`
/// outside a repository or without git.
pub fn git_commit() -> Option<String> {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let head = run(&["rev-parse", "HEAD"]).filter(|h| !h.is_empty())?;
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{head}-dirty") } else { head })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_across_eras_leap_days_and_year_ends() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        // 30 years of which 7 leap (1972…1996), then January and a leap February.
        assert_eq!(utc_text((10_957 + 31 + 28) * 86_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_text((10_957 + 60) * 86_400 + 3661), "2000-03-01T01:01:01Z");
        // 54 years of which 13 leap, less one second.
        assert_eq!(utc_text((54 * 365 + 13) * 86_400 - 1), "2023-12-31T23:59:59Z");
        // 2100 is not a leap year: 130 years of which 32 leap (1972…2096), plus Jan and Feb.
        assert_eq!(utc_text((130 * 365 + 32 + 59) * 86_400), "2100-03-01T00:00:00Z");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(utc_now().len(), 20);
    }

    #[test]
    fn the_commit_is_a_hash_when_git_knows_one() {
        // The tests run inside the project's checkout when git is there; elsewhere None.
        if let Some(c) = git_commit() {
            let hash = c.trim_end_matches("-dirty");
            assert!(hash.len() >= 40 && hash.chars().all(|ch| ch.is_ascii_hexdigit()), "{c}");
        }
    }
}
