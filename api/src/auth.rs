//! Who may ask what. A bearer token (`[[api.tokens]]`) names a role:
//!
//! * **admin**: everything;
//! * **manager**: the rows of their teams: the matrix and the quarterly
//!   roll-up are kept to their teams, a person's sessions and a session's
//!   drill-down only where the session's team is one of theirs;
//! * **member**: their own rows: the matrix of themselves, their sessions,
//!   their drill-downs; no organization-level roll-ups.
//!
//! `/v1/status` and `/metrics` (source paths, per-person counters) are for
//! admins; `/v1/practices`, `/healthz` and the dashboard's files are public.
//! With no tokens configured the API is open: every caller is an admin.
//!
//! 401 (UNAUTHENTICATED) means no or an unknown token. 403 (PERMISSION_DENIED)
//! means the caller may not see what they asked for, and is also the answer
//! when a manager asks for a person or session that does not exist, so the
//! code never tells another team's data from no data. A member's drill-down
//! only ever searches their own sessions, so there a missing session is 404.
//!
//! HTTP and gRPC both go through [`Auth::principal`] and [`Scoped`]: the rules
//! live here and nowhere else.

use accrete_common::config::{ApiToken, Role};
use accrete_common::proto::{
    AdoptionMatrix, Assignment, Assignments, Cohorts, CohortsRequest, CreateAssignmentRequest, Examples,
    ExamplesRequest, ListAssignmentsRequest, MatrixRequest, PersonSessions, PersonSessionsRequest, QuarterlyRequest,
    QuarterlyRollups, SessionDetail, SessionRequest, Suggestions, SuggestionsRequest, Trends, TrendsRequest,
};
use accrete_store::report::TeamReport;
use accrete_store::{Access, QueryStore, StoreError};

/// The caller, once their token is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Admin,
    /// Sorted, without duplicates, never empty.
    Manager {
        teams: Vec<String>,
    },
    Member {
        person: String,
    },
}

/// Why a request is not answered, or the store's error.
#[derive(Debug)]
pub enum AccessError {
    /// No token, or one the service does not know (401 / UNAUTHENTICATED).
    Unauthenticated(String),
    /// Known caller, not theirs to see (403 / PERMISSION_DENIED).
    Forbidden(String),
    Store(StoreError),
}

impl From<StoreError> for AccessError {
    fn from(e: StoreError) -> Self {
        AccessError::Store(e)
    }
}

/// The token table.
pub struct Auth {
    tokens: Vec<(String, Principal)>,
}

impl Auth {
    /// From the configuration (`api.tokens`, already validated).
    pub fn new(tokens: &[ApiToken]) -> Auth {
        let tokens = tokens
            .iter()
            .map(|t| {
                let who = match t.role {
                    Role::Admin => Principal::Admin,
                    Role::Manager => {
                        let mut teams = t.teams.clone();
                        teams.sort();
                        teams.dedup();
                        Principal::Manager { teams }
                    }
                    Role::Member => Principal::Member { person: t.person.clone() },
                };
                (t.token.clone(), who)
            })
            .collect();
        Auth { tokens }
    }

    /// No tokens: everyone is an admin.
    pub fn open() -> Auth {
        Auth { tokens: Vec::new() }
    }

    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The caller behind an `Authorization` header's value (`Bearer <token>`).
    pub fn principal(&self, authorization: Option<&[u8]>) -> Result<Principal, AccessError> {
        if self.is_open() {
            return Ok(Principal::Admin);
        }
        let value = authorization.ok_or_else(|| {
            AccessError::Unauthenticated("this API needs a token: send `Authorization: Bearer <token>`".into())
        })?;
        let token = std::str::from_utf8(value)
            .ok()
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .ok_or_else(|| AccessError::Unauthenticated("`Authorization` must be `Bearer <token>`".into()))?;
        // Every token is compared in full, so the time taken says nothing
        // about how much of a guess was right.
        let mut found = None;
        for (t, who) in &self.tokens {
            if constant_time_eq(t.as_bytes(), token.as_bytes()) && found.is_none() {
                found = Some(who);
            }
        }
        found.cloned().ok_or_else(|| AccessError::Unauthenticated("unknown token".into()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn forbidden(m: impl Into<String>) -> AccessError {
    AccessError::Forbidden(m.into())
}

fn invalid(m: impl Into<String>) -> AccessError {
    AccessError::Store(StoreError::InvalidArgument(m.into()))
}

/// The store as one caller may see it.
pub struct Scoped<'a> {
    pub store: &'a dyn QueryStore,
    pub who: &'a Principal,
}

impl Scoped<'_> {
    /// `/v1/status`, `/metrics`.
    pub fn require_admin(&self, what: &str) -> Result<(), AccessError> {
        match self.who {
            Principal::Admin => Ok(()),
            _ => Err(forbidden(format!("{what} is for admins only"))),
        }
    }

    /// What the store lets this caller read: it applies it as a filter.
    fn access(&self) -> Access {
        match self.who {
            Principal::Admin => Access::All,
            Principal::Manager { teams } => Access::Teams(teams.clone()),
            Principal::Member { person } => Access::Person(person.clone()),
        }
    }

    pub async fn adoption_matrix(&self, req: MatrixRequest) -> Result<AdoptionMatrix, AccessError> {
        match self.who {
            Principal::Member { person } if !req.person.is_empty() && req.person != *person => {
                Err(forbidden(format!("you may only see your own rows (`person={person}`)")))
            }
            Principal::Manager { teams } => {
                require_own_team(teams, &req.team)?;
                Ok(self.store.agent_matrix(&req, &self.access()).await?)
            }
            _ => Ok(self.store.agent_matrix(&req, &self.access()).await?),
        }
    }

    pub async fn quarterly(&self, req: QuarterlyRequest) -> Result<QuarterlyRollups, AccessError> {
        match self.who {
            Principal::Member { .. } => {
                Err(forbidden("the quarterly roll-up is team and organization data: for managers and admins"))
            }
            // Asked for one team, the roll-up has that team's rows only (no
            // organization rows); a manager's teams come out in order.
            Principal::Manager { teams } => {
                require_own_team(teams, &req.team)?;
                Ok(self.store.quarterly(&req, &self.access()).await?)
            }
            Principal::Admin => Ok(self.store.quarterly(&req, &self.access()).await?),
        }
    }

    pub async fn person_sessions(&self, req: PersonSessionsRequest) -> Result<PersonSessions, AccessError> {
        if req.person.is_empty() {
            return Err(invalid("`person` is required"));
        }
        match self.who {
            Principal::Member { person } if req.person != *person => {
                Err(forbidden(format!("you may only see your own sessions (`{person}`)")))
            }
            Principal::Manager { teams } => {
                let out = self.store.person_sessions(&req, &self.access()).await?;
                if out.sessions.is_empty() && !self.in_teams(&req.person).await? {
                    return Err(not_in_teams(&format!("sessions of `{}`", req.person), teams));
                }
                Ok(out)
            }
            _ => Ok(self.store.person_sessions(&req, &self.access()).await?),
        }
    }

    pub async fn session(&self, req: SessionRequest) -> Result<SessionDetail, AccessError> {
        if req.session_id.is_empty() {
            return Err(invalid("a session id is required"));
        }
        match self.who {
            Principal::Member { person } if !req.person.is_empty() && req.person != *person => {
                Err(forbidden(format!("you may only see your own sessions (`{person}`)")))
            }
            // Another team's session and no session at all get the same words.
            Principal::Manager { teams } => match self.store.session(&req, &self.access()).await {
                Err(StoreError::NotFound(_)) => Err(not_in_teams(&format!("session `{}`", req.session_id), teams)),
                r => Ok(r?),
            },
            _ => Ok(self.store.session(&req, &self.access()).await?),
        }
    }

    /// Suggestions: a member gets their own, a manager their teams' people.
    pub async fn suggestions(&self, req: SuggestionsRequest) -> Result<Suggestions, AccessError> {
        match self.who {
            Principal::Member { person } if !req.person.is_empty() && req.person != *person => {
                Err(forbidden(format!("you may only see your own suggestion (`person={person}`)")))
            }
            Principal::Manager { teams } => {
                require_own_team(teams, &req.team)?;
                Ok(self.store.suggestions(&req, &self.access()).await?)
            }
            _ => Ok(self.store.suggestions(&req, &self.access()).await?),
        }
    }

    /// Trends of a person or a team: a member their own (the default for
    /// them), a manager their teams' and their people's.
    pub async fn trends(&self, mut req: TrendsRequest) -> Result<Trends, AccessError> {
        match self.who {
            Principal::Member { person } => {
                if (!req.person.is_empty() && req.person != *person) || !req.team.is_empty() {
                    return Err(forbidden(format!("you may only see your own trends (`person={person}`)")));
                }
                req.person = person.clone();
            }
            Principal::Manager { teams } => require_own_team(teams, &req.team)?,
            Principal::Admin => {}
        }
        Ok(self.store.trends(&req, &self.access()).await?)
    }

    /// The cohort distribution: team and organization data, for managers
    /// (their teams) and admins.
    pub async fn cohorts(&self, req: CohortsRequest) -> Result<Cohorts, AccessError> {
        match self.who {
            Principal::Member { .. } => Err(forbidden("the cohort distribution is team data: for managers and admins")),
            Principal::Manager { teams } => {
                require_own_team(teams, &req.team)?;
                Ok(self.store.cohorts(&req, &self.access()).await?)
            }
            Principal::Admin => Ok(self.store.cohorts(&req, &self.access()).await?),
        }
    }

    /// Who to learn a practice from: a manager among their teams' people, an
    /// admin among everyone, a member among their own sessions (another
    /// person's drill-down would be refused them anyway).
    pub async fn examples(&self, req: ExamplesRequest) -> Result<Examples, AccessError> {
        match self.who {
            Principal::Member { person }
                if (!req.person.is_empty() && req.person != *person) || !req.team.is_empty() =>
            {
                Err(forbidden(format!("you may only see your own example sessions (`person={person}`)")))
            }
            Principal::Manager { teams } => {
                require_own_team(teams, &req.team)?;
                Ok(self.store.examples(&req, &self.access()).await?)
            }
            _ => Ok(self.store.examples(&req, &self.access()).await?),
        }
    }

    /// Assigns a practice: managers to the people of their teams, admins to
    /// anyone; logged with who assigned it.
    pub async fn assign(&self, req: CreateAssignmentRequest) -> Result<Assignment, AccessError> {
        let by = match self.who {
            Principal::Member { .. } => return Err(forbidden("assigning a practice is for managers and admins")),
            Principal::Manager { teams } => {
                if req.person.is_empty() {
                    return Err(invalid("`person` is required"));
                }
                if !self.in_teams(&req.person).await? {
                    return Err(not_in_teams(&format!("person `{}`", req.person), teams));
                }
                format!("manager of {}", teams.join(", "))
            }
            Principal::Admin => "admin".to_string(),
        };
        Ok(self.store.assign(&req, &by).await?)
    }

    /// Assignments: a member sees their own, a manager their teams' people's.
    pub async fn assignments(&self, req: ListAssignmentsRequest) -> Result<Assignments, AccessError> {
        match self.who {
            Principal::Member { person } if !req.person.is_empty() && req.person != *person => {
                Err(forbidden(format!("you may only see your own assignments (`person={person}`)")))
            }
            Principal::Manager { teams } => {
                require_own_team(teams, &req.team)?;
                Ok(self.store.assignments(&req, &self.access()).await?)
            }
            _ => Ok(self.store.assignments(&req, &self.access()).await?),
        }
    }

    /// The monthly report: a manager gets their teams', an admin everyone's.
    pub async fn month_report(&self, month: &str, team: &str) -> Result<Vec<TeamReport>, AccessError> {
        let mut teams = match self.who {
            Principal::Member { .. } => {
                return Err(forbidden("the monthly report is team data: for managers and admins"));
            }
            Principal::Manager { teams } => {
                require_own_team(teams, team)?;
                self.store.month_report(month, &self.access()).await?
            }
            Principal::Admin => self.store.month_report(month, &self.access()).await?,
        };
        if !team.is_empty() {
            teams.retain(|t| t.team == team);
        }
        Ok(teams)
    }

    /// Whether any of a person's sessions, ever, was in the caller's teams.
    async fn in_teams(&self, person: &str) -> Result<bool, AccessError> {
        let req = MatrixRequest { person: person.into(), ..Default::default() };
        Ok(!self.store.adoption_matrix(&req, &self.access()).await?.people.is_empty())
    }
}

/// A manager who asks for one team must manage it (the store would answer
/// an empty matrix; the refusal says why).
fn require_own_team(teams: &[String], asked: &str) -> Result<(), AccessError> {
    if asked.is_empty() || teams.iter().any(|t| t == asked) {
        return Ok(());
    }
    Err(forbidden(format!("team `{asked}` is not one of yours ({})", teams.join(", "))))
}

/// The same words whether the thing is another team's or does not exist.
fn not_in_teams(what: &str, teams: &[String]) -> AccessError {
    forbidden(format!("no {what} in your teams ({})", teams.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(token: &str, role: Role, teams: &[&str], person: &str) -> ApiToken {
        ApiToken {
            token: token.into(),
            role,
            teams: teams.iter().map(|t| t.to_string()).collect(),
            person: person.into(),
        }
    }

    #[test]
    fn resolves_bearer_tokens() {
        let auth = Auth::new(&[
            token("admin-token-0123456789", Role::Admin, &[], ""),
            token("manager-token-0123456789", Role::Manager, &["web", "platform", "web"], ""),
            token("member-token-0123456789", Role::Member, &[], "ana"),
        ]);
        let who = |h: &str| auth.principal(Some(h.as_bytes()));
        assert_eq!(who("Bearer admin-token-0123456789").unwrap(), Principal::Admin);
        assert_eq!(who("bearer  admin-token-0123456789 ").unwrap(), Principal::Admin);
        assert_eq!(
            who("Bearer manager-token-0123456789").unwrap(),
            Principal::Manager { teams: vec!["platform".into(), "web".into()] }
        );
        assert_eq!(who("Bearer member-token-0123456789").unwrap(), Principal::Member { person: "ana".into() });
        for bad in ["Bearer nope", "Bearer", "Basic admin-token-0123456789", "admin-token-0123456789", ""] {
            assert!(matches!(who(bad), Err(AccessError::Unauthenticated(_))), "{bad}");
        }
        assert!(matches!(auth.principal(Some(b"Bearer \xff")), Err(AccessError::Unauthenticated(_))));
        assert!(matches!(auth.principal(None), Err(AccessError::Unauthenticated(_))));
        assert_eq!(Auth::open().principal(None).unwrap(), Principal::Admin);
    }
}
