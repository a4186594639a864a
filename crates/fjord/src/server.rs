//! `fjord server`: load the configuration, open (recover) the logs, run until SIGINT or
//! SIGTERM, shut down cleanly.
//!
//! [`Server`] owns what a node runs. Today that is the log manager; the Kafka listener
//! and the HTTP services (Schema Registry, Connect, console) join it as tasks started
//! in [`Server::start`] and stopped in [`Server::shutdown`], so that `run` stays the
//! same: start, wait for a signal (or a task failing), shut down.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use fjord_broker::metadata::BrokerEndpoint;
use fjord_broker::network::ConnectionConfig;
use fjord_broker::Broker;
use fjord_config::ServerConfig;
use fjord_storage::LogManager;
use tracing_subscriber::EnvFilter;

use crate::cli::ServerArgs;

pub fn run(args: ServerArgs) -> ExitCode {
    init_tracing();
    let config = match ServerConfig::load(args.config_path(), &args.overrides) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("fjord server: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("fjord")
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("fjord server: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let shutdown = shutdown_signal()?;
        let server = Server::start(config).await?;
        server.run_until_shutdown(shutdown).await
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fjord server: {}", error_chain(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, skipping a cause whose text the message
/// before it already includes (errors that print their source as well as return it).
fn error_chain(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Fails only if a subscriber is already installed, which then keeps logging.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// A running node.
pub struct Server {
    config: Arc<ServerConfig>,
    log_manager: Arc<LogManager>,
    /// Turned to `true` to stop the listeners.
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Opens every log dir (creating missing ones, recovering logs after an unclean
    /// stop), opens the cluster metadata, and starts the Kafka listeners.
    pub async fn start(config: ServerConfig) -> anyhow::Result<Self> {
        log_config_summary(&config);
        let config = Arc::new(config);
        let log_manager_config = config.log_manager_config();
        let log_manager =
            tokio::task::spawn_blocking(move || LogManager::startup(log_manager_config))
                .await
                .context("log manager startup panicked")?
                .context("cannot open the logs")?;
        let listeners: Vec<_> = config.broker_listeners().cloned().collect();
        let bound = fjord_broker::network::bind(&listeners).await?;
        let endpoints = advertised_endpoints(&config, &bound);
        let broker = {
            let (config, log_manager) = (Arc::clone(&config), Arc::clone(&log_manager));
            tokio::task::spawn_blocking(move || Broker::start(config, log_manager, endpoints))
                .await
                .context("broker startup panicked")?
                .context("cannot open the cluster metadata")?
        };
        // Session expiry, rebalance deadlines and offset expiry of consumer groups.
        tokio::spawn(Arc::clone(&broker.groups).run_clock());
        // Aborting transactions open past their timeout, finishing interrupted ones.
        tokio::spawn(fjord_broker::transaction_coordination::run_clock(
            Arc::clone(&broker),
        ));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let connection_config = ConnectionConfig {
            max_request_bytes: config.socket_request_max_bytes.max(0) as usize,
            idle_timeout: std::time::Duration::from_millis(
                config.connections_max_idle_ms.max(1) as u64
            ),
            max_in_flight: 32,
        };
        let tasks = bound
            .into_iter()
            .map(|listener| {
                tokio::spawn(fjord_broker::network::serve(
                    listener,
                    Arc::clone(&broker),
                    connection_config.clone(),
                    stopped.clone(),
                ))
            })
            .collect();
        tracing::info!(node.id = config.node_id, "Fjord server started");
        Ok(Self {
            config,
            log_manager,
            stop,
            tasks,
        })
    }

    /// Runs until `shutdown` completes, then shuts down cleanly.
    pub async fn run_until_shutdown(
        self,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        shutdown.await;
        self.shutdown().await
    }

    /// Stops the listeners, then flushes and checkpoints every log.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        tracing::info!(node.id = self.config.node_id, "Fjord server shutting down");
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        let log_manager = self.log_manager;
        tokio::task::spawn_blocking(move || log_manager.shutdown())
            .await
            .context("log manager shutdown panicked")?
            .context("cannot shut the logs down cleanly")?;
        tracing::info!("Fjord server stopped");
        Ok(())
    }
}

/// This node's advertised addresses, one per advertised listener, with port 0 replaced
/// by the port that listener was bound to.
fn advertised_endpoints(
    config: &ServerConfig,
    bound: &[fjord_broker::network::BoundListener],
) -> Vec<BrokerEndpoint> {
    config
        .advertised_listeners
        .iter()
        .map(|advertised| {
            let port = match advertised.port {
                0 => bound
                    .iter()
                    .find(|b| b.name == advertised.name)
                    .map_or(0, |b| b.local_addr.port()),
                port => port,
            };
            BrokerEndpoint {
                node_id: config.node_id,
                listener: advertised.name.clone(),
                host: advertised.host.clone(),
                port: port as i32,
                rack: config.broker_rack.clone(),
            }
        })
        .collect()
}

/// A future that completes on the first SIGINT (Ctrl-C) or SIGTERM. The handlers are
/// installed when this is called, not when the future is first polled: a signal that
/// arrives while the server is still starting is kept, and stops it once started.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut sigint = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let mut sigterm = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = sigint.recv() => tracing::info!("received SIGINT"),
                _ = sigterm.recv() => tracing::info!("received SIGTERM"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!(%err, "cannot listen for Ctrl-C; stopping");
            }
        })
    }
}

fn log_config_summary(config: &ServerConfig) {
    let join = |items: Vec<String>| items.join(",");
    tracing::info!(
        node.id = config.node_id,
        process.roles = %join(config.process_roles.iter().map(ToString::to_string).collect()),
        // Not `log.dirs`: the fmt layer hides fields under `log.` (the `log` crate's).
        log_dirs = %join(config.log_dirs.iter().map(|d| d.display().to_string()).collect()),
        "starting Fjord server"
    );
    tracing::info!(
        listeners = %join(config.listeners.iter().map(ToString::to_string).collect()),
        advertised.listeners = %join(config.advertised_listeners.iter().map(ToString::to_string).collect()),
        schema.registry.listeners = %join(config.schema_registry_listeners.iter().map(ToString::to_string).collect()),
        connect.listeners = %join(config.connect_listeners.iter().map(ToString::to_string).collect()),
        console.listeners = %join(config.console_listeners.iter().map(ToString::to_string).collect()),
        "configured listeners (HTTP services not served yet)"
    );
    for entry in config.describe() {
        let value = entry.value.as_deref().unwrap_or("null");
        if entry.source.is_default() {
            tracing::debug!("config {} = {value} (default)", entry.name);
        } else {
            tracing::info!("config {} = {value} (from {})", entry.name, entry.source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_error_chain_skips_repeated_causes() {
        let io = std::io::Error::other("disk on fire");
        let err = anyhow::Error::new(io)
            .context("I/O error on /data: disk on fire")
            .context("cannot open the logs");
        assert_eq!(
            error_chain(&err),
            "cannot open the logs: I/O error on /data: disk on fire"
        );
    }
}
