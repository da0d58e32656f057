//! The gRPC face of the query API: the same store calls as HTTP.

use accrete_common::proto::query_service_server::QueryService;
use accrete_common::proto::{
    AdoptionMatrix, Catalog, MatrixRequest, PersonSessions, PersonSessionsRequest, PracticesRequest, QuarterlyRequest,
    QuarterlyRollups, SessionDetail, SessionRequest, Status, StatusRequest,
};
use tonic::{Request, Response};

use crate::{ApiState, grpc_status};

pub struct QueryGrpc {
    state: ApiState,
}

impl QueryGrpc {
    pub fn new(state: ApiState) -> QueryGrpc {
        QueryGrpc { state }
    }
}

#[tonic::async_trait]
impl QueryService for QueryGrpc {
    async fn get_adoption_matrix(&self, r: Request<MatrixRequest>) -> Result<Response<AdoptionMatrix>, tonic::Status> {
        self.state.store.adoption_matrix(r.get_ref()).await.map(Response::new).map_err(grpc_status)
    }

    async fn list_practices(&self, _: Request<PracticesRequest>) -> Result<Response<Catalog>, tonic::Status> {
        Ok(Response::new(self.state.store.catalog()))
    }

    async fn list_person_sessions(
        &self,
        r: Request<PersonSessionsRequest>,
    ) -> Result<Response<PersonSessions>, tonic::Status> {
        self.state.store.person_sessions(r.get_ref()).await.map(Response::new).map_err(grpc_status)
    }

    async fn get_session(&self, r: Request<SessionRequest>) -> Result<Response<SessionDetail>, tonic::Status> {
        self.state.store.session(r.get_ref()).await.map(Response::new).map_err(grpc_status)
    }

    async fn get_quarterly_rollups(
        &self,
        r: Request<QuarterlyRequest>,
    ) -> Result<Response<QuarterlyRollups>, tonic::Status> {
        self.state.store.quarterly(r.get_ref()).await.map(Response::new).map_err(grpc_status)
    }

    async fn get_status(&self, _: Request<StatusRequest>) -> Result<Response<Status>, tonic::Status> {
        Ok(Response::new((self.state.status)()))
    }
}
