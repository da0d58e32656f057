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

use std::collections::BTreeMap;

use accrete_aggregator::{QueryStore, StoreError};
use accrete_common::config::{ApiToken, Role};
use accrete_common::proto::{
    AdoptionMatrix, MatrixRequest, PersonRow, PersonSessions, PersonSessionsRequest, QuarterlyRequest,
    QuarterlyRollups, SessionDetail, SessionRequest,
};

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

    pub async fn adoption_matrix(&self, req: MatrixRequest) -> Result<AdoptionMatrix, AccessError> {
        match self.who {
            Principal::Admin => Ok(self.store.adoption_matrix(&req).await?),
            Principal::Member { person } => {
                if !req.person.is_empty() && req.person != *person {
                    return Err(forbidden(format!("you may only see your own rows (`person={person}`)")));
                }
                Ok(self.store.adoption_matrix(&MatrixRequest { person: person.clone(), ..req }).await?)
            }
            Principal::Manager { teams } => {
                let asked = asked_teams(teams, &req.team)?;
                if let [team] = asked.as_slice() {
                    return Ok(self.store.adoption_matrix(&MatrixRequest { team: team.clone(), ..req }).await?);
                }
                // Several teams: each one's rows, added up per person (someone
                // who moved between two of them), then scored together.
                let mut people: BTreeMap<String, PersonRow> = BTreeMap::new();
                let mut out = AdoptionMatrix::default();
                for team in asked {
                    let m = self.store.adoption_matrix(&MatrixRequest { team, ..req.clone() }).await?;
                    for row in m.people {
                        match people.get_mut(&row.person) {
                            None => {
                                people.insert(row.person.clone(), row);
                            }
                            Some(r) => {
                                r.sessions += row.sessions;
                                for (practice, n) in row.practices {
                                    *r.practices.entry(practice).or_default() += n;
                                }
                                r.team = r.team.clone().max(row.team);
                            }
                        }
                    }
                    out.practice_ids = m.practice_ids;
                    out.catalog_version = m.catalog_version;
                }
                out.people = people.into_values().collect();
                accrete_aggregator::rollup::score_rows(&mut out.people);
                Ok(out)
            }
        }
    }

    pub async fn quarterly(&self, req: QuarterlyRequest) -> Result<QuarterlyRollups, AccessError> {
        match self.who {
            Principal::Admin => Ok(self.store.quarterly(&req).await?),
            Principal::Member { .. } => {
                Err(forbidden("the quarterly roll-up is team and organization data: for managers and admins"))
            }
            Principal::Manager { teams } => {
                // Asked for one team, the roll-up has that team's rows only
                // (no organization rows); the teams come out in order.
                let mut out = QuarterlyRollups::default();
                for team in asked_teams(teams, &req.team)? {
                    out.rows.extend(self.store.quarterly(&QuarterlyRequest { team, ..req.clone() }).await?.rows);
                }
                Ok(out)
            }
        }
    }

    pub async fn person_sessions(&self, req: PersonSessionsRequest) -> Result<PersonSessions, AccessError> {
        if req.person.is_empty() {
            return Err(invalid("`person` is required"));
        }
        match self.who {
            Principal::Admin => Ok(self.store.person_sessions(&req).await?),
            Principal::Member { person } => {
                if req.person != *person {
                    return Err(forbidden(format!("you may only see your own sessions (`{person}`)")));
                }
                Ok(self.store.person_sessions(&req).await?)
            }
            Principal::Manager { teams } => {
                let mut out = self.store.person_sessions(&req).await?;
                out.sessions.retain(|s| teams.contains(&s.team));
                if out.sessions.is_empty() && !self.in_teams(&req.person, teams).await? {
                    return Err(not_in_teams(&format!("sessions of `{}`", req.person), teams));
                }
                Ok(out)
            }
        }
    }

    pub async fn session(&self, req: SessionRequest) -> Result<SessionDetail, AccessError> {
        if req.session_id.is_empty() {
            return Err(invalid("a session id is required"));
        }
        match self.who {
            Principal::Admin => Ok(self.store.session(&req).await?),
            Principal::Member { person } => {
                if !req.person.is_empty() && req.person != *person {
                    return Err(forbidden(format!("you may only see your own sessions (`{person}`)")));
                }
                Ok(self.store.session(&SessionRequest { person: person.clone(), ..req }).await?)
            }
            Principal::Manager { teams } => {
                let what = format!("session `{}`", req.session_id);
                let d = match self.store.session(&req).await {
                    Err(StoreError::NotFound(_)) => return Err(not_in_teams(&what, teams)),
                    r => r?,
                };
                if !d.summary.as_ref().is_some_and(|s| teams.contains(&s.team)) {
                    return Err(not_in_teams(&what, teams));
                }
                Ok(d)
            }
        }
    }

    /// Whether any of a person's sessions, ever, was in one of `teams`.
    async fn in_teams(&self, person: &str, teams: &[String]) -> Result<bool, AccessError> {
        for team in teams {
            let m = self
                .store
                .adoption_matrix(&MatrixRequest { person: person.into(), team: team.clone(), ..Default::default() })
                .await?;
            if !m.people.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The teams a manager's query covers: the one asked for (if theirs), else all of theirs.
fn asked_teams(teams: &[String], asked: &str) -> Result<Vec<String>, AccessError> {
    if asked.is_empty() {
        return Ok(teams.to_vec());
    }
    if !teams.iter().any(|t| t == asked) {
        return Err(forbidden(format!("team `{asked}` is not one of yours ({})", teams.join(", "))));
    }
    Ok(vec![asked.to_string()])
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
