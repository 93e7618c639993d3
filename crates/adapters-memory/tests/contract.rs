//! The in-memory stores against the storage ports' contract.

use std::sync::Arc;

use adapters_memory::MemoryStores;
use store_contract::Stores;

/// Fresh, empty in-memory stores as the contract takes them.
fn fresh_memory_stores() -> Stores {
    let stores = MemoryStores::new();
    Stores {
        clients: stores.clients,
        conversations: Arc::clone(&stores.conversations) as _,
        retention: stores.conversations,
        users: stores.users,
        demo: stores.demo,
        snapshots: stores.snapshots,
        rate_limits: stores.rate_limits,
        job_lock: stores.job_lock,
    }
}

// The macro takes an async expression (a real database needs one to connect); these need none.
store_contract::contract_tests!(async { fresh_memory_stores() });
