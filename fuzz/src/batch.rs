//! Record batches from the wire or a log file: framing, header fields, CRC, records
//! (after decompression), and the builder that rewrites a batch (the log cleaner's path).

use fjord_protocol::record_batch::{batch_size_from_prefix, BatchIter, LOG_OVERHEAD, MAGIC_V2};
use fjord_protocol::records::{BatchRecords, Record, RecordBatchBuilder, RecordError};
use fjord_protocol::{
    BatchError, CompressionType, RecordBatch, RecordBatchMut, RECORD_BATCH_OVERHEAD,
};

/// Batches whose records decode to more than this are not rebuilt: compressing a
/// 256 MiB payload again would make one input take seconds and tells us nothing new.
const REBUILD_LIMIT: usize = 4 * 1024 * 1024;

/// Reads `bytes` as a sequence of record batches (a produce request's records, a fetch
/// response's, a segment file) and checks every batch in it.
pub fn check_log(bytes: &[u8]) {
    if let Ok(size) = batch_size_from_prefix(bytes) {
        assert!(
            size >= RECORD_BATCH_OVERHEAD,
            "batch size {size} below the header size"
        );
    }
    if let Ok(header) = RecordBatch::parse_header(bytes) {
        assert_eq!(header.size(), RECORD_BATCH_OVERHEAD);
        read_header(&header);
    }
    let mut consumed = 0usize;
    for batch in BatchIter::new(bytes) {
        let Ok(batch) = batch else { break };
        consumed += batch.size();
        check_batch(&batch);
    }
    assert!(consumed <= bytes.len());
    if let Ok(batch) = RecordBatch::parse_exact(bytes) {
        assert_eq!(batch.size(), bytes.len());
    }
}

/// True if `bytes` is one or more batches that validate and whose records all decode.
pub fn holds_valid_batches(bytes: &[u8]) -> bool {
    let mut any = false;
    for batch in BatchIter::new(bytes) {
        let Ok(batch) = batch else { return false };
        if batch.validate().is_err() {
            return false;
        }
        let Ok(records) = BatchRecords::decode(&batch) else {
            return false;
        };
        if records.iter().any(|r| r.is_err()) {
            return false;
        }
        any = true;
    }
    any
}

/// Every header accessor, with the invariants of a parsed batch's framing.
fn read_header(batch: &RecordBatch<'_>) {
    let _ = batch.base_offset();
    let _ = batch.last_offset();
    let _ = batch.next_offset();
    let _ = batch.partition_leader_epoch();
    let _ = batch.magic();
    let _ = batch.crc();
    let _ = batch.compute_crc();
    let attributes = batch.attributes();
    assert_eq!(
        batch.compression().map(CompressionType::id),
        CompressionType::from_id((attributes & 0x07) as u8).map(CompressionType::id)
    );
    let _ = batch.is_log_append_time();
    let _ = batch.is_transactional();
    let _ = batch.is_control();
    let _ = batch.has_delete_horizon();
    let _ = batch.last_offset_delta();
    let _ = batch.base_timestamp();
    let _ = batch.max_timestamp();
    let _ = batch.producer_id();
    let _ = batch.producer_epoch();
    let _ = batch.base_sequence();
    let _ = batch.records_count();
    let _ = batch.records_payload();
    let _ = format!("{batch:?}");
}

fn check_batch(batch: &RecordBatch<'_>) {
    read_header(batch);
    let length = usize::try_from(batch.batch_length()).expect("a parsed batch has a length");
    assert_eq!(batch.size(), length + LOG_OVERHEAD);
    assert_eq!(
        batch.records_payload().len(),
        batch.size() - RECORD_BATCH_OVERHEAD
    );
    let validation = batch.validate();
    if validation.is_ok() {
        assert_eq!(batch.magic(), MAGIC_V2);
        assert_eq!(batch.crc(), batch.compute_crc());
    }
    check_rewrite_in_place(batch, &validation);
    check_records(batch);
}

/// What the leader's append does to a batch in the request frame: assign offsets, stamp
/// the leader epoch (and the log append time), fix the CRC. Done on a copy.
fn check_rewrite_in_place(batch: &RecordBatch<'_>, validation: &Result<(), BatchError>) {
    let mut copy = batch.as_bytes().to_vec();
    let mut batch_mut = RecordBatchMut::parse_prefix(&mut copy).expect("a parsed batch parses");
    batch_mut.update_crc();
    let fixed = batch_mut.as_batch().validate();
    match (validation, &fixed) {
        (_, Err(BatchError::CorruptCrc { .. })) => panic!("CRC still wrong after update_crc"),
        (Ok(()), Err(err)) => panic!("a valid batch became invalid after update_crc: {err}"),
        _ => {}
    }
    batch_mut.set_base_offset(batch.base_offset().wrapping_add(1));
    batch_mut.set_partition_leader_epoch(batch.partition_leader_epoch().wrapping_add(1));
    batch_mut.set_log_append_time(batch.base_timestamp());
    let rewritten = batch_mut.as_batch();
    assert!(rewritten.is_log_append_time());
    assert_eq!(rewritten.max_timestamp(), batch.base_timestamp());
    assert_eq!(rewritten.validate().is_ok(), fixed.is_ok());
    assert_eq!(rewritten.records_payload(), batch.records_payload());
}

/// Decompresses and walks the records; rebuilds the batch from them when they all
/// decode.
fn check_records(batch: &RecordBatch<'_>) {
    let records = match BatchRecords::decode(batch) {
        Ok(records) => records,
        Err(RecordError::UnknownCompression { id }) => {
            assert!(CompressionType::from_id(id).is_none());
            assert!(batch.compression().is_none());
            return;
        }
        Err(_) => return,
    };
    assert_eq!(records.records_count(), batch.records_count());
    let mut parsed = Vec::new();
    let mut complete = true;
    let mut consumed = 0usize;
    for record in &records {
        match record {
            Ok(record) => {
                read_record(&record, batch);
                consumed += record.raw.len();
                parsed.push(record);
            }
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    assert!(consumed <= records.payload().len());
    if complete {
        assert_eq!(consumed, records.payload().len());
        assert_eq!(parsed.len() as i64, i64::from(batch.records_count()));
        if records.payload().len() <= REBUILD_LIMIT {
            check_rebuild(batch, &parsed);
        }
    }
}

fn read_record(record: &Record<'_>, batch: &RecordBatch<'_>) {
    let _ = record.offset(batch.base_offset());
    let _ = record.timestamp(batch.base_timestamp());
    let _ = record.timestamp_in(batch);
    let _ = record.key.map(<[u8]>::len);
    let _ = record.value.map(<[u8]>::len);
    for header in &record.headers {
        let _ = (header.key.len(), header.value.map(<[u8]>::len));
    }
}

/// `RecordBatchBuilder::from_batch_header` + `append_raw` of every record gives a valid
/// batch with the same header and the same records.
fn check_rebuild(batch: &RecordBatch<'_>, parsed: &[Record<'_>]) {
    let mut builder =
        RecordBatchBuilder::from_batch_header(batch).expect("the codec decoded, so it is known");
    for record in parsed {
        builder.append_raw(record);
    }
    assert_eq!(builder.records_count(), parsed.len());
    let rebuilt = builder
        .build()
        .expect("records that fit in a batch rebuild");
    let view = RecordBatch::parse_exact(&rebuilt).expect("a built batch parses");
    match view.validate() {
        Ok(()) => {}
        Err(BatchError::InvalidHeader(_)) if batch.last_offset_delta() < 0 => {}
        Err(err) => panic!("rebuilt batch is invalid: {err}"),
    }
    assert_eq!(view.base_offset(), batch.base_offset());
    assert_eq!(
        view.partition_leader_epoch(),
        batch.partition_leader_epoch()
    );
    assert_eq!(view.attributes(), batch.attributes());
    assert_eq!(view.last_offset_delta(), batch.last_offset_delta());
    assert_eq!(view.base_timestamp(), batch.base_timestamp());
    if batch.is_log_append_time() {
        assert_eq!(view.max_timestamp(), batch.max_timestamp());
    }
    assert_eq!(view.producer_id(), batch.producer_id());
    assert_eq!(view.producer_epoch(), batch.producer_epoch());
    assert_eq!(view.base_sequence(), batch.base_sequence());
    assert_eq!(view.records_count(), batch.records_count());
    if batch.compression() == Some(CompressionType::None) {
        assert_eq!(view.records_payload(), batch.records_payload());
    }
    let again = BatchRecords::decode(&view).expect("a rebuilt batch decompresses");
    let again: Vec<Record<'_>> = again
        .iter()
        .collect::<Result<_, _>>()
        .expect("a rebuilt batch's records decode");
    assert_eq!(again.as_slice(), parsed);
}
