//! The gRPC face of the query API: the same store calls, and the same access
//! rules ([`crate::auth`]), as HTTP. The token comes in the `authorization`
//! metadata, `Bearer <token>`.

use accrete_common::proto::query_service_server::QueryService;
use accrete_common::proto::{
    AdoptionMatrix, Assignment, Assignments, Catalog, Cohorts, CohortsRequest, CreateAssignmentRequest, Examples,
    ExamplesRequest, ListAssignmentsRequest, MatrixRequest, PersonSessions, PersonSessionsRequest, PracticesRequest,
    QuarterlyRequest, QuarterlyRollups, SessionDetail, SessionRequest, Status, StatusRequest, Suggestions,
    SuggestionsRequest, Trends, TrendsRequest,
};
use tonic::{Request, Response};

use crate::auth::Principal;
use crate::{ApiState, grpc_access_status};

pub struct QueryGrpc {
    state: ApiState,
}

impl QueryGrpc {
    pub fn new(state: ApiState) -> QueryGrpc {
        QueryGrpc { state }
    }

    fn caller<T>(&self, r: &Request<T>) -> Result<Principal, tonic::Status> {
        let header = r.metadata().get("authorization").map(|v| v.as_bytes());
        self.state.auth.principal(header).map_err(grpc_access_status)
    }
}

#[tonic::async_trait]
impl QueryService for QueryGrpc {
    async fn get_adoption_matrix(&self, r: Request<MatrixRequest>) -> Result<Response<AdoptionMatrix>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).adoption_matrix(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn list_practices(&self, _: Request<PracticesRequest>) -> Result<Response<Catalog>, tonic::Status> {
        Ok(Response::new(self.state.store.catalog()))
    }

    async fn list_person_sessions(
        &self,
        r: Request<PersonSessionsRequest>,
    ) -> Result<Response<PersonSessions>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).person_sessions(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_session(&self, r: Request<SessionRequest>) -> Result<Response<SessionDetail>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).session(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_quarterly_rollups(
        &self,
        r: Request<QuarterlyRequest>,
    ) -> Result<Response<QuarterlyRollups>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).quarterly(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_suggestions(&self, r: Request<SuggestionsRequest>) -> Result<Response<Suggestions>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).suggestions(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_cohorts(&self, r: Request<CohortsRequest>) -> Result<Response<Cohorts>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).cohorts(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_examples(&self, r: Request<ExamplesRequest>) -> Result<Response<Examples>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).examples(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_trends(&self, r: Request<TrendsRequest>) -> Result<Response<Trends>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).trends(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn create_assignment(
        &self,
        r: Request<CreateAssignmentRequest>,
    ) -> Result<Response<Assignment>, tonic::Status> {
        let who = self.caller(&r)?;
        let a = self.state.scoped(&who).assign(r.into_inner()).await.map_err(grpc_access_status)?;
        self.state.announce(&a);
        Ok(Response::new(a))
    }

    async fn list_assignments(
        &self,
        r: Request<ListAssignmentsRequest>,
    ) -> Result<Response<Assignments>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).assignments(r.into_inner()).await.map(Response::new).map_err(grpc_access_status)
    }

    async fn get_status(&self, r: Request<StatusRequest>) -> Result<Response<Status>, tonic::Status> {
        let who = self.caller(&r)?;
        self.state.scoped(&who).require_admin("the collector status").map_err(grpc_access_status)?;
        Ok(Response::new((self.state.status)()))
    }
}
