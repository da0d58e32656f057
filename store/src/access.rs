//! Whose rows a query may read. The API decides the caller's [`Access`]
//! (and refuses what is plainly outside it with a clear message); the store
//! turns it and the request into a [`Filter`] and applies that in its
//! queries, so a manager's matrix over several teams is one query, scored
//! once, like anyone else's.

/// What a caller may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Access {
    /// Everything (an admin, or the API without tokens).
    #[default]
    All,
    /// Sessions of these teams only (a manager); a person's row adds up
    /// their sessions in these teams.
    Teams(Vec<String>),
    /// One person's own rows (a member).
    Person(String),
}

/// The filter a query applies: a request's person and team, narrowed by
/// the caller's access.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only this person's sessions.
    pub person: Option<String>,
    /// Only sessions of these teams (`Some(vec![])`: of none, so nothing).
    pub teams: Option<Vec<String>>,
}

impl Filter {
    /// `person` and `team` are the request's (empty: not asked).
    pub fn new(access: &Access, person: &str, team: &str) -> Filter {
        let asked = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let (person, team) = (asked(person), asked(team));
        match access {
            Access::All => Filter { person, teams: team.map(|t| vec![t]) },
            Access::Person(me) => {
                // Someone else's rows are simply not in a member's scope.
                let person = match person {
                    Some(p) if p != *me => return Filter::nothing(),
                    _ => Some(me.clone()),
                };
                Filter { person, teams: team.map(|t| vec![t]) }
            }
            Access::Teams(mine) => {
                let teams = match team {
                    Some(t) if mine.contains(&t) => vec![t],
                    Some(_) => Vec::new(),
                    None => mine.clone(),
                };
                Filter { person, teams: Some(teams) }
            }
        }
    }

    fn nothing() -> Filter {
        Filter { person: None, teams: Some(Vec::new()) }
    }

    /// No session can match.
    pub fn is_empty(&self) -> bool {
        self.teams.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether a session of `person` in `team` is inside the filter.
    pub fn admits(&self, person: &str, team: &str) -> bool {
        self.person.as_ref().is_none_or(|p| p == person)
            && self.teams.as_ref().is_none_or(|ts| ts.iter().any(|t| t == team))
    }

    /// The teams as a JSON array, for SQLite's `json_each` (`None`: any team).
    pub fn teams_json(&self) -> Option<String> {
        self.teams.as_ref().map(|t| serde_json::to_string(t).expect("strings serialize"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teams(t: &[&str]) -> Access {
        Access::Teams(t.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_request_is_narrowed_by_the_callers_access() {
        assert_eq!(Filter::new(&Access::All, "", ""), Filter::default());
        let f = Filter::new(&Access::All, "ann", "eng");
        assert_eq!((f.person.as_deref(), f.teams), (Some("ann"), Some(vec!["eng".to_string()])));
        let f = Filter::new(&teams(&["a", "b"]), "", "");
        assert_eq!(f.teams, Some(vec!["a".to_string(), "b".to_string()]));
        assert!(Filter::new(&teams(&["a"]), "", "b").is_empty(), "another team's rows are not in scope");
        assert_eq!(Filter::new(&teams(&["a", "b"]), "", "b").teams, Some(vec!["b".to_string()]));
        let me = Access::Person("ann".into());
        assert_eq!(Filter::new(&me, "", "").person.as_deref(), Some("ann"));
        assert!(Filter::new(&me, "bob", "").is_empty());
    }

    #[test]
    fn admits_follows_the_filter() {
        let f = Filter::new(&teams(&["a", "b"]), "", "");
        assert!(f.admits("x", "a") && f.admits("y", "b") && !f.admits("x", "c"));
        assert!(!Filter::new(&teams(&[]), "", "").admits("x", ""));
        assert_eq!(Filter::new(&teams(&["a", "b\""]), "", "").teams_json().unwrap(), r#"["a","b\""]"#);
        assert_eq!(Filter::default().teams_json(), None);
    }
}
