// What pgjdbc needs from the server: startup parameters it checks, executeUpdate with
// parameters (Describe must answer NoData), prepared queries with inferred types, batches,
// a transaction that rolls back, and SQLSTATEs on errors.
// Run: java -cp postgresql.jar JdbcCrud.java PORT

import java.math.BigDecimal;
import java.sql.*;

public class JdbcCrud {
    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/jdbc?user=jdbc&sslmode=disable";
        try (Connection c = DriverManager.getConnection(url)) {
            DatabaseMetaData md = c.getMetaData();
            check(md.getDatabaseMajorVersion() == 16, "server major version " + md.getDatabaseMajorVersion());
            try (Statement s = c.createStatement()) {
                check(s.executeUpdate("CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance numeric(10,2))") == 0, "create");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts VALUES (?, ?, ?)")) {
                ps.setInt(1, 1);
                ps.setString(2, "ada");
                ps.setBigDecimal(3, new BigDecimal("100.50"));
                check(ps.executeUpdate() == 1, "insert one");
                for (int i = 2; i <= 4; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "user" + i);
                    ps.setNull(3, Types.NUMERIC);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                check(counts.length == 3 && counts[0] == 1 && counts[2] == 1, "batch counts");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT owner, balance FROM accounts WHERE id = ?")) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    check(rs.next(), "row 1");
                    check(rs.getString(1).equals("ada"), "owner");
                    check(rs.getBigDecimal(2).compareTo(new BigDecimal("100.50")) == 0, "balance");
                    check(!rs.next(), "one row");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id > ?")) {
                ps.setBigDecimal(1, new BigDecimal("7.25"));
                ps.setInt(2, 2);
                check(ps.executeUpdate() == 2, "update count");
            }
            // Enough executions to make pgjdbc switch to a named server-side statement.
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM accounts WHERE balance > ?")) {
                for (int i = 0; i < 8; i++) {
                    ps.setBigDecimal(1, new BigDecimal("1"));
                    try (ResultSet rs = ps.executeQuery()) {
                        check(rs.next() && rs.getLong(1) == 3, "count on iteration " + i);
                    }
                }
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM accounts WHERE id = ?")) {
                ps.setInt(1, 1);
                check(ps.executeUpdate() == 1, "delete");
            }
            c.rollback();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM accounts")) {
                check(rs.next() && rs.getLong(1) == 4, "rollback kept the row");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, owner) VALUES (?, ?)")) {
                ps.setInt(1, 1);
                ps.setString(2, "again");
                ps.executeUpdate();
                throw new AssertionError("duplicate accepted");
            } catch (SQLException e) {
                check("23505".equals(e.getSQLState()), "SQLSTATE " + e.getSQLState());
            }
        }
        System.out.println("jdbc ok");
    }
}
