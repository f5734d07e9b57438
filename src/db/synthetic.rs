//! Synthetic data at the scale of a busy platform, for benchmarks: `entities-hub seed
//! --synthetic`. The same sizes and seed always give the same rows.
//!
//! Everything is written in one transaction, in multi-row inserts, so a run either loads all
//! of it or nothing, and takes seconds rather than the minutes row-by-row inserts would.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use std::fmt::Write as _;

use diesel::{ExpressionMethods as _, QueryDsl as _, TextExpressionMethods as _};
use diesel_async::RunQueryDsl as _;

use super::schema::{organisations, posts, threads, users};
use super::{Database, DbConn, DbError};

/// How much to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub organisations: usize,
    pub users: usize,
    pub posts: usize,
    pub threads: usize,
    pub messages: usize,
    /// Different seeds give different data of the same shape.
    pub seed: u64,
}

impl Default for Sizes {
    fn default() -> Self {
        Self {
            organisations: 1_000,
            users: 2_000,
            posts: 50_000,
            threads: 10_000,
            messages: 100_000,
            seed: 1,
        }
    }
}

/// The password of every synthetic user.
pub const PASSWORD: &str = "synthetic password";

/// The e-mail address of synthetic user `n` (from 1).
pub fn user_email(n: usize) -> String {
    format!("user{n}@synthetic.example")
}

/// Rows per insert: far below the bind limits of both backends (SQLite's 32,766).
const CHUNK: usize = 500;

/// Writes the synthetic data; `false`, writing nothing, when it is already there.
///
/// Organisations are `synthetic-1` and on; users are [`user_email`]`(1)` and on, user `n`
/// a member of organisation `n` modulo their number (the first of each its owner, the next
/// an editor, the others members). Posts are spread at random over the organisations, each
/// written by one of its members, with two tags; a fiftieth of them mention "mangrove
/// restoration". Threads join two organisations, and messages are spread over them.
///
/// `password_hash` is the hash of [`PASSWORD`] that every user gets. On PostgreSQL the
/// tables are vacuumed and analysed afterwards, so that plans fit the data at once.
pub async fn load(db: &Database, sizes: &Sizes, password_hash: &str) -> Result<bool, DbError> {
    if sizes.organisations == 0 || sizes.users < sizes.organisations {
        return Err(DbError::Unavailable(
            "synthetic data needs at least one organisation and a user for each".into(),
        ));
    }
    let mut conn = db.conn().await?;
    let loaded = crate::write_transaction!(&mut conn, |c| {
        let present: i64 = organisations::table
            .filter(organisations::slug.eq("synthetic-1"))
            .count()
            .get_result(c)
            .await?;
        if present > 0 {
            return Ok(false);
        }
        let mut random = Random(sizes.seed);
        let at = base_time();

        let new_organisations: Vec<NewOrganisation> = (1..=sizes.organisations)
            .map(|n| organisation(n, &mut random, at))
            .collect();
        for chunk in new_organisations.chunks(CHUNK) {
            diesel::sql_query(insert_sql(chunk)).execute(c).await?;
        }
        // Ids rise in the order rows were given, whoever else writes meanwhile.
        let organisation_ids: Vec<i64> = organisations::table
            .filter(organisations::slug.like("synthetic-%"))
            .select(organisations::id)
            .order(organisations::id)
            .load(c)
            .await?;
        let organisation_id = |index: usize| organisation_ids[index];

        let new_users: Vec<WithPassword<'_>> = (1..=sizes.users)
            .map(|n| {
                let user = NewUser {
                    email: user_email(n),
                    display_name: format!(
                        "{} {}",
                        pick(&mut random, GIVEN),
                        pick(&mut random, FAMILY)
                    ),
                    created_at: at,
                };
                WithPassword(user, password_hash)
            })
            .collect();
        for chunk in new_users.chunks(CHUNK) {
            diesel::sql_query(insert_sql(chunk)).execute(c).await?;
        }
        let user_ids: Vec<i64> = users::table
            .filter(users::email.like("%@synthetic.example"))
            .select(users::id)
            .order(users::id)
            .load(c)
            .await?;
        let user_id = |index: usize| user_ids[index];
        // User index `u` belongs to organisation index `u % organisations`.
        let members_of =
            |organisation: usize| (organisation..sizes.users).step_by(sizes.organisations);
        let new_memberships: Vec<NewMembership> = (0..sizes.users)
            .map(|u| NewMembership {
                organisation_id: organisation_id(u % sizes.organisations),
                user_id: user_id(u),
                role: match u / sizes.organisations {
                    0 => "OWNER",
                    1 => "EDITOR",
                    _ => "MEMBER",
                },
                created_at: at,
            })
            .collect();
        for chunk in new_memberships.chunks(CHUNK) {
            diesel::sql_query(insert_sql(chunk)).execute(c).await?;
        }

        let before: i64 = posts::table
            .select(diesel::dsl::max(posts::id))
            .first::<Option<i64>>(c)
            .await?
            .unwrap_or(0);
        let mut tags = Vec::with_capacity(sizes.posts * 2);
        let mut new_posts = Vec::with_capacity(CHUNK);
        for n in 0..sizes.posts {
            let organisation = random.below(sizes.organisations);
            let members: Vec<usize> = members_of(organisation).collect();
            let author = members[random.below(members.len())];
            new_posts.push(post(
                n,
                organisation_id(organisation),
                user_id(author),
                &mut random,
                at,
            ));
            let first = random.below(TAGS.len());
            let second = (first + 1 + random.below(TAGS.len() - 1)) % TAGS.len();
            tags.push([first, second]);
            if new_posts.len() == CHUNK || n + 1 == sizes.posts {
                diesel::sql_query(insert_sql(&new_posts)).execute(c).await?;
                new_posts.clear();
            }
        }
        let post_ids: Vec<i64> = posts::table
            .filter(posts::id.gt(before))
            .select(posts::id)
            .order(posts::id)
            .load(c)
            .await?;
        let new_tags: Vec<NewTag> = post_ids
            .iter()
            .zip(&tags)
            .flat_map(|(&post_id, pair)| {
                pair.iter().map(move |&tag| NewTag {
                    post_id,
                    tag: TAGS[tag],
                })
            })
            .collect();
        for chunk in new_tags.chunks(CHUNK) {
            diesel::sql_query(insert_sql(chunk)).execute(c).await?;
        }

        if sizes.threads > 0 && sizes.organisations > 1 {
            let before: i64 = threads::table
                .select(diesel::dsl::max(threads::id))
                .first::<Option<i64>>(c)
                .await?
                .unwrap_or(0);
            let mut pairs = Vec::with_capacity(sizes.threads);
            let new_threads: Vec<NewThread> = (0..sizes.threads)
                .map(|n| {
                    let one = random.below(sizes.organisations);
                    let other =
                        (one + 1 + random.below(sizes.organisations - 1)) % sizes.organisations;
                    pairs.push((one, other));
                    let started = at + Duration::minutes(n as i64);
                    NewThread {
                        subject: format!(
                            "{} {}",
                            pick(&mut random, THEMES),
                            pick(&mut random, TOPICS)
                        ),
                        started_by: user_id(one),
                        created_at: started,
                    }
                })
                .collect();
            for chunk in new_threads.chunks(CHUNK) {
                diesel::sql_query(insert_sql(chunk)).execute(c).await?;
            }
            let thread_ids: Vec<i64> = threads::table
                .filter(threads::id.gt(before))
                .select(threads::id)
                .order(threads::id)
                .load(c)
                .await?;
            let participants: Vec<NewParticipant> = thread_ids
                .iter()
                .zip(&pairs)
                .flat_map(|(&thread_id, &(one, other))| {
                    [one, other].map(|organisation| NewParticipant {
                        thread_id,
                        organisation_id: organisation_id(organisation),
                    })
                })
                .collect();
            for chunk in participants.chunks(CHUNK) {
                diesel::sql_query(insert_sql(chunk)).execute(c).await?;
            }

            let mut new_messages = Vec::with_capacity(CHUNK);
            for n in 0..sizes.messages {
                let thread = random.below(thread_ids.len());
                let (one, other) = pairs[thread];
                let organisation = if random.below(2) == 0 { one } else { other };
                let members: Vec<usize> = members_of(organisation).collect();
                let words = 8 + random.below(30);
                new_messages.push(NewMessage {
                    thread_id: thread_ids[thread],
                    author_id: user_id(members[random.below(members.len())]),
                    organisation_id: organisation_id(organisation),
                    body: sentence(&mut random, words),
                    sent_at: at + Duration::minutes(sizes.threads as i64 + n as i64),
                });
                if new_messages.len() == CHUNK || n + 1 == sizes.messages {
                    diesel::sql_query(insert_sql(&new_messages))
                        .execute(c)
                        .await?;
                    new_messages.clear();
                }
            }
            diesel::sql_query(
                "UPDATE threads SET \
                     last_message_id = (SELECT max(m.id) FROM messages m \
                         WHERE m.thread_id = threads.id), \
                     last_activity_at = coalesce((SELECT max(m.sent_at) FROM messages m \
                         WHERE m.thread_id = threads.id), last_activity_at) \
                 WHERE id > $1",
            )
            .bind::<diesel::sql_types::BigInt, _>(before)
            .execute(c)
            .await?;
        }
        Ok::<_, diesel::result::Error>(true)
    })?;
    if loaded && let DbConn::Pg(c) = &mut conn {
        // Plans and index-only scans should not wait for autovacuum to notice the load.
        diesel::sql_query("VACUUM ANALYZE")
            .execute(&mut **c)
            .await?;
    }

    Ok(loaded)
}

/// When the synthetic platform starts: posts and messages follow it, a minute or so apart.
fn base_time() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

fn organisation(n: usize, random: &mut Random, at: NaiveDateTime) -> NewOrganisation {
    let name = format!(
        "{} {} {} {n}",
        pick(random, PLACES),
        pick(random, THEMES),
        pick(random, BODIES)
    );
    let acronym: String = name
        .split(' ')
        .filter_map(|word| word.chars().next())
        .filter(char::is_ascii_alphabetic)
        .collect();
    let entity = !n.is_multiple_of(5);
    NewOrganisation {
        slug: format!("synthetic-{n}"),
        kind: if entity { "ENTITY" } else { "CENTRE" },
        name,
        acronym: format!("{acronym}{n}"),
        description: sentence(random, 30),
        country: pick(random, COUNTRIES),
        category: entity.then(|| pick(random, CATEGORIES)),
        accreditation_status: entity.then_some("ACCREDITED"),
        created_at: at,
    }
}

fn post(
    n: usize,
    organisation_id: i64,
    author_id: i64,
    random: &mut Random,
    at: NaiveDateTime,
) -> NewPost {
    let roll = random.below(100);
    let kind = match roll {
        0..70 => "NEWS",
        70..85 => "EVENT",
        _ => "CALL_FOR_APPLICATIONS",
    };
    let written = at + Duration::minutes(n as i64 * 15);
    let (starts_at, ends_at, time_zone) = if kind == "EVENT" {
        let starts = written + Duration::days(30 + random.below(90) as i64);
        (
            Some(starts),
            Some(starts + Duration::hours(3)),
            Some("Asia/Jakarta"),
        )
    } else {
        (None, None, None)
    };
    let deadline = (kind == "CALL_FOR_APPLICATIONS")
        .then(|| written + Duration::days(random.below(720) as i64));
    let topic = if random.below(50) == 0 {
        "mangrove restoration"
    } else {
        pick(random, TOPICS)
    };
    let published = random.below(20) != 0;
    NewPost {
        organisation_id,
        author_id,
        kind,
        title: format!(
            "{} {topic}: {}",
            pick(random, THEMES),
            pick(random, HEADLINES)
        ),
        summary: sentence(random, 20),
        body: format!("{} {topic}. {}", sentence(random, 40), sentence(random, 40)),
        visibility: if random.below(10) == 0 {
            "PLATFORM"
        } else {
            "PUBLIC"
        },
        status: if published { "PUBLISHED" } else { "DRAFT" },
        starts_at,
        ends_at,
        time_zone,
        deadline,
        published_at: published.then_some(written),
        created_at: written,
    }
}

/// `words` words of the vocabulary, as a sentence.
fn sentence(random: &mut Random, words: usize) -> String {
    let mut text = String::with_capacity(words * 9);
    for n in 0..words {
        if n > 0 {
            text.push(' ');
        }
        text.push_str(pick(random, WORDS));
    }
    text
}

fn pick<T: Copy>(random: &mut Random, values: &[T]) -> T {
    values[random.below(values.len())]
}

/// SplitMix64: small, fast, and the same on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number from 0 to `bound` - 1.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// A row written as SQL literals: Diesel's multi-row inserts are not available on SQLite
/// through diesel-async, and literals need no binds, of which a statement may hold few.
trait Row {
    /// The table and its columns, in the order [`Row::values`] writes them.
    const INTO: &'static str;
    /// The row's values, parenthesised.
    fn values(&self, sql: &mut Sql);
}

/// One multi-row `INSERT` of `rows`.
fn insert_sql<R: Row>(rows: &[R]) -> String {
    let mut sql = Sql(format!("INSERT INTO {} VALUES ", R::INTO));
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            sql.0.push_str(", ");
        }
        sql.0.push('(');
        row.values(&mut sql);
        sql.0.push(')');
    }
    sql.0
}

/// SQL text being written, value by value, comma-separated.
struct Sql(String);

impl Sql {
    fn separate(&mut self) -> &mut String {
        if !self.0.ends_with('(') {
            self.0.push_str(", ");
        }
        &mut self.0
    }

    fn text(&mut self, value: &str) -> &mut Self {
        let sql = self.separate();
        sql.push('\'');
        sql.push_str(&value.replace('\'', "''"));
        sql.push('\'');
        self
    }

    fn number(&mut self, value: i64) -> &mut Self {
        let _ = write!(self.separate(), "{value}");
        self
    }

    fn time(&mut self, value: NaiveDateTime) -> &mut Self {
        let _ = write!(self.separate(), "'{}'", value.format("%Y-%m-%d %H:%M:%S"));
        self
    }

    fn null(&mut self) -> &mut Self {
        self.separate().push_str("NULL");
        self
    }

    fn optional_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    fn optional_time(&mut self, value: Option<NaiveDateTime>) -> &mut Self {
        match value {
            Some(value) => self.time(value),
            None => self.null(),
        }
    }
}

struct NewOrganisation {
    slug: String,
    kind: &'static str,
    name: String,
    acronym: String,
    description: String,
    country: &'static str,
    category: Option<&'static str>,
    accreditation_status: Option<&'static str>,
    created_at: NaiveDateTime,
}

impl Row for NewOrganisation {
    const INTO: &'static str = "organisations (slug, kind, name, acronym, description, country, \
        category, accreditation_status, created_at, updated_at)";

    fn values(&self, sql: &mut Sql) {
        sql.text(&self.slug)
            .text(self.kind)
            .text(&self.name)
            .text(&self.acronym)
            .text(&self.description)
            .text(self.country)
            .optional_text(self.category)
            .optional_text(self.accreditation_status)
            .time(self.created_at)
            .time(self.created_at);
    }
}

struct NewUser {
    email: String,
    display_name: String,
    created_at: NaiveDateTime,
}

/// Users come with the password hash given to [`load`].
struct WithPassword<'a>(NewUser, &'a str);

impl Row for WithPassword<'_> {
    const INTO: &'static str = "users (email, display_name, password_hash, disabled, created_at)";

    fn values(&self, sql: &mut Sql) {
        sql.text(&self.0.email)
            .text(&self.0.display_name)
            .text(self.1);
        sql.separate().push_str("FALSE");
        sql.time(self.0.created_at);
    }
}

struct NewMembership {
    organisation_id: i64,
    user_id: i64,
    role: &'static str,
    created_at: NaiveDateTime,
}

impl Row for NewMembership {
    const INTO: &'static str = "memberships (organisation_id, user_id, role, created_at)";

    fn values(&self, sql: &mut Sql) {
        sql.number(self.organisation_id)
            .number(self.user_id)
            .text(self.role)
            .time(self.created_at);
    }
}

struct NewPost {
    organisation_id: i64,
    author_id: i64,
    kind: &'static str,
    title: String,
    summary: String,
    body: String,
    visibility: &'static str,
    status: &'static str,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
    time_zone: Option<&'static str>,
    deadline: Option<NaiveDateTime>,
    published_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl Row for NewPost {
    const INTO: &'static str = "posts (organisation_id, author_id, kind, title, summary, body, \
        visibility, status, starts_at, ends_at, time_zone, deadline, published_at, created_at, \
        updated_at)";

    fn values(&self, sql: &mut Sql) {
        sql.number(self.organisation_id)
            .number(self.author_id)
            .text(self.kind)
            .text(&self.title)
            .text(&self.summary)
            .text(&self.body)
            .text(self.visibility)
            .text(self.status)
            .optional_time(self.starts_at)
            .optional_time(self.ends_at)
            .optional_text(self.time_zone)
            .optional_time(self.deadline)
            .optional_time(self.published_at)
            .time(self.created_at)
            .time(self.created_at);
    }
}

struct NewTag {
    post_id: i64,
    tag: &'static str,
}

impl Row for NewTag {
    const INTO: &'static str = "post_tags (post_id, tag)";

    fn values(&self, sql: &mut Sql) {
        sql.number(self.post_id).text(self.tag);
    }
}

struct NewThread {
    subject: String,
    started_by: i64,
    created_at: NaiveDateTime,
}

impl Row for NewThread {
    const INTO: &'static str = "threads (kind, subject, started_by, created_at, last_activity_at)";

    fn values(&self, sql: &mut Sql) {
        sql.text("DIRECT")
            .text(&self.subject)
            .number(self.started_by)
            .time(self.created_at)
            .time(self.created_at);
    }
}

struct NewParticipant {
    thread_id: i64,
    organisation_id: i64,
}

impl Row for NewParticipant {
    const INTO: &'static str = "thread_participants (thread_id, organisation_id)";

    fn values(&self, sql: &mut Sql) {
        sql.number(self.thread_id).number(self.organisation_id);
    }
}

struct NewMessage {
    thread_id: i64,
    author_id: i64,
    organisation_id: i64,
    body: String,
    sent_at: NaiveDateTime,
}

impl Row for NewMessage {
    const INTO: &'static str = "messages (thread_id, author_id, organisation_id, body, sent_at)";

    fn values(&self, sql: &mut Sql) {
        sql.number(self.thread_id)
            .number(self.author_id)
            .number(self.organisation_id)
            .text(&self.body)
            .time(self.sent_at);
    }
}

const PLACES: &[&str] = &[
    "ASEAN",
    "Regional",
    "Southeast Asian",
    "Mekong",
    "Archipelagic",
    "Coastal",
    "Upland",
    "Delta",
    "Straits",
    "Borneo",
    "Andaman",
    "Sulu",
    "Java",
    "Luzon",
    "Irrawaddy",
    "Lanna",
];
const THEMES: &[&str] = &[
    "Maritime",
    "Trade",
    "Youth",
    "Health",
    "Climate",
    "Law",
    "Energy",
    "Education",
    "Women's",
    "Disaster",
    "Food",
    "Digital",
    "Labour",
    "Heritage",
    "Water",
    "Forestry",
];
const BODIES: &[&str] = &[
    "Council",
    "Forum",
    "Network",
    "Institute",
    "Centre",
    "Foundation",
    "Association",
    "Federation",
    "Alliance",
    "Assembly",
];
const TOPICS: &[&str] = &[
    "regional cooperation",
    "capacity building",
    "policy dialogue",
    "supply chains",
    "flood resilience",
    "judicial training",
    "small enterprises",
    "public health",
    "renewable power",
    "skills mobility",
    "ocean governance",
    "data protection",
];
const HEADLINES: &[&str] = &[
    "call for partners",
    "workshop announced",
    "report released",
    "new programme",
    "annual meeting",
    "grants open",
    "field visit",
    "expert roundtable",
];
const TAGS: &[&str] = &[
    "trade",
    "climate",
    "youth",
    "health",
    "law",
    "energy",
    "education",
    "gender",
    "disaster",
    "food",
    "digital",
    "labour",
    "heritage",
    "water",
    "forestry",
    "maritime",
    "finance",
    "tourism",
    "migration",
    "security",
    "culture",
    "science",
    "agriculture",
    "transport",
    "urban",
    "rural",
    "ocean",
    "biodiversity",
    "governance",
    "research",
];
const WORDS: &[&str] = &[
    "regional",
    "cooperation",
    "dialogue",
    "member",
    "states",
    "policy",
    "programme",
    "partners",
    "community",
    "development",
    "sustainable",
    "capacity",
    "training",
    "network",
    "research",
    "support",
    "workshop",
    "report",
    "framework",
    "implementation",
    "resilience",
    "inclusive",
    "growth",
    "secretariat",
    "centre",
    "entities",
    "stakeholders",
    "youth",
    "women",
    "enterprises",
    "innovation",
    "data",
    "health",
    "climate",
    "trade",
    "energy",
    "maritime",
    "education",
    "labour",
    "mobility",
    "finance",
    "investment",
    "integration",
    "agenda",
    "priorities",
    "outcomes",
    "review",
    "consultation",
    "meeting",
    "summit",
];
const GIVEN: &[&str] = &[
    "Anh", "Budi", "Chanthy", "Dewi", "Farid", "Hoa", "Intan", "Kyaw", "Lina", "Malee", "Nurul",
    "Phon", "Rizal", "Siti", "Thida", "Wei",
];
const FAMILY: &[&str] = &[
    "Abdullah", "Bautista", "Chen", "Dharma", "Hassan", "Khin", "Lim", "Nguyen", "Phan", "Reyes",
    "Santos", "Sok", "Tan", "Vong", "Wijaya", "Yusof",
];
const COUNTRIES: &[&str] = &[
    "BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "TL", "VN",
];
const CATEGORIES: &[&str] = &[
    "PARLIAMENTARIANS_AND_JUDICIARY",
    "BUSINESS_ORGANISATION",
    "THINK_TANK_AND_ACADEMIC_INSTITUTION",
    "CIVIL_SOCIETY_ORGANISATION",
    "OTHER_STAKEHOLDER",
];
