//! go-plugin's own services beside the provider: `GRPCController` (Shutdown), `GRPCStdio`
//! and `GRPCBroker`, which carry nothing and end at shutdown.

use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::signals::stop_provider;
use crate::interface::Provider;
use crate::proto::plugin as goplugin;

/// `GRPCController`: Terraform's request to exit.
pub(super) struct Controller {
    pub(super) provider: Arc<dyn Provider>,
    pub(super) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        tracing::debug!(rpc = "Shutdown", "served");
        // Stop first: a graceful shutdown waits for requests in flight, and a long wait
        // (an apply polling a cluster) must end and answer now rather than in hours.
        stop_provider(&*self.provider);
        self.shutdown.cancel();
        Ok(Response::new(goplugin::Empty {}))
    }
}

type Pending<T> = Pin<Box<dyn futures_util::Stream<Item = Result<T, Status>> + Send>>;

/// A stream that yields nothing and ends when the plugin shuts down.
fn until_shutdown<T: Send + 'static>(shutdown: CancellationToken) -> Pending<T> {
    Box::pin(
        futures_util::stream::once(async move {
            shutdown.cancelled_owned().await;
        })
        .filter_map(|()| async { None }),
    )
}

/// `GRPCStdio`: we log to stderr directly, so the stream carries nothing.
pub(super) struct Stdio {
    pub(super) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = Pending<goplugin::StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<crate::proto::google::protobuf::Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}

/// `GRPCBroker`: Terraform providers open no extra connections; we read and ignore.
pub(super) struct Broker {
    pub(super) shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = Pending<goplugin::ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<tonic::Streaming<goplugin::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut incoming = request.into_inner();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    next = incoming.next() => if !matches!(next, Some(Ok(_))) { return },
                }
            }
        });
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}
