//! The command line: subcommands and options, each option also an environment variable.

use std::net::SocketAddr;

use clap::{Parser, Subcommand, ValueEnum};

/// The GraphQL API of the platform for the entities and centres associated with ASEAN.
#[derive(Debug, Parser)]
#[command(name = "entities-hub", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub options: Options,
}

/// The subcommands.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Migrate the database, load the sample directory if it is empty, and serve the API.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Migrate, then load the sample directory (idempotent: run it as often as you like).
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Manage accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// What `seed` loads beside the sample directory.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct SeedArgs {
    /// Also load synthetic data at scale, for benchmarks: once, later runs leave it be.
    /// Every synthetic user (`user1@synthetic.example` and on) has the password
    /// "synthetic password".
    #[arg(long)]
    pub synthetic: bool,
    /// Synthetic organisations.
    #[arg(long, default_value_t = 1_000, requires = "synthetic")]
    pub organisations: usize,
    /// Synthetic users: at least one per organisation, each a member of one.
    #[arg(long, default_value_t = 2_000, requires = "synthetic")]
    pub users: usize,
    /// Synthetic posts, spread over the organisations, two tags each.
    #[arg(long, default_value_t = 50_000, requires = "synthetic")]
    pub posts: usize,
    /// Synthetic threads, each between two organisations.
    #[arg(long, default_value_t = 10_000, requires = "synthetic")]
    pub threads: usize,
    /// Synthetic messages, spread over the threads.
    #[arg(long, default_value_t = 100_000, requires = "synthetic")]
    pub messages: usize,
    /// The seed of the synthetic data: the same seed and sizes give the same rows.
    #[arg(long, default_value_t = 1, requires = "synthetic")]
    pub random_seed: u64,
}

/// Account management.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum AdminCommand {
    /// Create a Secretariat admin. The password is read from standard input, one line, so
    /// that it never appears in the process list or the shell history.
    Create {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// The name shown to others.
        #[arg(long)]
        name: String,
    },
    /// Disable an account: it can no longer sign in, and its tokens stop working at once.
    Disable {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// Options of every subcommand.
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// Database: `postgres://user@host:port/db`, `sqlite://path`, or a path to an SQLite file.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "./data/hub.db",
        global = true
    )]
    pub database_url: String,

    /// Most database connections open at once.
    #[arg(long, env = "HUB_DB_POOL_SIZE", default_value_t = 16, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_pool_size: u32,

    /// How long a request waits for a database connection before failing as UNAVAILABLE.
    #[arg(long, env = "HUB_DB_WAIT_MS", default_value_t = 5000, global = true)]
    pub db_wait_ms: u64,

    /// Address to listen on.
    #[arg(
        long,
        env = "HUB_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Log format: `pretty` for people, `json` for log collectors. Filter with RUST_LOG.
    #[arg(long, env = "HUB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty,
          global = true)]
    pub log_format: LogFormat,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "HUB_MAX_BODY_BYTES", default_value_t = 1 << 20, global = true)]
    pub max_body_bytes: usize,

    /// Largest file a multipart upload may carry, in bytes.
    #[arg(long, env = "HUB_MAX_UPLOAD_BYTES", default_value_t = 20 << 20, global = true)]
    pub max_upload_bytes: usize,

    /// Deepest nesting of selections a query may have.
    #[arg(long, env = "HUB_MAX_QUERY_DEPTH", default_value_t = 32, global = true)]
    pub max_query_depth: usize,

    /// Highest cost a query may have; a list field costs its page size times its selection.
    #[arg(
        long,
        env = "HUB_MAX_QUERY_COMPLEXITY",
        default_value_t = 50_000,
        global = true
    )]
    pub max_query_complexity: usize,

    /// Most aliased fields a query may have.
    #[arg(
        long,
        env = "HUB_MAX_QUERY_ALIASES",
        default_value_t = 64,
        global = true
    )]
    pub max_query_aliases: usize,

    /// How many parsed queries to keep, so that a repeated one skips parsing and
    /// validation, and clients may send persisted queries by hash; 0 keeps none.
    #[arg(
        long,
        env = "HUB_DOCUMENT_CACHE",
        default_value_t = 1_000,
        global = true
    )]
    pub document_cache: usize,

    /// Origins allowed to call the API from a browser, comma-separated; `*` allows any
    /// (without credentials).
    #[arg(long, env = "HUB_CORS_ORIGINS", default_value = "*", global = true)]
    pub cors_origins: String,

    /// Seconds to let in-flight requests finish after SIGTERM or Ctrl-C.
    #[arg(
        long,
        env = "HUB_SHUTDOWN_GRACE_SECS",
        default_value_t = 10,
        global = true
    )]
    pub shutdown_grace_secs: u64,

    /// Secret that signs access tokens, at least 32 bytes; every instance needs the same.
    /// Required with PostgreSQL; on SQLite one is generated into the data directory.
    #[arg(long, env = "HUB_TOKEN_SECRET", hide_env_values = true, global = true)]
    pub token_secret: Option<String>,

    /// How long an access token works, in minutes.
    #[arg(long, env = "HUB_TOKEN_TTL_MINUTES", default_value_t = 480, global = true,
          value_parser = clap::value_parser!(u64).range(1..=525_600))]
    pub token_ttl_minutes: u64,

    /// How long live events are kept, in hours: how far back a subscriber can resume with
    /// `after`. Older ones are deleted hourly.
    #[arg(long, env = "HUB_EVENT_RETENTION_HOURS", default_value_t = 168, global = true,
          value_parser = clap::value_parser!(u32).range(1..=87_600))]
    pub event_retention_hours: u32,

    /// How many live events a subscriber may fall behind before it is told and dropped.
    #[arg(long, env = "HUB_LIVE_BUFFER", default_value_t = 1024, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub live_buffer: u32,

    /// How often, in milliseconds, an instance reads the outbox for events it was not told
    /// about: a safety net on PostgreSQL, and how instances sharing an SQLite file see each
    /// other's events.
    #[arg(long, env = "HUB_LIVE_POLL_MS", default_value_t = 2000, global = true,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub live_poll_ms: u64,

    /// The day (MM-DD) of the following year on which an annual report falls due.
    #[arg(
        long,
        env = "HUB_ANNUAL_REPORT_DUE",
        default_value = "03-31",
        global = true
    )]
    pub annual_report_due: String,

    /// How many days after its due day an annual report not yet submitted becomes overdue.
    #[arg(long, env = "HUB_ANNUAL_REPORT_GRACE_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(0..=3_650))]
    pub annual_report_grace_days: u32,

    /// Don't load the sample directory into an empty database when serving.
    #[arg(long, env = "HUB_NO_SAMPLE_DATA", global = true)]
    pub no_sample_data: bool,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}
