//! `fjord`: the one binary. `fjord server` runs a node; the other subcommands are the
//! Kafka tools (`fjord dump-log`, and later `topics`, `console-producer`, ...). Run
//! under a Kafka tool's name (`kafka-server-start.sh`, ...) it behaves as that tool.

mod cli;
mod server;
mod tools;

fn main() -> std::process::ExitCode {
    cli::main()
}
