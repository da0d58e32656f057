//! The one place for Accrete's protobuf code: wire types of the transcript
//! events collectors send, and the gRPC query API.

#[allow(clippy::all, missing_docs)]
pub mod v1 {
    tonic::include_proto!("accrete.v1");
}
