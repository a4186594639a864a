//! `fjord broker-api-versions` (Kafka's `kafka-broker-api-versions`): each broker's
//! API versions, and which version this tool would use, in Kafka's format.

use std::process::ExitCode;
use std::time::Duration;

use fjord_client::Connection;
use fjord_protocol::messages::metadata;
use fjord_protocol::ApiKey;

use crate::cli::BrokerApiVersionsArgs;

const TIMEOUT: Duration = Duration::from_secs(30);

pub fn run(args: BrokerApiVersionsArgs) -> ExitCode {
    match execute(&args) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("Error while executing broker api versions command : {message}");
            ExitCode::FAILURE
        }
    }
}

fn execute(args: &BrokerApiVersionsArgs) -> Result<String, String> {
    let mut bootstrap =
        Connection::connect(&args.bootstrap_server, "fjord-broker-api-versions", TIMEOUT)
            .map_err(|e| e.to_string())?;
    let request = metadata::MetadataRequest {
        topics: Some(Vec::new()),
        allow_auto_topic_creation: false,
        include_cluster_authorized_operations: false,
        include_topic_authorized_operations: false,
    };
    let (response, _): (metadata::MetadataResponse, _) = bootstrap
        .send(ApiKey::Metadata, &metadata::VERSIONS, &request)
        .map_err(|e| e.to_string())?;
    let mut report = String::new();
    for broker in &response.brokers {
        let address = format!("{}:{}", broker.host, broker.port);
        let connection = Connection::connect(&address, "fjord-broker-api-versions", TIMEOUT)
            .map_err(|e| e.to_string())?;
        let rack = broker.rack.as_deref().unwrap_or("null");
        report.push_str(&format!(
            "{address} (id: {} rack: {rack}) -> (\n",
            broker.node_id
        ));
        // By API key, as Kafka lists them.
        let mut versions = connection.broker_versions().to_vec();
        versions.sort_by_key(|(key, _)| *key);
        let lines: Vec<String> = versions
            .iter()
            .map(|(key, theirs)| line(*key, theirs))
            .collect();
        report.push_str(&lines.join(",\n"));
        report.push_str("\n)\n");
    }
    Ok(report)
}

/// `Produce(0): 3 to 12 [usable: 12]`, as Kafka's NodeApiVersions prints an API.
fn line(key: i16, theirs: &std::ops::RangeInclusive<i16>) -> String {
    let Some(api) = ApiKey::from_i16(key) else {
        return format!("\tUNKNOWN({key}): {} to {}", theirs.start(), theirs.end());
    };
    let usable = match fjord_broker::handlers::supported_versions(api) {
        None => "[unusable: tool too old]".to_owned(),
        Some(ours) if ours.end() < theirs.start() => "[unusable: node too new]".to_owned(),
        Some(ours) if theirs.end() < ours.start() => "[unusable: node too old]".to_owned(),
        Some(ours) => format!("[usable: {}]", ours.end().min(theirs.end())),
    };
    format!(
        "\t{api:?}({key}): {} to {} {usable}",
        theirs.start(),
        theirs.end()
    )
}
