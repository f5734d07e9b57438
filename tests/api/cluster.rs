//! A PostgreSQL cluster of a test's own, for tests that stop the server or configure it.

use std::path::Path;

/// A PostgreSQL cluster of the test's own, on a free port, that the test may stop and start
/// without touching the shared server. Run as the `postgres` system user when the tests run
/// as root, since PostgreSQL refuses to run as root.
pub struct OwnCluster {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl OwnCluster {
    /// A new cluster, started; `None` where PostgreSQL's binaries are not installed.
    pub async fn create() -> Option<Self> {
        Self::create_with(|_| {}).await
    }

    /// A new cluster whose data directory `configure` may change before it first starts.
    pub async fn create_with(configure: impl FnOnce(&Path)) -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|version| version.path().join("bin"))
            .find(|bin| bin.join("initdb").exists())?;
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { bin, dir, port };
        cluster.hand_to_postgres().await;
        let data = cluster.data();
        cluster
            .run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres"])
            .await;
        configure(Path::new(&data));
        cluster.hand_to_postgres().await;
        cluster.start().await;
        Some(cluster)
    }

    /// Makes the `postgres` system user own the directory, when the tests run as root.
    async fn hand_to_postgres(&self) {
        if is_root() {
            let status = tokio::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(self.dir.path())
                .status()
                .await
                .unwrap();
            assert!(status.success());
        }
    }

    pub fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub async fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if is_root() {
            let mut command = tokio::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            tokio::process::Command::new(path)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{program}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub async fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let data = self.data();
        self.run(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        )
        .await;
    }

    pub async fn stop(&self) {
        let data = self.data();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"])
            .await;
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let mut command = if is_root() {
            let mut command = std::process::Command::new("runuser");
            command
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"));
            command
        } else {
            std::process::Command::new(self.bin.join("pg_ctl"))
        };
        let _ = command
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

/// The files of a certificate authority and of a server certificate it signed for
/// `localhost`, made with the `openssl` command line.
pub struct Certificates {
    pub dir: tempfile::TempDir,
}

impl Certificates {
    pub async fn create() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("server.ext"),
            "subjectAltName = DNS:localhost\nbasicConstraints = CA:FALSE\n",
        )
        .unwrap();
        let steps: [&[&str]; 3] = [
            &[
                "req",
                "-new",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=Test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
            ],
            &[
                "req",
                "-new",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "server.crt",
            ],
        ];
        for args in steps {
            let output = tokio::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .await
                .expect("openssl runs");
            assert!(
                output.status.success(),
                "openssl {}: {}",
                args[0],
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Self { dir }
    }

    /// The authority's certificate, for `sslrootcert`.
    pub fn authority(&self) -> String {
        self.dir.path().join("ca.crt").display().to_string()
    }

    /// Makes the cluster in `data` accept TCP connections over TLS only.
    pub fn require_tls(&self, data: &Path) {
        use std::os::unix::fs::PermissionsExt as _;
        for file in ["server.crt", "server.key"] {
            std::fs::copy(self.dir.path().join(file), data.join(file)).unwrap();
        }
        std::fs::set_permissions(
            data.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        let mut conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        conf.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(data.join("postgresql.conf"), conf).unwrap();
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all all 127.0.0.1/32 trust\n\
             hostnossl all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
    }
}
