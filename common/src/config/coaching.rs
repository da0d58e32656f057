//! `[coaching]`: the thresholds of the coaching loop's rules
//! (docs/coaching.md), so a team can tune them without a rebuild.

use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CoachingConfig {
    /// A person rarely shows a practice below this share of their sessions.
    pub rarely: f64,
    /// A team's strong users show it often at this median share or more.
    pub often: f64,
    /// Fewer sessions in a window say too little to judge or to learn from.
    pub min_sessions: u64,
    /// A practice counts toward breadth at this share of a person's sessions.
    pub breadth_share: f64,
    /// Heavy users: at least this breadth and sessions a week.
    pub heavy_breadth: u32,
    pub heavy_sessions_per_week: f64,
    /// Moderate users: at least this breadth and sessions a week (else light).
    pub moderate_breadth: u32,
    pub moderate_sessions_per_week: f64,
    /// Adopted: seen in at least `adopted_n` of the person's last `adopted_m` sessions.
    pub adopted_n: u32,
    pub adopted_m: u32,
    /// Who to learn from: this many people per practice, each with this many example sessions.
    pub teachers: usize,
    pub examples: usize,
}

impl Default for CoachingConfig {
    fn default() -> Self {
        CoachingConfig {
            rarely: 0.2,
            often: 0.5,
            min_sessions: 3,
            breadth_share: 0.2,
            heavy_breadth: 6,
            heavy_sessions_per_week: 3.0,
            moderate_breadth: 3,
            moderate_sessions_per_week: 1.0,
            adopted_n: 3,
            adopted_m: 10,
            teachers: 3,
            examples: 3,
        }
    }
}

impl CoachingConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let share = |key: &str, v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(())
            } else {
                Err(invalid(&format!("coaching.{key}"), "must be above 0 and at most 1"))
            }
        };
        share("rarely", self.rarely)?;
        share("often", self.often)?;
        share("breadth_share", self.breadth_share)?;
        if self.rarely >= self.often {
            return Err(invalid(
                "coaching.rarely",
                "must be below coaching.often (rare for you, often for strong users)",
            ));
        }
        if self.min_sessions == 0 {
            return Err(invalid("coaching.min_sessions", "must be at least 1"));
        }
        if self.heavy_breadth < self.moderate_breadth || self.heavy_sessions_per_week < self.moderate_sessions_per_week
        {
            return Err(invalid("coaching.heavy_breadth", "heavy must ask at least as much as moderate"));
        }
        if !(self.moderate_sessions_per_week >= 0.0 && self.heavy_sessions_per_week.is_finite()) {
            return Err(invalid("coaching.moderate_sessions_per_week", "must be a number, 0 or more"));
        }
        if self.adopted_m == 0 || self.adopted_m > 1000 {
            return Err(invalid("coaching.adopted_m", "must be between 1 and 1000"));
        }
        if self.adopted_n == 0 || self.adopted_n > self.adopted_m {
            return Err(invalid("coaching.adopted_n", "must be at least 1 and at most coaching.adopted_m"));
        }
        if !(1..=20).contains(&self.teachers) {
            return Err(invalid("coaching.teachers", "must be between 1 and 20"));
        }
        if !(1..=10).contains(&self.examples) {
            return Err(invalid("coaching.examples", "must be between 1 and 10"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_each_bad_value_names_its_key() {
        CoachingConfig::default().validate().unwrap();
        let bad = |c: CoachingConfig| match c.validate() {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("{other:?}"),
        };
        let d = CoachingConfig::default;
        assert_eq!(bad(CoachingConfig { rarely: 0.6, ..d() }), "coaching.rarely");
        assert_eq!(bad(CoachingConfig { often: 1.5, ..d() }), "coaching.often");
        assert_eq!(bad(CoachingConfig { adopted_n: 11, ..d() }), "coaching.adopted_n");
        assert_eq!(bad(CoachingConfig { adopted_m: 0, ..d() }), "coaching.adopted_m");
        assert_eq!(bad(CoachingConfig { heavy_breadth: 2, ..d() }), "coaching.heavy_breadth");
        assert_eq!(bad(CoachingConfig { teachers: 0, ..d() }), "coaching.teachers");
        assert_eq!(bad(CoachingConfig { min_sessions: 0, ..d() }), "coaching.min_sessions");
    }
}
