//! The in-memory stores against the storage ports' contract.

use adapters_memory::MemoryStores;

// The macro takes an async expression (a real database needs one to connect); these need none.
store_contract::contract_tests!(async { MemoryStores::new().ports() });
