//! KIP-227 incremental fetch sessions.
//!
//! A client opens a session with `session_id = 0, epoch = 0`; the broker remembers the
//! partitions (and their fetch offsets) and answers later fetches of the session — which
//! list only the partitions that changed — with only the partitions that have news:
//! records, an error, or a moved high watermark, last stable or log start offset.
//! `epoch = -1` fetches without a session (what librdkafka does) or closes one.

use std::collections::{BTreeMap, HashMap};

use fjord_protocol::ErrorCode;
use parking_lot::Mutex;

/// Sessions kept at most, as Kafka's `max.incremental.fetch.session.cache.slots`.
const MAX_SESSIONS: usize = 1000;

/// A partition's identity within a session: the topic name (resolved from the id for
/// v13+) and the partition index.
pub type SessionKey = (String, i32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPartition {
    pub fetch_offset: i64,
    pub max_bytes: i32,
    pub current_leader_epoch: i32,
    /// What the last response said, to tell whether there is news.
    pub last_high_watermark: i64,
    pub last_log_start_offset: i64,
}

struct Session {
    epoch: i32,
    partitions: BTreeMap<SessionKey, SessionPartition>,
}

#[derive(Default)]
pub struct FetchSessionCache {
    sessions: Mutex<HashMap<i32, Session>>,
    next_id: Mutex<i32>,
}

/// How a fetch relates to sessions.
pub enum SessionContext {
    /// No session: answer every requested partition.
    Sessionless,
    /// A new session was opened; answer every partition and report its id.
    New { id: i32 },
    /// An incremental fetch in session `id`: the full partition set (request changes
    /// applied) is returned; answer only partitions with news.
    Incremental {
        id: i32,
        partitions: BTreeMap<SessionKey, SessionPartition>,
    },
}

impl FetchSessionCache {
    /// Applies a request to the cache. `requested` are the partitions in the request,
    /// `forgotten` those it drops. Errors are whole-response errors.
    pub fn begin(
        &self,
        session_id: i32,
        epoch: i32,
        requested: &[(SessionKey, SessionPartition)],
        forgotten: &[SessionKey],
    ) -> Result<SessionContext, ErrorCode> {
        let mut sessions = self.sessions.lock();
        if epoch == -1 {
            if session_id != 0 {
                sessions.remove(&session_id);
            }
            return Ok(SessionContext::Sessionless);
        }
        if epoch == 0 {
            if session_id != 0 {
                sessions.remove(&session_id);
            }
            if sessions.len() >= MAX_SESSIONS {
                return Ok(SessionContext::Sessionless);
            }
            let id = self.allocate_id(&sessions);
            let partitions = requested.iter().cloned().collect();
            sessions.insert(
                id,
                Session {
                    epoch: 1,
                    partitions,
                },
            );
            return Ok(SessionContext::New { id });
        }
        let session = sessions
            .get_mut(&session_id)
            .ok_or(ErrorCode::FETCH_SESSION_ID_NOT_FOUND)?;
        if session.epoch != epoch {
            return Err(ErrorCode::INVALID_FETCH_SESSION_EPOCH);
        }
        session.epoch = session.epoch.wrapping_add(1).max(1);
        for key in forgotten {
            session.partitions.remove(key);
        }
        for (key, partition) in requested {
            let entry = session.partitions.entry(key.clone()).or_insert(*partition);
            entry.fetch_offset = partition.fetch_offset;
            entry.max_bytes = partition.max_bytes;
            entry.current_leader_epoch = partition.current_leader_epoch;
        }
        Ok(SessionContext::Incremental {
            id: session_id,
            partitions: session.partitions.clone(),
        })
    }

    /// Records what was answered for a partition of session `id`.
    pub fn record(
        &self,
        id: i32,
        key: &SessionKey,
        high_watermark: i64,
        log_start_offset: i64,
        next_fetch_offset: Option<i64>,
    ) {
        if let Some(partition) = self
            .sessions
            .lock()
            .get_mut(&id)
            .and_then(|s| s.partitions.get_mut(key))
        {
            partition.last_high_watermark = high_watermark;
            partition.last_log_start_offset = log_start_offset;
            if let Some(offset) = next_fetch_offset {
                partition.fetch_offset = offset;
            }
        }
    }

    fn allocate_id(&self, sessions: &HashMap<i32, Session>) -> i32 {
        let mut next = self.next_id.lock();
        loop {
            *next = next.wrapping_add(1).max(1);
            if !sessions.contains_key(&*next) {
                return *next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(offset: i64) -> SessionPartition {
        SessionPartition {
            fetch_offset: offset,
            max_bytes: 1024,
            current_leader_epoch: -1,
            last_high_watermark: -1,
            last_log_start_offset: -1,
        }
    }

    #[test]
    fn test_fetch_session_lifecycle() {
        let cache = FetchSessionCache::default();
        let key = ("t".to_string(), 0);
        let SessionContext::New { id } = cache
            .begin(0, 0, &[(key.clone(), partition(5))], &[])
            .unwrap()
        else {
            panic!()
        };
        // The next fetch of the session lists nothing new and still covers the partition.
        let SessionContext::Incremental { partitions, .. } = cache.begin(id, 1, &[], &[]).unwrap()
        else {
            panic!()
        };
        assert_eq!(partitions[&key].fetch_offset, 5);
        assert_eq!(
            cache.begin(id, 1, &[], &[]).err(),
            Some(ErrorCode::INVALID_FETCH_SESSION_EPOCH)
        );
        let SessionContext::Incremental { partitions, .. } =
            cache.begin(id, 2, &[], std::slice::from_ref(&key)).unwrap()
        else {
            panic!()
        };
        assert!(partitions.is_empty());
        assert_eq!(
            cache.begin(999, 1, &[], &[]).err(),
            Some(ErrorCode::FETCH_SESSION_ID_NOT_FOUND)
        );
        assert!(matches!(
            cache.begin(id, -1, &[], &[]).unwrap(),
            SessionContext::Sessionless
        ));
        assert_eq!(
            cache.begin(id, 3, &[], &[]).err(),
            Some(ErrorCode::FETCH_SESSION_ID_NOT_FOUND)
        );
    }
}
