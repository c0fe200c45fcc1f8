//! `--timings`: where the time of a run went, for users tuning a CI step: the wall time of each
//! phase, the time each rule family took, summed over the workers that ran it, and the slowest
//! cross-file rules, which `--ignore` can leave out one by one.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::rules::Family;

/// Every family rules may belong to, in report order: the built-in ones, then policies.
fn families() -> impl Iterator<Item = Family> {
    Family::ALL.into_iter().chain([Family::Policy])
}

/// How many there are.
const FAMILY_COUNT: usize = Family::ALL.len() + 1;

/// How many of the slowest cross-file rules `--timings` names.
const SLOWEST_SHOWN: usize = 8;

/// The time of a run, by phase and by rule family.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    /// Wall time of each phase, in order.
    pub phases: Vec<(&'static str, Duration)>,
    /// Time rules of each family took, summed over workers; families that ran no rule are left out.
    pub families: Vec<(&'static str, Duration)>,
    /// The slowest cross-file rules by id, slowest first (ties by id).
    pub slowest_cross_file: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// The lines `--timings` prints: phases, families, and the slowest cross-file rules when
    /// any ran.
    pub fn describe(&self) -> String {
        let list = |items: &[(&str, Duration)]| {
            items
                .iter()
                .map(|(name, time)| format!("{name} {:.3} s", time.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = format!(
            "mslint timings, wall time: {}\nmslint timings, rules by family (all workers): {}\n",
            list(&self.phases),
            list(&self.families)
        );
        if !self.slowest_cross_file.is_empty() {
            text.push_str(&format!(
                "mslint timings, slowest cross-file rules: {}\n",
                list(&self.slowest_cross_file)
            ));
        }
        text
    }
}

/// Measures phases one after the other, and rule families from any worker.
#[derive(Debug)]
pub struct Clock {
    phase_started: Instant,
    phases: Vec<(&'static str, Duration)>,
    family_nanos: [AtomicU64; FAMILY_COUNT],
    cross_file: Mutex<Vec<(&'static str, Duration)>>,
}

impl Clock {
    /// A clock whose first phase starts now.
    pub fn start() -> Self {
        Clock {
            phase_started: Instant::now(),
            phases: Vec::new(),
            family_nanos: Default::default(),
            cross_file: Mutex::new(Vec::new()),
        }
    }

    /// Ends the phase running since the last one ended.
    pub fn phase(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.phase_started));
        self.phase_started = now;
    }

    /// Runs `work` for a rule of `family` and adds its time to the family's.
    pub fn rule<T>(&self, family: Family, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = work();
        if let Some(slot) = families().position(|f| f == family) {
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.family_nanos[slot].fetch_add(nanos, Ordering::Relaxed);
        }
        result
    }

    /// Runs `work` for a rule of `family`, timed when there is a clock.
    pub fn time<T>(clock: Option<&Clock>, family: Family, work: impl FnOnce() -> T) -> T {
        match clock {
            Some(clock) => clock.rule(family, work),
            None => work(),
        }
    }

    /// Runs the cross-file rule `id` of `family`, timed on its own and with its family when
    /// there is a clock.
    pub fn time_cross_file<T>(
        clock: Option<&Clock>,
        id: &'static str,
        family: Family,
        work: impl FnOnce() -> T,
    ) -> T {
        let Some(clock) = clock else {
            return work();
        };
        let started = Instant::now();
        let result = clock.rule(family, work);
        let elapsed = started.elapsed();
        // A rule that panicked has no time to show; the others still do.
        if let Ok(mut times) = clock.cross_file.lock() {
            times.push((id, elapsed));
        }
        result
    }

    /// What was measured.
    pub fn timings(&self) -> Timings {
        let families = families()
            .zip(&self.family_nanos)
            .map(|(family, nanos)| {
                (
                    family.prefix(),
                    Duration::from_nanos(nanos.load(Ordering::Relaxed)),
                )
            })
            .filter(|(_, time)| !time.is_zero())
            .collect();
        let mut slowest_cross_file = self
            .cross_file
            .lock()
            .map(|times| times.clone())
            .unwrap_or_default();
        slowest_cross_file.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        slowest_cross_file.truncate(SLOWEST_SHOWN);
        Timings {
            phases: self.phases.clone(),
            families,
            slowest_cross_file,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_and_families_are_measured_and_described() {
        let mut clock = Clock::start();
        clock.phase("parse");
        let answer = clock.rule(Family::K8s, || {
            std::thread::sleep(Duration::from_millis(2));
            42
        });
        assert_eq!(answer, 42);
        let timings = clock.timings();
        assert_eq!(timings.phases.len(), 1);
        assert_eq!(timings.families.len(), 1);
        assert!(timings.families[0].1 >= Duration::from_millis(2));
        let text = timings.describe();
        assert!(
            text.contains("wall time: parse ") && text.contains("(all workers): K8S "),
            "{text}"
        );
        assert!(!text.contains("cross-file"), "{text}");
    }

    #[test]
    fn the_slowest_cross_file_rules_are_named_slowest_first() {
        let clock = Clock::start();
        let ran = Clock::time_cross_file(Some(&clock), "K8S020", Family::K8s, || {
            std::thread::sleep(Duration::from_millis(1));
            7
        });
        assert_eq!(ran, 7);
        if let Ok(mut times) = clock.cross_file.lock() {
            times.extend((0..10).map(|n| ("NS001", Duration::from_secs(n))));
            times.push(("IST022", Duration::from_secs(20)));
            times.push(("GW001", Duration::from_secs(9)));
        }
        let timings = clock.timings();
        let ids: Vec<&str> = timings.slowest_cross_file.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            [
                "IST022", "GW001", "NS001", "NS001", "NS001", "NS001", "NS001", "NS001"
            ]
        );
        assert!(timings.families[0].1 >= Duration::from_millis(1));
        assert!(
            timings
                .describe()
                .ends_with("slowest cross-file rules: IST022 20.000 s, GW001 9.000 s, NS001 9.000 s, NS001 8.000 s, NS001 7.000 s, NS001 6.000 s, NS001 5.000 s, NS001 4.000 s\n"),
            "{}",
            timings.describe()
        );
    }
}
