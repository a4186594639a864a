//! The command line: `fjord <subcommand>`, and the Kafka tool names that stand for a
//! subcommand when the binary is invoked under them (argv[0] dispatch).
//!
//! Adding a tool: a variant in [`Command`] with its args struct here, a module under
//! `tools/` with `run(args)`, an arm in [`main`], and its Kafka script name in
//! [`KAFKA_TOOL_ALIASES`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::{server, tools};

/// Kafka's script names (without `.sh`) and the subcommand each one runs.
pub const KAFKA_TOOL_ALIASES: &[(&str, &str)] = &[
    ("kafka-server-start", "server"),
    ("kafka-dump-log", "dump-log"),
    ("kafka-topics", "topics"),
    ("kafka-broker-api-versions", "broker-api-versions"),
    ("kafka-console-producer", "console-producer"),
];

#[derive(Debug, Parser)]
#[command(
    name = "fjord",
    version,
    about = "Fjord: a Kafka-compatible event streaming platform in one binary."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a node (broker and controller) with its logs under log.dirs.
    Server(ServerArgs),
    /// Print the contents of log segments and indexes (Kafka's kafka-dump-log).
    DumpLog(DumpLogArgs),
    /// Create, list, describe, alter and delete topics (Kafka's kafka-topics).
    Topics(TopicsArgs),
    /// Each broker's API versions (Kafka's kafka-broker-api-versions).
    BrokerApiVersions(BrokerApiVersionsArgs),
    /// Create links named after Kafka's tools (kafka-topics, kafka-topics.sh, ...) in DIR.
    InstallAliases(InstallAliasesArgs),
    /// Produce lines of stdin as records (Kafka's kafka-console-producer).
    ConsoleProducer(ConsoleProducerArgs),
}

/// `fjord console-producer` with kafka-console-producer's flags.
#[derive(Debug, Args)]
pub struct ConsoleProducerArgs {
    #[arg(long, value_name = "SERVERS")]
    pub bootstrap_server: Option<String>,
    /// The older name of --bootstrap-server.
    #[arg(long, value_name = "SERVERS")]
    pub broker_list: Option<String>,
    #[arg(long, value_name = "TOPIC")]
    pub topic: String,
    /// Reader properties: parse.key=true, key.separator=SEP. Repeatable.
    #[arg(long, value_name = "PROP=VALUE", value_parser = parse_override_arg)]
    pub property: Vec<(String, String)>,
    /// Producer configs: acks, compression.type. Repeatable.
    #[arg(long, value_name = "PROP=VALUE", value_parser = parse_override_arg)]
    pub producer_property: Vec<(String, String)>,
    /// Send each line on its own, waiting for its answer.
    #[arg(long)]
    pub sync: bool,
    /// none, gzip, snappy, lz4 or zstd.
    #[arg(long, value_name = "CODEC")]
    pub compression_codec: Option<String>,
}

/// `fjord install-aliases DIR`.
#[derive(Debug, Args)]
pub struct InstallAliasesArgs {
    /// Where the links go (created if missing), e.g. ~/.local/bin.
    pub dir: PathBuf,
}

/// `fjord broker-api-versions --bootstrap-server SERVERS`.
#[derive(Debug, Args)]
pub struct BrokerApiVersionsArgs {
    /// The broker(s) to ask for the cluster's brokers, host:port[,host:port].
    #[arg(long, value_name = "SERVERS")]
    pub bootstrap_server: String,
    /// Client security properties (read by later versions; plaintext needs none).
    #[arg(long, value_name = "FILE")]
    pub command_config: Option<PathBuf>,
}

/// `fjord topics` with kafka-topics' flags.
#[derive(Debug, Args)]
pub struct TopicsArgs {
    /// The broker(s) to connect to, host:port[,host:port].
    #[arg(long, value_name = "SERVERS")]
    pub bootstrap_server: Option<String>,
    /// Client security properties (read by later versions; plaintext needs none).
    #[arg(long, value_name = "FILE")]
    pub command_config: Option<PathBuf>,
    #[arg(long)]
    pub create: bool,
    #[arg(long)]
    pub list: bool,
    #[arg(long)]
    pub describe: bool,
    #[arg(long)]
    pub alter: bool,
    #[arg(long)]
    pub delete: bool,
    /// A topic name, or a regular expression matching whole names.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Option<String>,
    #[arg(long, value_name = "N")]
    pub partitions: Option<i32>,
    #[arg(long, value_name = "N")]
    pub replication_factor: Option<i16>,
    /// A topic config override, name=value. Repeatable.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_override_arg)]
    pub config: Vec<(String, String)>,
    #[arg(long)]
    pub if_not_exists: bool,
    #[arg(long)]
    pub if_exists: bool,
    #[arg(long)]
    pub exclude_internal: bool,
    #[arg(long)]
    pub under_replicated_partitions: bool,
}

/// `fjord server [FILE | --config FILE] [--override key=value ...]`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// A server.properties-style file with Kafka's configuration keys.
    #[arg(long, value_name = "FILE", conflicts_with = "config_file")]
    pub config: Option<PathBuf>,
    /// The same file given positionally, as kafka-server-start.sh takes it.
    #[arg(value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Set a configuration key, over the file and FJORD_* environment variables.
    /// Repeatable.
    #[arg(long = "override", value_name = "KEY=VALUE", value_parser = parse_override_arg)]
    pub overrides: Vec<(String, String)>,
}

impl ServerArgs {
    pub fn config_path(&self) -> Option<&Path> {
        self.config.as_deref().or(self.config_file.as_deref())
    }
}

/// `fjord dump-log --files FILES [--print-data-log] [--deep-iteration]`.
#[derive(Debug, Args)]
pub struct DumpLogArgs {
    /// Segment (.log) and index (.index, .timeindex) files, comma-separated or repeated.
    #[arg(long, value_name = "FILES", value_delimiter = ',', required = true)]
    pub files: Vec<PathBuf>,
    /// Print each record's key, value and headers.
    #[arg(long)]
    pub print_data_log: bool,
    /// Print every record inside batches, not just the batch headers.
    #[arg(long)]
    pub deep_iteration: bool,
}

fn parse_override_arg(arg: &str) -> Result<(String, String), String> {
    fjord_config::parse_override(arg).map_err(|e| e.to_string())
}

/// If argv[0] names a Kafka tool (`kafka-server-start`, `kafka-dump-log.sh`, ...),
/// the arguments of the `fjord` subcommand that tool stands for.
pub fn rewrite_tool_alias(args: Vec<OsString>) -> Vec<OsString> {
    let Some(subcommand) = args.first().and_then(|argv0| tool_alias(Path::new(argv0))) else {
        return args;
    };
    let mut rewritten = Vec::with_capacity(args.len() + 1);
    rewritten.push(OsString::from("fjord"));
    rewritten.push(OsString::from(subcommand));
    rewritten.extend(args.into_iter().skip(1));
    rewritten
}

fn tool_alias(program: &Path) -> Option<&'static str> {
    let name = program.file_name()?.to_str()?;
    let name = name.strip_suffix(".sh").unwrap_or(name);
    KAFKA_TOOL_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, subcommand)| *subcommand)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse_from(rewrite_tool_alias(std::env::args_os().collect()));
    match cli.command {
        Command::Server(args) => server::run(args),
        Command::DumpLog(args) => report(tools::dump_log::run(args)),
        Command::Topics(args) => tools::topics::run(args),
        Command::BrokerApiVersions(args) => tools::broker_api_versions::run(args),
        Command::InstallAliases(args) => report(tools::install_aliases::run(args)),
        Command::ConsoleProducer(args) => tools::console_producer::run(args),
    }
}

/// A tool's outcome as an exit code, the error on stderr as one line.
fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn test_cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn test_rewrite_tool_alias() {
        assert_eq!(
            rewrite_tool_alias(os(&[
                "/opt/kafka/bin/kafka-server-start.sh",
                "server.properties"
            ])),
            os(&["fjord", "server", "server.properties"])
        );
        assert_eq!(
            rewrite_tool_alias(os(&["kafka-dump-log", "--files", "a.log"])),
            os(&["fjord", "dump-log", "--files", "a.log"])
        );
        let plain = os(&["/usr/bin/fjord", "server"]);
        assert_eq!(rewrite_tool_alias(plain.clone()), plain);
        assert_eq!(rewrite_tool_alias(Vec::new()), Vec::<OsString>::new());
    }

    #[test]
    fn test_server_args() {
        let cli = Cli::try_parse_from([
            "fjord",
            "server",
            "server.properties",
            "--override",
            "num.partitions=3",
            "--override",
            "listeners=PLAINTEXT://:9092,CONTROLLER://:9093",
        ])
        .unwrap();
        let Command::Server(args) = cli.command else {
            panic!("not server")
        };
        assert_eq!(args.config_path(), Some(Path::new("server.properties")));
        assert_eq!(args.overrides.len(), 2);
        assert_eq!(args.overrides[1].1, "PLAINTEXT://:9092,CONTROLLER://:9093");

        let cli = Cli::try_parse_from(["fjord", "server", "--config", "a.properties"]).unwrap();
        let Command::Server(args) = cli.command else {
            panic!("not server")
        };
        assert_eq!(args.config_path(), Some(Path::new("a.properties")));

        assert!(Cli::try_parse_from(["fjord", "server", "--config", "a", "b"]).is_err());
        assert!(Cli::try_parse_from(["fjord", "server", "--override", "novalue"]).is_err());
    }

    #[test]
    fn test_dump_log_args() {
        let cli = Cli::try_parse_from([
            "fjord",
            "dump-log",
            "--files",
            "a.log,b.index",
            "--files",
            "c.timeindex",
            "--print-data-log",
        ])
        .unwrap();
        let Command::DumpLog(args) = cli.command else {
            panic!("not dump-log")
        };
        assert_eq!(
            args.files,
            [
                PathBuf::from("a.log"),
                PathBuf::from("b.index"),
                PathBuf::from("c.timeindex")
            ]
        );
        assert!(args.print_data_log);
        assert!(!args.deep_iteration);
        assert!(Cli::try_parse_from(["fjord", "dump-log"]).is_err());
    }
}
