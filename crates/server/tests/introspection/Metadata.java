import java.sql.*;
import java.util.*;

/** pgjdbc's DatabaseMetaData against EmbedDB: getTables and getColumns must report what they
 *  report for the same schema on PostgreSQL 15. Usage: java Metadata.java PORT */
public class Metadata {
    static void expect(String what, Object got, Object want) {
        if (!Objects.equals(got, want)) {
            System.out.println(what + ":\n  got:  " + got + "\n  want: " + want);
            System.exit(1);
        }
        System.out.println("ok " + what);
    }

    static List<String> rows(ResultSet rs, String... columns) throws SQLException {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            StringJoiner j = new StringJoiner("|");
            for (String c : columns) j.add(String.valueOf(rs.getString(c)));
            out.add(j.toString());
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/somedb";
        try (Connection c = DriverManager.getConnection(url, "someone", "")) {
            DatabaseMetaData m = c.getMetaData();
            expect("getTables",
                rows(m.getTables(null, "public", "%", new String[]{"TABLE"}), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"),
                List.of("public|items|TABLE", "public|people|TABLE"));
            expect("getColumns",
                rows(m.getColumns(null, "public", "people", "%"), "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME",
                     "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "COLUMN_DEF", "ORDINAL_POSITION", "IS_AUTOINCREMENT"),
                List.of(
                    "id|4|serial|10|0|0|nextval('people_id_seq'::regclass)|1|YES",
                    "name|12|varchar|40|0|0|null|2|NO",
                    "age|4|int4|10|0|1|null|3|NO",
                    "score|2|numeric|10|2|1|0|4|NO",
                    "email|12|text|2147483647|0|1|null|5|NO",
                    "created|93|timestamptz|35|6|1|now()|6|NO"));
            try (ResultSet rs = c.createStatement().executeQuery("SELECT 'people'::regclass::oid, to_regtype('int4')::oid")) {
                rs.next();
                expect("regtype", rs.getLong(2), 23L);
            }
        }
    }
}
