//! Runs a SQL script on EmbedDB and PostgreSQL and prints each statement's outcome on both,
//! for minimising a disagreement by hand.
//!
//! `cargo run -p embeddb-difftest --example compare -- FILE` (statements end with `;` at the
//! end of a line). PostgreSQL is `EMBEDDB_DIFF_PG=host:port` (database
//! `embeddb_difftest`, tables dropped first by the script itself), or a throwaway cluster.

use embeddb_difftest::embed::Embed;
use embeddb_difftest::outcome::{Order, Outcome, render};
use embeddb_difftest::pg::{self, PgClient};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: compare FILE (a SQL script)");
    let script = std::fs::read_to_string(&path).expect("read the script");
    let (_cluster, mut pg) = match std::env::var("EMBEDDB_DIFF_PG") {
        Ok(addr) => {
            let (host, port) = addr.rsplit_once(':').expect("host:port");
            let port = port.parse().expect("port");
            let mut admin = PgClient::connect(host, port, "postgres", "postgres").expect("connect");
            let _ = admin.batch("CREATE DATABASE embeddb_difftest");
            let pg =
                PgClient::connect(host, port, "postgres", "embeddb_difftest").expect("connect");
            (None, pg)
        }
        Err(_) => {
            let cluster = pg::start_cluster().expect("start PostgreSQL");
            let pg = PgClient::connect("127.0.0.1", cluster.port, "postgres", "postgres")
                .expect("connect");
            (Some(cluster), pg)
        }
    };
    let mut embed = Embed::open().expect("open EmbedDB");
    for statement in script.split(";\n") {
        let statement = statement.trim();
        if statement.is_empty() || statement.lines().all(|l| l.trim_start().starts_with("--")) {
            continue;
        }
        let p = pg.query(statement);
        let e = embed.query(statement);
        println!("{statement};");
        if p == e {
            println!("  both: {}", render(&p, Order::Total));
        } else {
            let order = if matches!((&p, &e), (Outcome::Rows(_), Outcome::Rows(_))) {
                Order::Unordered
            } else {
                Order::Total
            };
            println!("  PostgreSQL: {}", render(&p, order));
            println!("  EmbedDB:    {}", render(&e, order));
        }
    }
}
