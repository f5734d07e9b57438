//! Parsed documents and the requests that passed validation, kept so that a repeated query
//! skips the parser and the validator's rules, and automatic persisted queries, which let a
//! client send the SHA-256 of a document it sent before instead of the document.
//!
//! Documents are kept by the SHA-256 of their text, so that one key serves both. Validation
//! is remembered by document, operation and variables, since whether a request is valid
//! can depend on the values its variables give. Both are bounded, least recently used first
//! out; a capacity of 0 keeps nothing. Failures are never kept: a document that fails is
//! parsed or validated again each time, and fails the same way.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, Variables};
use lru::LruCache;
use sha2::{Digest as _, Sha256};

use super::document::count_aliases;

/// The longest query text kept. Longer ones are rare, and would let a few requests fill the
/// memory the cache may take.
const MAX_QUERY_BYTES: usize = 16 * 1024;

/// The longest variables, as JSON, whose validation result is kept.
const MAX_VARIABLES_BYTES: usize = 4 * 1024;

/// A document, the text it was parsed from and its SHA-256, and how many aliases it holds.
#[derive(Debug)]
pub struct CachedDocument {
    pub query: String,
    pub hash: [u8; 32],
    pub document: ExecutableDocument,
    pub aliases: usize,
}

/// The caches of one server, shared by its requests.
pub struct DocumentCache {
    documents: Option<Mutex<LruCache<[u8; 32], Arc<CachedDocument>>>>,
    validated: Option<Mutex<LruCache<ValidationKey, ()>>>,
}

/// What the outcome of validation depends on besides the schema.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ValidationKey {
    document: [u8; 32],
    operation: Option<String>,
    variables: String,
}

impl DocumentCache {
    /// Caches that keep up to `capacity` documents, and as many validation results.
    pub fn new(capacity: usize) -> Self {
        let size = NonZeroUsize::new(capacity);
        Self {
            documents: size.map(|size| Mutex::new(LruCache::new(size))),
            validated: size.map(|size| Mutex::new(LruCache::new(size))),
        }
    }

    /// The document `query` parses to, parsed now or taken from the cache.
    pub fn parse(&self, query: &str) -> Result<Arc<CachedDocument>, ServerError> {
        let hash = sha256(query);
        if let Some(cached) = self.cached(&hash) {
            return Ok(cached);
        }
        let document = parse_query(query)?;
        let parsed = Arc::new(CachedDocument {
            query: query.to_owned(),
            hash,
            aliases: count_aliases(&document),
            document,
        });
        if let Some(documents) = &self.documents
            && query.len() <= MAX_QUERY_BYTES
        {
            lock(documents).put(hash, Arc::clone(&parsed));
        }
        Ok(parsed)
    }

    /// The document a client sent before, by the SHA-256 of its text in hexadecimal.
    pub fn persisted(&self, hash: &str) -> Option<Arc<CachedDocument>> {
        let hash = from_hex(hash)?;
        self.cached(&hash)
    }

    /// Whether `hash` (hexadecimal) is the SHA-256 of `query`.
    pub fn hash_matches(query: &str, hash: &str) -> bool {
        from_hex(hash).is_some_and(|hash| hash == sha256(query))
    }

    /// The key under which a request's passing validation is kept; `None` when it is not
    /// kept, because caching is off or the variables are long.
    pub fn validation_key(
        &self,
        document: &CachedDocument,
        operation: Option<&str>,
        variables: &Variables,
    ) -> Option<ValidationKey> {
        self.validated.as_ref()?;
        let variables = serde_json::to_string(variables).ok()?;
        (variables.len() <= MAX_VARIABLES_BYTES).then(|| ValidationKey {
            document: document.hash,
            operation: operation.map(str::to_owned),
            variables,
        })
    }

    /// Whether the request `key` names passed validation before.
    pub fn was_validated(&self, key: &ValidationKey) -> bool {
        self.validated
            .as_ref()
            .is_some_and(|validated| lock(validated).get(key).is_some())
    }

    /// Remembers that the request `key` names passed validation.
    pub fn remember_validated(&self, key: ValidationKey) {
        if let Some(validated) = &self.validated {
            lock(validated).put(key, ());
        }
    }

    fn cached(&self, hash: &[u8; 32]) -> Option<Arc<CachedDocument>> {
        let documents = self.documents.as_ref()?;
        lock(documents).get(hash).cloned()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while the lock was held leaves nothing half-written: a cache entry is put
    // whole or not at all.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn from_hex(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0_u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(query: &str) -> String {
        sha256(query)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    #[test]
    fn a_repeated_query_is_parsed_once() {
        let cache = DocumentCache::new(2);

        let first = cache.parse("{ a }").unwrap();
        let again = cache.parse("{ a }").unwrap();

        assert!(Arc::ptr_eq(&first, &again));
    }

    #[test]
    fn the_least_recently_used_document_goes_first() {
        let cache = DocumentCache::new(2);
        let a = cache.parse("{ a }").unwrap();
        cache.parse("{ b }").unwrap();
        cache.parse("{ a }").unwrap();
        cache.parse("{ c }").unwrap();

        assert!(Arc::ptr_eq(&a, &cache.parse("{ a }").unwrap()));
        assert!(cache.persisted(&hex("{ b }")).is_none(), "b was evicted");
    }

    #[test]
    fn a_capacity_of_zero_keeps_nothing() {
        let cache = DocumentCache::new(0);
        let first = cache.parse("{ a }").unwrap();

        assert!(!Arc::ptr_eq(&first, &cache.parse("{ a }").unwrap()));
        assert!(
            cache
                .validation_key(&first, None, &Variables::default())
                .is_none()
        );
    }

    #[test]
    fn persisted_documents_are_found_by_their_hash_in_hex() {
        let cache = DocumentCache::new(4);
        let hash = hex("{ a }");

        assert!(cache.persisted(&hash).is_none());
        cache.parse("{ a }").unwrap();

        assert_eq!(cache.persisted(&hash).unwrap().query, "{ a }");
        assert_eq!(
            cache.persisted(&hash.to_uppercase()).unwrap().query,
            "{ a }"
        );
        assert!(cache.persisted("not hex").is_none());
        assert!(DocumentCache::hash_matches("{ a }", &hash));
        assert!(!DocumentCache::hash_matches("{ b }", &hash));
    }
}
