//! The `entities-hub` command: parse the command line, start logging, run the subcommand.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use entities_hub::cli::{AdminCommand, Cli, Command, SeedArgs};
use entities_hub::config::Config;
use entities_hub::db::{Database, synthetic};
use entities_hub::domain::user::PlatformRole;
use entities_hub::domain::{accounts, password, sample_directory};
use entities_hub::{graphql, http, startup, telemetry};

/// A request allocates and frees many small values (rows, resolver futures, the response
/// tree); mimalloc does that in fewer instructions than the system allocator, and keeps
/// per-thread free lists that the runtime's worker threads do not contend on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.options.log_format);
    let config = match Config::try_from(&cli.options) {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };

    match run(cli.command.unwrap_or(Command::Serve), &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn seed_synthetic(db: &Database, args: &SeedArgs) -> anyhow::Result<()> {
    let sizes = synthetic::Sizes {
        organisations: args.organisations,
        users: args.users,
        posts: args.posts,
        threads: args.threads,
        messages: args.messages,
        seed: args.random_seed,
    };
    if sizes.organisations == 0 || sizes.users < sizes.organisations {
        anyhow::bail!("--users must be at least --organisations, and both above zero");
    }
    let started = std::time::Instant::now();
    let mut salt = [0_u8; 16];
    salt[..8].copy_from_slice(&args.random_seed.to_le_bytes());
    let hash = password::hash_with_salt(synthetic::PASSWORD, salt)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let loaded = synthetic::load(db, &sizes, &hash)
        .await
        .context("cannot load the synthetic data")?;
    if loaded {
        println!(
            "synthetic data: {} organisations, {} users, {} posts, {} threads, {} messages \
             in {:.1} s",
            sizes.organisations,
            sizes.users,
            sizes.posts,
            sizes.threads,
            sizes.messages,
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("synthetic data: already there, left as it is");
    }
    Ok(())
}

async fn run(command: Command, config: &Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            startup::open_database(config).await?;
            println!("{} is up to date", config.database_url);
            Ok(())
        }
        Command::Seed(args) => {
            let db = startup::open_database(config).await?;
            let report = sample_directory::seed(&db)
                .await
                .map_err(|e| anyhow::anyhow!("cannot load the sample directory: {e:?}"))?;
            println!(
                "sample directory: {} inserted, {} updated, {} unchanged",
                report.inserted, report.updated, report.unchanged
            );
            if args.synthetic {
                seed_synthetic(&db, &args).await?;
            }
            Ok(())
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Admin(AdminCommand::Create { email, name }) => {
            create_admin(config, &email, &name).await
        }
        Command::Admin(AdminCommand::Disable { email }) => set_disabled(config, &email, true).await,
        Command::Admin(AdminCommand::Enable { email }) => set_disabled(config, &email, false).await,
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let state = startup::prepare_with_demo(config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    tracing::info!(
        database = %config.database_url,
        "serving GraphQL at http://{address}/graphql; playground at http://{address}/"
    );

    let closing = state.closing.clone();
    let router = http::router(state, &config.http);
    http::serve(listener, router, closing, &config.http)
        .await
        .context("the server stopped")
}

/// `admin create`: a Secretariat admin, with the password read from standard input.
async fn create_admin(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let db = startup::open_database(config).await?;

    let role = Some(PlatformRole::SecretariatAdmin);
    let created = accounts::create_user(&db, email, name, password, role)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the admin: {e:?}"))?;

    match created {
        Ok(user) => {
            println!("created Secretariat admin {} (id {})", user.email, user.id);
            Ok(())
        }
        Err(problem) => anyhow::bail!("{}", describe(&problem)),
    }
}

fn describe(problem: &accounts::NewUserProblem) -> String {
    use accounts::NewUserProblem::*;
    match problem {
        Email(problem) => format!("--email {problem}"),
        DisplayName(problem) => format!("--name {problem}"),
        Password(problem) => format!("the password {problem}"),
        EmailTaken => "an account with this e-mail address exists already".to_owned(),
    }
}

/// `admin disable` and `admin enable`.
async fn set_disabled(config: &Config, email: &str, disabled: bool) -> anyhow::Result<()> {
    let db = startup::open_database(config).await?;
    let found = accounts::set_disabled(&db, email, disabled)
        .await
        .map_err(|e| anyhow::anyhow!("cannot change the account: {e:?}"))?;
    anyhow::ensure!(found, "no account has the e-mail address {email}");

    let state = if disabled { "disabled" } else { "enabled" };
    println!("{state} {}", email.trim().to_lowercase());
    Ok(())
}
