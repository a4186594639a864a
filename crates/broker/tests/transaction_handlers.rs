//! The transaction admin handlers (DescribeTransactions, ListTransactions,
//! DescribeProducers) on a broker with real logs, after a transaction was opened
//! through the coordinator and data written to a partition by its producer.

use std::ffi::OsString;
use std::sync::Arc;

use fjord_broker::handlers::{describe_producers, describe_transactions, list_transactions};
use fjord_broker::metadata::BrokerEndpoint;
use fjord_broker::Broker;
use fjord_config::ServerConfig;
use fjord_protocol::messages::describe_producers::{DescribeProducersRequest, TopicRequest};
use fjord_protocol::messages::describe_transactions::DescribeTransactionsRequest;
use fjord_protocol::messages::list_transactions::ListTransactionsRequest;
use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{CompressionType, ErrorCode};
use fjord_storage::{AppendOrigin, LogManager};

struct TestBroker {
    broker: Arc<Broker>,
    _dir: tempfile::TempDir,
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        if let Err(err) = self.broker.logs.shutdown() {
            eprintln!("log manager shutdown failed: {err}");
        }
    }
}

fn start() -> TestBroker {
    let dir = tempfile::tempdir().unwrap();
    let settings = vec![("log.dirs".to_string(), dir.path().display().to_string())];
    let config =
        ServerConfig::load_with_env(None, std::iter::empty::<(OsString, OsString)>(), &settings)
            .unwrap();
    let logs = LogManager::startup(config.log_manager_config()).unwrap();
    let endpoint = BrokerEndpoint {
        node_id: 1,
        listener: "PLAINTEXT".into(),
        host: "localhost".into(),
        port: 9092,
        rack: None,
    };
    let broker = Broker::start(Arc::new(config), logs, vec![endpoint]).unwrap();
    TestBroker { broker, _dir: dir }
}

#[test]
fn test_describe_and_list_transactions_and_producers() {
    let t = start();
    let broker = &t.broker;
    broker
        .create_topic("orders", 2, 1, Vec::new(), false)
        .unwrap();
    broker.ensure_transaction_topic().unwrap();
    let (pid, epoch) = broker.txns.init_producer_id("shop", 60_000, None).unwrap();
    broker
        .txns
        .add_partitions("shop", pid, epoch, &[("orders".to_owned(), 1)])
        .unwrap();
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, 1_000)
        .with_producer(pid, epoch, 0)
        .with_transactional(true);
    builder.append(0, 1_000, Some(b"k"), Some(b"v"), &[]);
    let mut batch = builder.build().unwrap();
    let (log, leader_epoch) = broker.leader_log("orders", 1).unwrap();
    log.append_as_leader(&mut batch, leader_epoch, AppendOrigin::Client)
        .unwrap();

    let described = describe_transactions::handle(
        broker,
        &DescribeTransactionsRequest {
            transactional_ids: vec!["shop".into(), "nobody".into()],
        },
        0,
    );
    let shop = &described.transaction_states[0];
    assert_eq!(shop.error_code, ErrorCode::NONE);
    assert_eq!(shop.transaction_state, "Ongoing");
    assert_eq!((shop.producer_id, shop.producer_epoch), (pid, epoch));
    assert_eq!(shop.topics[0].topic, "orders");
    assert_eq!(shop.topics[0].partitions, vec![1]);
    assert_eq!(
        described.transaction_states[1].error_code,
        ErrorCode::TRANSACTIONAL_ID_NOT_FOUND
    );

    let listed = list_transactions::handle(
        broker,
        &ListTransactionsRequest {
            state_filters: vec!["Ongoing".into(), "Bogus".into()],
            producer_id_filters: Vec::new(),
            duration_filter: -1,
        },
        1,
    );
    assert_eq!(listed.unknown_state_filters, vec!["Bogus".to_owned()]);
    assert_eq!(listed.transaction_states.len(), 1);
    assert_eq!(listed.transaction_states[0].transactional_id, "shop");

    let producers = describe_producers::handle(
        broker,
        &DescribeProducersRequest {
            topics: vec![TopicRequest {
                name: "orders".into(),
                partition_indexes: vec![1, 7],
            }],
        },
        0,
    );
    let partitions = &producers.topics[0].partitions;
    let active = &partitions[0].active_producers;
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].producer_id, pid);
    assert_eq!(active[0].current_txn_start_offset, 0);
    assert_eq!(
        partitions[1].error_code,
        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
    );

    broker
        .txns
        .end_txn("shop", pid, epoch, false, false)
        .unwrap();
    assert_eq!(log.last_stable_offset(), log.log_end_offset());
    let aborted = log.collect_aborted_transactions(0, log.log_end_offset());
    assert_eq!(aborted.len(), 1);
    assert_eq!(aborted[0].producer_id, pid);
}
