//! `drplan emulator` served in the bench's own process, on a free loopback
//! port, for the benches that drive the real Azure client against it: a
//! plan and emulator options in; the emulator (for its counters), the
//! endpoint to reach it, and a handle that stops it out.

use drplan::emulator::{Emulator, EmulatorOptions};
use drplan::plan::Plan;
use drplan::provider::azure::Endpoint;

/// A running emulator.
pub(crate) struct Served {
    pub(crate) emulator: Emulator,
    pub(crate) endpoint: Endpoint,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), drplan::emulator::EmulatorError>>,
}

impl Served {
    /// Serves the emulator of `plan`; call inside a tokio runtime.
    pub(crate) async fn start(plan: &Plan, options: &EmulatorOptions) -> Served {
        let emulator = Emulator::new(plan, options).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(emulator.clone().serve(listener, async {
            let _ = stopped.await;
        }));
        let endpoint = Endpoint {
            resource_manager: url::Url::parse(&base).unwrap(),
            audience: base,
        };
        Served {
            emulator,
            endpoint,
            stop,
            server,
        }
    }

    /// Stops the emulator and waits until it has.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
    }
}
