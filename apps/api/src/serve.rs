//! Serving the router over HTTP/1.1 on hyper's connection builder, for a setting `axum::serve`
//! does not offer.
//!
//! **Half-closed reads**: while a response is being written, hyper by default keeps reading the
//! socket to notice a client that hangs up, and that read takes a fresh 8–16 KiB buffer for every
//! connection whose request is still held; an open chat stream held it for the whole answer (10 of
//! its 49 KiB, `docs/performance.md`). With half-closed reads allowed, a client that goes away is
//! noticed at the next write instead: the next delta, or the stream's keep-alive comment within
//! 15 seconds. The answer does not depend on it: it is finished and stored whatever becomes of the
//! stream. Likewise a request still being handled when its client leaves runs to its end (within
//! `REQUEST_TIMEOUT_SECS`) instead of being dropped, and its response is discarded.
//!
//! No header timeout is set: hyper's also closes idle keep-alive connections, and a backend that
//! closes them before its load balancer does (60 seconds on common ones) turns requests into 502s.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// How long accepting pauses after an error that is not one connection's own (out of file
/// descriptors, say), as `axum::serve` does.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `signal` completes, then stops accepting and waits for the
/// connections in flight to finish their requests.
pub(crate) async fn serve(listener: TcpListener, router: Router, signal: impl Future<Output = ()>) {
    let mut http = http1::Builder::new();
    http.half_close(true);
    let graceful = GracefulShutdown::new();
    let mut signal = pin!(signal);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "cannot accept a connection; pausing");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        // Each connection gets a clone of the finished router (one Arc): serving a `Router` per
        // connection otherwise rebuilds every route's service (docs/performance.md).
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Errors of one connection that does not affect accepting the next.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::{Notify, oneshot};

    use super::*;

    const GET: &[u8] = b"GET /r HTTP/1.1\r\nhost: test\r\n\r\n";
    /// Bounds how long a test waits for what it expects; reaching it fails the test.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// Serves `router` on a loopback port until `stop` fires; the address and the serving task.
    async fn start(router: Router, stop: oneshot::Receiver<()>) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(serve(listener, router, async move {
            let _ = stop.await;
        }));
        (addr, task)
    }

    async fn read_some(stream: &mut TcpStream) -> String {
        let mut buf = vec![0; 4096];
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await.expect("a reply in time").expect("read");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[tokio::test]
    async fn stopping_refuses_new_connections_and_finishes_the_request_in_flight() {
        let (entered, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let (e, r) = (entered.clone(), release.clone());
        let router = Router::new().route(
            "/r",
            get(move || async move {
                e.notify_one();
                r.notified().await;
                "finished"
            }),
        );
        let (stop_tx, stop_rx) = oneshot::channel();
        let (addr, serving) = start(router, stop_rx).await;
        let mut client = TcpStream::connect(addr).await.expect("connect");
        client.write_all(GET).await.expect("write");
        tokio::time::timeout(PATIENCE, entered.notified()).await.expect("the handler runs");

        stop_tx.send(()).expect("the server listens for the signal");
        tokio::time::timeout(PATIENCE, async {
            while TcpStream::connect(addr).await.is_ok() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("new connections are refused once stopping");
        assert!(!serving.is_finished(), "a request is still in flight");

        release.notify_one();
        let reply = read_some(&mut client).await;
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.ends_with("finished"), "{reply}");
        tokio::time::timeout(PATIENCE, serving).await.expect("serving ends once the request is done").expect("join");
    }

    /// Sends on its channel when the response body it lives in is dropped.
    struct DropSignal(Option<oneshot::Sender<()>>);

    impl Drop for DropSignal {
        fn drop(&mut self) {
            if let Some(tx) = self.0.take() {
                let _ = tx.send(());
            }
        }
    }

    #[tokio::test]
    async fn a_stream_whose_client_hangs_up_is_dropped_at_its_next_write() {
        let (dropped_tx, dropped_rx) = oneshot::channel();
        let guard = Arc::new(std::sync::Mutex::new(Some(DropSignal(Some(dropped_tx)))));
        let router = Router::new().route(
            "/r",
            get(move || async move {
                let signal = guard.lock().expect("lock").take();
                let ticks = futures::stream::unfold(signal, |signal| async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((Ok::<_, std::convert::Infallible>("data: tick\n\n"), signal))
                });
                Body::from_stream(ticks)
            }),
        );
        let (_stop, stop_rx) = oneshot::channel();
        let (addr, _serving) = start(router, stop_rx).await;
        let mut client = TcpStream::connect(addr).await.expect("connect");
        client.write_all(GET).await.expect("write");
        let reply = read_some(&mut client).await;
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

        drop(client);
        tokio::time::timeout(PATIENCE, dropped_rx)
            .await
            .expect("the server drops the stream once writing to the gone client fails")
            .expect("signalled");
    }
}
