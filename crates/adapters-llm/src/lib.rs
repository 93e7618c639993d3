//! Chat models behind the domain's [`domain::ports::ChatModel`] port.
//!
//! - [`offline`]: [`OfflineAnalyst`], a deterministic analyst that needs no API key, so the service
//!   runs end to end on a laptop and in tests. It follows the same protocol as a real model: it reads
//!   the question, resolves the period words it understands ("last month", "in October", "vs the
//!   month before", "year over year") into calls of the domain's analyst tools, then answers from
//!   their typed results with the absolute dates they cover, streaming the answer and reporting
//!   estimated token usage. It says plainly what it cannot answer.
//! - [`openai`]: [`OpenAiChatModel`], a real model on any OpenAI-compatible Chat Completions
//!   server (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, llama.cpp, LiteLLM), configured with an
//!   [`OpenAiConfig`]; and [`parse_prices`], the reader of the `LLM_PRICES` price table.
//!
//! Both are a [`domain::ports::ChatModel`]: given a [`domain::analyst::ChatRequest`] (the turns so
//! far, the tools it may call, the client's context), `complete` streams its text to an
//! [`domain::analyst::AnswerSink`] and returns a [`domain::analyst::ModelTurn`] holding either tool
//! calls or the answer. The domain's `ChatService` drives that loop: it runs each call with the
//! analyst tools, hands back the results, checks the answer's figures and stores both messages.
//!
//! # Example: asking the offline analyst a question
//!
//! The whole loop outside the API, on the in-memory stores and demo data (the client has nothing
//! connected), through the domain's `ChatService`:
//!
//! ```
//! use std::sync::Arc;
//!
//! use adapters_llm::OfflineAnalyst;
//! use adapters_memory::MemoryStores;
//! use adapters_system::RandomIds;
//! use chrono::{DateTime, TimeZone, Utc};
//! use domain::client::{ClientName, NewClient};
//! use domain::conversation::MessageContent;
//! use domain::dates::ClientTimeZone;
//! use domain::ids::UserId;
//! use domain::ports::{Clock, DemoDataStore, IdGenerator};
//! use domain::services::chat::{ChatPorts, ChatService, ChatSettings};
//! use domain::services::clients::ClientService;
//! use domain::services::conversations::ConversationService;
//! use domain::services::rate_limit::{RateLimitPolicy, RateLimiter};
//! use domain::tools::AnalystTools;
//!
//! /// A clock fixed on 5 January 2026, so that "last month" is December 2025.
//! struct Fixed(DateTime<Utc>);
//!
//! impl Clock for Fixed {
//!     fn now(&self) -> DateTime<Utc> {
//!         self.0
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let stores = MemoryStores::new();
//!     stores.demo.seed_if_empty(&domain::demo::sample()).await?;
//!     let clock: Arc<dyn Clock> = Arc::new(Fixed(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()));
//!     let ids: Arc<dyn IdGenerator> = Arc::new(RandomIds::new());
//!     let chat = ChatService::new(
//!         ChatPorts {
//!             conversations: stores.conversations.clone(),
//!             clients: stores.clients.clone(),
//!             users: stores.users.clone(),
//!             tools: AnalystTools::new(stores.daily.clone(), stores.snapshots.clone(), stores.demo.clone()),
//!             limiter: RateLimiter::new(stores.rate_limits.clone(), RateLimitPolicy::default()),
//!             model: Arc::new(OfflineAnalyst::new()),
//!             ids: ids.clone(),
//!             clock: clock.clone(),
//!         },
//!         ChatSettings::default(),
//!     );
//!
//!     // A client with nothing connected, and a conversation about it.
//!     let user = UserId::parse("64b000000000000000000007")?;
//!     let new = NewClient { name: ClientName::new("Acme Corp")?, email: None, logo: None, time_zone: ClientTimeZone::UTC };
//!     let client = ClientService::new(stores.clients.clone(), ids.clone(), clock.clone()).create(user, new).await?;
//!     let conversations = ConversationService::new(
//!         stores.conversations.clone(),
//!         stores.clients.clone(),
//!         stores.users.clone(),
//!         ids,
//!         clock,
//!     );
//!     let conversation = conversations.start(user, client.id, None).await?;
//!
//!     let question = MessageContent::new("How much did we spend on Google Ads last month?")?;
//!     let exchange = chat.send(user, conversation.id, question).await?;
//!     println!("{}", exchange.answer.content);
//!
//!     let meta = &exchange.answer.metadata;
//!     assert_eq!(meta.model.as_deref(), Some(adapters_llm::MODEL_NAME));
//!     assert!(meta.demo_data, "nothing is connected, so the figures are demo data");
//!     let working = meta.working.as_ref().expect("the answer keeps its working");
//!     for tool in &working.tools {
//!         println!("called {} over {:?}", tool.name, tool.ranges);
//!     }
//!     assert!(!working.tools.is_empty(), "the analyst answered from its tools");
//!     assert_eq!(exchange.conversation.message_count, 2);
//!     Ok(())
//! }
//! ```

pub mod offline;
pub mod openai;

pub use crate::offline::{MODEL_NAME, OfflineAnalyst};
pub use crate::openai::{OpenAiChatModel, OpenAiConfig, OpenAiConfigError, PriceParseError, ToolChoice, parse_prices};
