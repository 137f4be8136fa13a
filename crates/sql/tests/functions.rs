//! Built-in scalar functions, checked against PostgreSQL 15. Every expected value below is
//! what PostgreSQL 15 returns for the same statement (`psql -At`: columns joined by `|`, NULL
//! printed as `NULL`); an expectation starting with `!` is an error with that SQLSTATE and
//! message.

mod common;

use common::{TestDb, run};

/// Runs each statement in a fresh session and compares its text result (or error) with the
/// expectation; reports every mismatch at once.
fn check(cases: &[(&str, &str)]) {
    let t = TestDb::new();
    let mut s = t.session();
    let mut failures = Vec::new();
    for (sql, want) in cases {
        let got = match run(&mut s, sql) {
            Ok(o) => o
                .rows
                .iter()
                .map(|r| r.join("|"))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("!{} {}", e.code.code(), e.message),
        };
        if got != *want {
            failures.push(format!("{sql}\n   want: {want:?}\n    got: {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements differ from PostgreSQL:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// String functions: lengths, case, substrings, search, trim, pad, split, chr/ascii, overlay, quoting, concat.
#[test]
fn strings() {
    check(&[
        (
            "SELECT length('héllo'), char_length('abc'), character_length(''), length(NULL)",
            "5|3|0|NULL",
        ),
        (
            "SELECT length('ab  '::char(4)), length('ab  '::varchar), octet_length('é'), bit_length('é'), octet_length('ab  '::char(4)), bit_length('ab '::char(3))",
            "2|4|2|16|4|16",
        ),
        (
            "SELECT pg_typeof(length('a')), pg_typeof(octet_length('a'))",
            "integer|integer",
        ),
        (
            "SELECT lower('ÀBC'), upper('àbc'), upper('éßǆ'), lower('ÉǄ'), pg_typeof(upper('a'))",
            "àbc|ÀBC|ÉßǄ|éǆ|text",
        ),
        (
            "SELECT initcap('hello wORLD foo-bar o''neil 3abc éa'), initcap('hELLO_world'), initcap(''), initcap('a1b c_d e-f'), initcap('ÉCOLE élève')",
            "Hello World Foo-Bar O'Neil 3abc Éa|Hello_World||A1b C_D E-F|École Élève",
        ),
        (
            "SELECT substr('hello', 2), substr('hello', 2, 3), substr('hello', 0), substr('hello', -1, 3), substr('hello', 10), substr('hello', 0, 1)",
            "ello|ell|hello|h||",
        ),
        (
            "SELECT substring('hello' from 2 for 2), substring('hello' from 3), substring('hello' for 2), substring('hello' from -2 for 4), substr('héllo', 2, 2)",
            "el|llo|he|h|él",
        ),
        (
            "SELECT substr('hello', 2147483647, 10), substr('hello', -2147483647, 2147483647), substr('hello', 1, 2147483647)",
            "||hello",
        ),
        (
            "SELECT substr('hello', 2, -1)",
            "!22011 negative substring length not allowed",
        ),
        (
            "SELECT substring('hello' from 1 for -1)",
            "!22011 negative substring length not allowed",
        ),
        (
            "SELECT strpos('hello', 'l'), strpos('hello', ''), strpos('', ''), strpos('hello', 'z'), position('lo' in 'hello'), position('' in 'abc'), strpos('héllo', 'l')",
            "3|1|1|0|4|1|3",
        ),
        (
            "SELECT replace('abcabc', 'b', 'X'), replace('abcabc', '', 'x'), replace('abcabc', 'b', ''), replace('aaa', 'aa', 'b'), replace('héé', 'é', 'e')",
            "aXcaXc|abcabc|acac|ba|hee",
        ),
        (
            "SELECT btrim('xxaxx', 'x'), ltrim('  a  ') || '|', rtrim('  a  ') || '|', btrim('  a  ') || '|', btrim('abc', ''), btrim('', 'x')",
            "a|a  ||  a||a||abc|",
        ),
        (
            "SELECT trim(both 'xy' from 'xyaxy'), trim(leading from '  a'), trim(trailing 'x' from 'axx'), trim('  b  ') || '|', trim(leading 'ab' from 'abbac')",
            "a|a|a|b||c",
        ),
        (
            "SELECT ltrim('  x'::varchar), pg_typeof(ltrim('  x'::varchar)), pg_typeof(lower('A'::varchar)), pg_typeof(substr('abc'::char(5), 1)), rtrim('ab  '::char(4)) || '|'",
            "x|text|text|text|ab|",
        ),
        (
            "SELECT lpad('hi', 5, 'xy'), rpad('hi', 5, 'xy'), lpad('hello', 2), rpad('hello', 2), lpad('hi', 5, ''), lpad('hi', -1), lpad('hi', 4) || '|', rpad('hi', 4) || '|'",
            "xyxhi|hixyx|he|he|hi||  hi||hi  |",
        ),
        (
            "SELECT lpad('é', 3, 'àb'), rpad('', 3, 'ab'), lpad('', 5, ''), rpad('ab', 1, 'x')",
            "àbé|aba||a",
        ),
        (
            "SELECT lpad('a', 1000000000)",
            "!54000 requested length too large",
        ),
        (
            "SELECT lpad('a', 300000000, 'b')",
            "!54000 requested length too large",
        ),
        (
            "SELECT rpad('a', 2147483647)",
            "!54000 requested length too large",
        ),
        (
            "SELECT left('hello', 2), left('hello', -2), left('hello', 10), left('hello', 0), right('hello', 2), right('hello', -2), right('hello', 10), right('héllo', 4)",
            "he|hel|hello||lo|llo|hello|éllo",
        ),
        (
            "SELECT repeat('ab', 3), repeat('ab', 0), repeat('ab', -1), repeat('', 1000000000), repeat('é', 2)",
            "ababab||||éé",
        ),
        (
            "SELECT repeat('ab', 1000000000)",
            "!54000 requested length too large",
        ),
        (
            "SELECT repeat('abc', 2147483647)",
            "!54000 requested length too large",
        ),
        (
            "SELECT reverse('héllo'), reverse(''), reverse('ab')",
            "olléh||ba",
        ),
        (
            "SELECT split_part('a,b,c', ',', 2), split_part('a,b,c', ',', -1), split_part('a,b,c', ',', 4), split_part('a,b,c', ',', -4), split_part('abc', '', 1), split_part('abc', '', 2), split_part('abc', '', -1), split_part('', ',', 1), split_part('a<>b', '<>', 2)",
            "b|c|||abc||abc||b",
        ),
        (
            "SELECT split_part('a,b', ',', 0)",
            "!22023 field position must not be zero",
        ),
        (
            "SELECT starts_with('abc', 'ab'), starts_with('abc', ''), starts_with('abc', 'b'), starts_with('', 'a')",
            "t|t|f|f",
        ),
        (
            "SELECT ascii('A'), ascii(''), ascii('é'), ascii('€uro'), chr(65), chr(233), chr(8364), chr(1114111) = U&'\\+10FFFF'",
            "65|0|233|8364|A|é|€|t",
        ),
        ("SELECT chr(0)", "!54000 null character not permitted"),
        ("SELECT chr(-1)", "!22023 character number must be positive"),
        (
            "SELECT chr(1114112)",
            "!54000 requested character too large for encoding: 1114112",
        ),
        (
            "SELECT chr(55296)",
            "!54000 requested character not valid for encoding: 55296",
        ),
        (
            "SELECT translate('12345', '143', 'ax'), translate('abc', '', 'x'), translate('aaa', 'aa', 'xy'), translate('héllo', 'é', 'e'), translate('abc', 'abc', '')",
            "a2x5|abc|xxx|hello|",
        ),
        (
            "SELECT overlay('Txxxxas' placing 'hom' from 2 for 4), overlay('abc' placing 'X' from 5), overlay('abc' placing 'X' from 2 for -1), overlay('abc' placing 'XY' from 2), overlay('abc' placing '' from 2 for 1), overlay('héllo' placing 'E' from 2 for 1)",
            "Thomas|abcX|aXabc|aXY|ac|hEllo",
        ),
        (
            "SELECT overlay('abc' placing 'X' from 0)",
            "!22011 negative substring length not allowed",
        ),
        (
            "SELECT overlay('abc' placing 'X' from -1)",
            "!22011 negative substring length not allowed",
        ),
        (
            "SELECT overlay('abc' placing 'X' from 1 for 2147483647)",
            "!22003 integer out of range",
        ),
        (
            "SELECT md5('abc'), md5(''), md5('abc'::bytea), pg_typeof(md5('a'))",
            "900150983cd24fb0d6963f7d28e17f72|d41d8cd98f00b204e9800998ecf8427e|900150983cd24fb0d6963f7d28e17f72|text",
        ),
        (
            "SELECT to_hex(255), to_hex(-1), to_hex(-1::bigint), to_hex(9223372036854775807), to_hex(0), pg_typeof(to_hex(1))",
            "ff|ffffffff|ffffffffffffffff|7fffffffffffffff|0|text",
        ),
        (
            "SELECT to_hex(1::smallint)",
            "!42725 function to_hex(smallint) is not unique",
        ),
        (
            "SELECT quote_ident('abc'), quote_ident('Abc'), quote_ident('select'), quote_ident('a b'), quote_ident('a\"b'), quote_ident('1a'), quote_ident('_a1$'), quote_ident(''), quote_ident('é'), quote_ident('user_id'), quote_ident('int')",
            "abc|\"Abc\"|\"select\"|\"a b\"|\"a\"\"b\"|\"1a\"|\"_a1$\"|\"\"|\"é\"|user_id|\"int\"",
        ),
        (
            "SELECT quote_literal('a''b'), quote_literal('a\\b'), quote_literal(42), quote_literal(NULL), quote_nullable(NULL), quote_nullable(1.5), quote_literal(ARRAY[1,2]), quote_nullable('x'), quote_literal(E'a\\\\b''c')",
            "'a''b'|E'a\\\\b'|'42'|NULL|NULL|'1.5'|'{1,2}'|'x'|E'a\\\\b''c'",
        ),
        (
            "SELECT concat('a', NULL, 1, true, 1.50, ARRAY[1,2]), concat(NULL), concat_ws(',', 'a', NULL, 'b'), concat_ws(NULL, 'a'), concat_ws(',', NULL), concat('a '::char(3), 'b'), concat(1.5::float8, '2020-01-01'::date, interval '1 day')",
            "a1t1.50{1,2}||a,b|NULL||a  b|1.52020-01-011 day",
        ),
        (
            "SELECT pg_typeof(concat(NULL)), concat(NULL, NULL) = '', concat_ws('-', 1, 2, 3), concat_ws('', 'a', 'b')",
            "text|t|1-2-3|ab",
        ),
        ("SELECT concat()", "!42883 function concat() does not exist"),
        (
            "SELECT concat_ws(',')",
            "!42883 function concat_ws(unknown) does not exist",
        ),
        (
            "SELECT num_nulls(1, NULL, 2), num_nonnulls(1, NULL, 'a'::text), num_nulls(NULL)",
            "1|2|1",
        ),
        (
            "SELECT num_nonnulls()",
            "!42883 function num_nonnulls() does not exist",
        ),
        (
            "SELECT upper(1)",
            "!42883 function upper(integer) does not exist",
        ),
        (
            "SELECT initcap('hello  world'), initcap('HELLO-WORLD_x y2z'), initcap('ǆemal'), upper('ﬀ'), lower('İ'), length(upper('ß'))",
            "Hello  World|Hello-World_X Y2z|Ǆemal|ﬀ|i|1",
        ),
        (
            "SELECT upper(U&'\\1F80\\1FB3\\1FC3\\1FF3\\1F88\\0149\\01F0'), lower(U&'\\0130\\1F88'), upper('ǅ'), lower('ǅ'), initcap('ǅa ǆb')",
            "ᾈᾼῌῼᾈŉǰ|iᾀ|Ǆ|ǆ|Ǆa Ǆb",
        ),
        (
            "SELECT lower('ABC'::name), pg_typeof(lower('ABC'::name)), length('abc'::name), concat('a'::name, 'b')",
            "abc|text|3|ab",
        ),
    ]);
}

/// format() with %s/%I/%L, positions, widths and its errors.
#[test]
fn format() {
    check(&[
        (
            "SELECT format('Hello %s, %I, %L', 'World', 'My Col', E'O\\'Reilly')",
            "Hello World, \"My Col\", 'O''Reilly'",
        ),
        (
            "SELECT format('%s %s', 1)",
            "!22023 too few arguments for format()",
        ),
        ("SELECT format('%2$s %1$s %s', 'a', 'b', 'c')", "b a b"),
        (
            "SELECT format('|%10s|%-10s|%*s|%-*s|', 'a', 'b', 3, 'c', 3, 'd')",
            "|         a|b         |  c|d  |",
        ),
        (
            "SELECT format('|%*s|', -4, 'x'), format('%L %s %L', NULL, NULL, 1), format('%%'), format(NULL), format('x', NULL)",
            "|x   ||NULL  '1'|%|NULL|x",
        ),
        (
            "SELECT format('%I', NULL)",
            "!22004 null values cannot be formatted as an SQL identifier",
        ),
        (
            "SELECT format('%z', 1)",
            "!22023 unrecognized format() type specifier \"z\"",
        ),
        (
            "SELECT format('%')",
            "!22023 unterminated format() type specifier",
        ),
        (
            "SELECT format('%0$s', 1)",
            "!22023 format specifies argument 0, but arguments are numbered from 1",
        ),
        (
            "SELECT format('%1$s %s', 'a', 'b'), format('%s', ARRAY[1,2]), format('%I', 'Ab'), format('%I', 'ab'), format('%L', 'it''s')",
            "a b|{1,2}|\"Ab\"|ab|'it''s'",
        ),
        (
            "SELECT format('%3$s', 1, 2)",
            "!22023 too few arguments for format()",
        ),
        ("SELECT format('%1$*2$s|', 'x', 5)", "    x|"),
        ("SELECT format('%-5s|%5L|', NULL, 'a')", "     |  'a'|"),
        (
            "SELECT format('%s')",
            "!22023 too few arguments for format()",
        ),
        (
            "SELECT format('abc %', 1)",
            "!22023 unterminated format() type specifier",
        ),
        (
            "SELECT format('%1$', 1)",
            "!22023 unterminated format() type specifier",
        ),
        (
            "SELECT format('%*3$s', 1, 2, 3)",
            "!22023 too few arguments for format()",
        ),
        (
            "SELECT format('%2147483648$s', 1)",
            "!22003 number is out of range",
        ),
        (
            "SELECT format('%*1$s', 'x')",
            "!22P02 invalid input syntax for type integer: \"x\"",
        ),
        (
            "SELECT format('%s and %s', 1.5, true), format('%s', '2024-01-01'::date), format('%5s|', 'héllo'), format('%-3s|', 'é')",
            "1.5 and t|2024-01-01|héllo||é  |",
        ),
        (
            "SELECT format('%*s|', NULL, 'x'), format('%1$s %1$L %1$I', 'a b')",
            "x||a b 'a b' \"a b\"",
        ),
        (
            "SELECT format('%*2$s', 1)",
            "!22023 too few arguments for format()",
        ),
    ]);
}

/// bytea functions, digests, encode/decode, convert_from/convert_to.
#[test]
fn bytes() {
    check(&[
        (
            "SELECT length('\\x0102'::bytea), octet_length('\\x0102'::bytea), bit_length('\\x0102'::bytea), length('abc'::bytea), octet_length(''::bytea)",
            "2|2|16|3|0",
        ),
        (
            "SELECT substr('\\x010203'::bytea, 2), substring('\\x010203'::bytea from 2 for 1), substr('\\x010203'::bytea, 0, 2), substr('\\x010203'::bytea, 5)",
            "\\x0203|\\x02|\\x01|\\x",
        ),
        (
            "SELECT overlay('\\x010203'::bytea placing '\\xff'::bytea from 2), overlay('\\x010203'::bytea placing '\\xffff'::bytea from 2 for 1)",
            "\\x01ff03|\\x01ffff03",
        ),
        (
            "SELECT btrim('\\x0001020100'::bytea, '\\x00'::bytea), ltrim('\\x0001'::bytea, '\\x00'::bytea), rtrim('\\x0100'::bytea, '\\x00'::bytea)",
            "\\x010201|\\x01|\\x01",
        ),
        (
            "SELECT get_byte('\\x0102'::bytea, 1), set_byte('\\x0102'::bytea, 0, 255)",
            "2|\\xff02",
        ),
        (
            "SELECT get_byte('\\x0102'::bytea, 2)",
            "!2202E index 2 out of valid range, 0..1",
        ),
        (
            "SELECT get_byte(''::bytea, 0)",
            "!2202E index 0 out of valid range, 0..-1",
        ),
        (
            "SELECT md5('\\x00'::bytea), sha224('abc'), sha256('abc'), sha256(''::bytea), sha384(''), sha512('')",
            "93b885adfe0da089cdf634904fd59f71|\\x23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7|\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|\\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|\\x38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b|\\xcf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        ),
        (
            "SELECT sha256('abc'::text)",
            "!42883 function sha256(text) does not exist",
        ),
        (
            "SELECT encode('abc', 'hex'), encode('\\x00ff'::bytea, 'base64'), encode('a\\000b'::bytea, 'escape'), encode(E'\\\\x5c27'::bytea, 'escape'), encode('\\x01'::bytea, 'ESCAPE'), encode('\\xff'::bytea, 'escape'), encode(''::bytea, 'base64')",
            "616263|AP8=|a\\000b|\\\\'|\u{0001}|\\377|",
        ),
        (
            "SELECT encode(repeat('a', 60)::bytea, 'base64')",
            "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\nYWFh",
        ),
        (
            "SELECT encode(repeat('a', 57)::bytea, 'base64') || '|'",
            "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\n|",
        ),
        (
            "SELECT encode(repeat('a', 58)::bytea, 'base64') || '|'",
            "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\nYQ==|",
        ),
        (
            "SELECT encode(sha256('abc'), 'hex'), encode('\\x0001'::bytea, 'HEX')",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|0001",
        ),
        (
            "SELECT decode('616263', 'hex'), decode('YWJj', 'base64'), decode('a\\\\000b', 'escape'), decode('YW Jj', 'base64'), decode('YQ==', 'base64'), decode('ff', 'HEX'), decode(' ', 'base64'), decode('', 'hex'), decode('61 62', 'hex')",
            "\\x616263|\\x616263|\\x615c30303062|\\x616263|\\x61|\\xff|\\x|\\x|\\x6162",
        ),
        (
            "SELECT decode('a\\\\9', 'escape'), decode('\\\\101', 'escape'), decode(E'YWJj\\nZGVm', 'base64')",
            "\\x615c39|\\x5c313031|\\x616263646566",
        ),
        (
            "SELECT decode('6', 'hex')",
            "!22023 invalid hexadecimal data: odd number of digits",
        ),
        (
            "SELECT decode('zz', 'hex')",
            "!22023 invalid hexadecimal digit: \"z\"",
        ),
        (
            "SELECT decode('6 1', 'hex')",
            "!22023 invalid hexadecimal digit: \" \"",
        ),
        (
            "SELECT decode('YWJ', 'base64')",
            "!22023 invalid base64 end sequence",
        ),
        (
            "SELECT decode('YQ=', 'base64')",
            "!22023 invalid base64 end sequence",
        ),
        (
            "SELECT decode('Y=Q=', 'base64')",
            "!22023 unexpected \"=\" while decoding base64 sequence",
        ),
        (
            "SELECT decode('=', 'base64')",
            "!22023 unexpected \"=\" while decoding base64 sequence",
        ),
        (
            "SELECT decode('Y!Jj', 'base64')",
            "!22023 invalid symbol \"!\" found while decoding base64 sequence",
        ),
        (
            "SELECT encode('abc', 'foo')",
            "!22023 unrecognized encoding: \"foo\"",
        ),
        (
            "SELECT decode('x', 'foo')",
            "!22023 unrecognized encoding: \"foo\"",
        ),
        (
            "SELECT decode('a\\9', 'escape')",
            "!22P02 invalid input syntax for type bytea",
        ),
        (
            "SELECT convert_from('\\xc3a9', 'UTF8'), convert_to('é', 'UTF8'), convert_from('\\xe9', 'LATIN1'), convert_to('é', 'LATIN1'), convert_from('\\x41', 'utf-8'), convert_to('a', 'sql_ascii')",
            "é|\\xc3a9|é|\\xe9|A|\\x61",
        ),
        (
            "SELECT convert_from('\\xff', 'UTF8')",
            "!22021 invalid byte sequence for encoding \"UTF8\": 0xff",
        ),
        (
            "SELECT convert_from('\\xc328', 'UTF8')",
            "!22021 invalid byte sequence for encoding \"UTF8\": 0xc3 0x28",
        ),
        (
            "SELECT convert_from('\\xe282', 'UTF8')",
            "!22021 invalid byte sequence for encoding \"UTF8\": 0xe2 0x82",
        ),
        (
            "SELECT convert_from('\\x00', 'utf-8')",
            "!22021 invalid byte sequence for encoding \"UTF8\": 0x00",
        ),
        (
            "SELECT convert_from('\\x41', 'FOO')",
            "!22023 invalid source encoding name \"FOO\"",
        ),
        (
            "SELECT convert_to('a', 'FOO')",
            "!22023 invalid destination encoding name \"FOO\"",
        ),
        (
            "SELECT convert_to('€', 'LATIN1')",
            "!22P05 character with byte sequence 0xe2 0x82 0xac in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"",
        ),
        (
            "SELECT pg_catalog.position('abc', 'c'), pg_catalog.position('abc', ''), pg_catalog.position('\\x010203'::bytea, '\\x0203'::bytea), pg_catalog.position('\\x01'::bytea, '\\x02'::bytea), pg_catalog.position('\\x01'::bytea, ''::bytea)",
            "3|1|2|0|1",
        ),
    ]);
}

/// Regular expressions: regexp_replace/match/split/count/instr/like/substr, substring, similar_to_escape.
#[test]
fn regex() {
    check(&[
        (
            "SELECT regexp_replace('baaac', 'a*', '-', 'g'), regexp_replace('abc', 'x*', '-', 'g'), regexp_replace('abc', '', '-', 'g')",
            "-b--c-|-a-b-c-|-a-b-c-",
        ),
        (
            "SELECT regexp_replace('Thomas', '.[mN]a.', 'M'), regexp_replace('foobarbaz', 'b(..)', 'X\\1Y', 'g'), regexp_replace('abc', 'b', '[\\&]\\\\\\q')",
            "ThM|fooXarYXazY|a[b]\\\\qc",
        ),
        (
            "SELECT regexp_replace('aaa', 'a', 'b', 2), regexp_replace('aaaa', 'a', 'b', 1, 3), regexp_replace('aaaa', 'a', 'b', 2, 0), regexp_replace('aaaa', 'a', 'b', 1, 2, 'g'), regexp_replace('aaaa', 'a', 'b', 1, 2)",
            "aba|aaba|abbb|abaa|abaa",
        ),
        (
            "SELECT regexp_replace('abc', 'b', '\\0'), regexp_replace('abc', '(b)', '\\2x'), regexp_replace('abc', 'b', '\\'), regexp_replace('abc', 'x*', '-', 10), regexp_replace('abc', 'x*', '-', 4)",
            "a\\0c|axc|a\\c|abc|abc-",
        ),
        (
            "SELECT regexp_replace('a', 'a', 'b', 0)",
            "!22023 invalid value for parameter \"start\": 0",
        ),
        (
            "SELECT regexp_replace('a', 'a', 'b', 1, -1)",
            "!22023 invalid value for parameter \"n\": -1",
        ),
        (
            "SELECT regexp_replace('a', 'a', 'b', 'z')",
            "!22023 invalid regular expression option: \"z\"",
        ),
        (
            "SELECT regexp_replace('a', 'a', 'b', '1')",
            "!22023 invalid regular expression option: \"1\"",
        ),
        (
            "SELECT regexp_replace('AbC', 'b', 'x', 'gi'), regexp_replace('a.c', '.', 'x', 'q'), regexp_replace(E'a\\nb', '^b', 'x', 'n'), regexp_replace(E'a\\nb', 'a.b', 'x'), regexp_replace('ABC', 'b', 'x', 'ic')",
            "AxC|axc|a\nx|x|ABC",
        ),
        (
            "SELECT regexp_replace('héllo', 'l', 'L', 4), regexp_replace('héllo wörld', '(\\w+) (\\w+)', '\\2 \\1')",
            "hélLo|wörld héllo",
        ),
        (
            "SELECT regexp_match('foobarbequebaz', '(bar)(beque)'), regexp_match('abc', 'b'), regexp_match('abc', 'x'), regexp_match('abc', '(x)?b'), pg_typeof(regexp_match('a','a'))",
            "{bar,beque}|{b}|NULL|{NULL}|text[]",
        ),
        (
            "SELECT regexp_match('abc', 'b', 'g')",
            "!22023 regexp_match() does not support the \"global\" option",
        ),
        (
            "SELECT regexp_match(E'a\\nb', 'a.b'), regexp_match(E'a\\nb', '^b', 'n'), regexp_match(E'a\\nb', '^b', 'w'), regexp_match(E'a\\nb', 'a.b', 'p'), regexp_match('ABC', 'b', 'i')",
            "{\"a\nb\"}|{b}|{b}|NULL|{B}",
        ),
        (
            "SELECT regexp_match('abc', '(?i)B'), regexp_match('abc', '***=a.'), regexp_match('a.c', '***=a.'), regexp_match('a{b', 'a{b'), regexp_match('aa', 'a{2}')",
            "{b}|NULL|{a.}|{\"a{b\"}|{aa}",
        ),
        (
            "SELECT regexp_match('a b', 'a\\sb'), regexp_match('a%b', 'a\\%b'), regexp_match(E'a\\tb', 'a\\tb'), regexp_match('aAb', 'a\\x41b'), regexp_match('a-b', '[a\\-]+'), regexp_match('aAb', 'a\\u0041b')",
            "{\"a b\"}|{a%b}|{\"a\tb\"}|NULL|{a-}|{aAb}",
        ),
        (
            "SELECT regexp_replace('hello', '\\mh', 'X'), regexp_replace('a b', '\\y', '|', 'g'), regexp_replace('ab', '[[:alpha:]]', 'X', 'g'), regexp_replace('a[b', '[[]', 'X'), regexp_replace('a1b2', '\\d', '#', 'g'), regexp_replace('a b', '[[:space:]]', '_')",
            "Xello||a| |b||XX|aXb|a#b#|a_b",
        ),
        (
            "SELECT regexp_replace('ab cd', '[[:<:]]', '|', 'g'), regexp_replace('ab cd', '\\M', '|', 'g'), regexp_replace('a]b', '[]]', 'X'), regexp_replace('abc', '[^b]', 'X', 'g')",
            "|ab |cd|ab| cd||aXb|XbX",
        ),
        (
            "SELECT regexp_match('aXb', 'a\\Xb')",
            "!2201B invalid regular expression: invalid escape \\ sequence",
        ),
        (
            "SELECT regexp_match('ab', 'a{2')",
            "!2201B invalid regular expression: braces {} not balanced",
        ),
        (
            "SELECT regexp_match('ab', '[a')",
            "!2201B invalid regular expression: brackets [] not balanced",
        ),
        (
            "SELECT regexp_match('ab', '*a')",
            "!2201B invalid regular expression: quantifier operand invalid",
        ),
        (
            "SELECT regexp_match('ab', 'a)')",
            "!2201B invalid regular expression: parentheses () not balanced",
        ),
        (
            "SELECT regexp_match('ab', '(a')",
            "!2201B invalid regular expression: parentheses () not balanced",
        ),
        (
            "SELECT regexp_match('ab', 'a{3,2}')",
            "!2201B invalid regular expression: invalid repetition count(s)",
        ),
        (
            "SELECT regexp_split_to_array('hello world', '\\s+'), regexp_split_to_array('hello', ''), regexp_split_to_array('', 'x'), regexp_split_to_array('abc', 'x*'), regexp_split_to_array(',a,', ','), regexp_split_to_array('aXbxc', 'x', 'i')",
            "{hello,world}|{h,e,l,l,o}|{\"\"}|{a,b,c}|{\"\",a,\"\"}|{a,b,c}",
        ),
        (
            "SELECT regexp_split_to_array('a b', ' ', 'g')",
            "!22023 regexp_split_to_array() does not support the \"global\" option",
        ),
        (
            "SELECT regexp_count('abcabc', 'b'), regexp_count('abcabc', 'b', 3), regexp_count('ABC', 'b', 1, 'i'), regexp_count('aaa', 'a*'), regexp_count('', ''), regexp_count('abc', ''), regexp_count('abc', 'b', 10)",
            "2|1|1|2|1|4|0",
        ),
        (
            "SELECT regexp_count('abc', 'b', 1, 'g')",
            "!22023 regexp_count() does not support the \"global\" option",
        ),
        (
            "SELECT regexp_count('abc', 'b', 0)",
            "!22023 invalid value for parameter \"start\": 0",
        ),
        (
            "SELECT regexp_instr('abcabc', 'b'), regexp_instr('abcabc', 'b', 1, 2), regexp_instr('abcabc', 'b', 1, 1, 1), regexp_instr('abcabc', 'a(b)c', 1, 1, 0, '', 1), regexp_instr('abc', 'x'), regexp_instr('héllo', 'l'), regexp_instr('abc', 'b', 10), regexp_instr('abc', 'b', 1, 1, 0, '', 5)",
            "2|5|3|2|0|3|0|0",
        ),
        (
            "SELECT regexp_instr('abc', 'b', 0)",
            "!22023 invalid value for parameter \"start\": 0",
        ),
        (
            "SELECT regexp_instr('abc', 'b', 1, 0)",
            "!22023 invalid value for parameter \"n\": 0",
        ),
        (
            "SELECT regexp_instr('abc', 'b', 1, 1, 2)",
            "!22023 invalid value for parameter \"endoption\": 2",
        ),
        (
            "SELECT regexp_instr('abc', 'b', 1, 1, 0, '', -1)",
            "!22023 invalid value for parameter \"subexpr\": -1",
        ),
        (
            "SELECT regexp_substr('abcabc', 'b.'), regexp_substr('abcabc', 'b.', 1, 2), regexp_substr('abc', 'x'), regexp_substr('abcabc', 'a(b)(c)', 1, 1, '', 2), regexp_substr('héllo', 'l+'), regexp_substr('abc', 'b', 1, 1, '', 5), regexp_substr('ABC', 'b', 1, 1, 'i')",
            "bc|bc|NULL|c|ll|NULL|B",
        ),
        (
            "SELECT regexp_like('abc', 'B', 'i'), regexp_like('abc', 'x'), regexp_like('abc', '^a')",
            "t|f|t",
        ),
        (
            "SELECT regexp_like('abc', 'B', 'g')",
            "!22023 regexp_like() does not support the \"global\" option",
        ),
        (
            "SELECT substring('foobar' from 'o.b'), substring('foobar' from 'o(.)b'), substring('foobar' from 'x'), substring('foobar', 'o(x)?b'), substring('foobar', '^f(o+)')",
            "oob|o|NULL|NULL|oo",
        ),
        (
            "SELECT substring('abc' from '(')",
            "!2201B invalid regular expression: parentheses () not balanced",
        ),
        (
            "SELECT substring('foobar' from '%o#\"ba#\"r' for '#'), substring('foobar', '%#\"o_b#\"%', '#'), substring('foobar', 'f%b', '#'), substring('xyz', 'a#\"b#\"c', '#'), substring('abcabc', '%#\"b%#\"', '#')",
            "ba|oob|NULL|NULL|bcabc",
        ),
        (
            "SELECT similar_to_escape('%o#\"ba#\"r', '#'), similar_to_escape('a_b%'), similar_to_escape('a.b|c*'), similar_to_escape('[a-z]\\%'), similar_to_escape('x', NULL), similar_to_escape('a', ''), similar_to_escape('(a$b^c)')",
            "^(?:.*o){1,1}?(ba){1,1}(?:r)$|^(?:a.b.*)$|^(?:a\\.b|c*)$|^(?:[a-z]\\%)$|NULL|^(?:a)$|^(?:(?:a\\$b\\^c))$",
        ),
        (
            "SELECT similar_to_escape('a', 'xy')",
            "!22025 invalid escape string",
        ),
        (
            "SELECT similar_to_escape('a#\"b#\"c#\"d', '#')",
            "!2200C SQL regular expression may not contain more than two escape-double-quote separators",
        ),
        (
            "SELECT textregexeq('abc', 'b'), textregexne('abc', 'b'), texticregexeq('abc', 'B'), texticregexne('abc', 'B')",
            "t|f|t|f",
        ),
        (
            "SELECT regexp_match('aa', '(a)\\1'), regexp_split_to_array('abc', '(?=b)'), regexp_replace('foo bar', '(?<=foo )bar', 'X'), regexp_replace('abab', '(ab)\\1', 'X'), regexp_match('xay', '(?!x).a'), regexp_replace('ABab', '(?=b)', '|', 'gi')",
            "{a}|{a,bc}|foo X|X|NULL|A|Ba|b",
        ),
        (
            "SELECT regexp_replace('hello hello world', '\\m(\\w+) \\1\\M', '\\1'), regexp_count('aXbxc', '(?<=x)', 1, 'i'), regexp_like(E'a\\nb', '^b(?=$)', 'n'), regexp_instr('abcabc', '(?<=a)b', 1, 2), substring('foofoo' from '(f.o)\\1')",
            "hello world|2|t|5|foo",
        ),
        (
            "SELECT regexp_replace('aaa', 'a*?', 'X'), regexp_replace('abcabc', 'b.*?c', 'X', 'g'), regexp_match('foo123bar', '\\d+'), regexp_match('abc', '(?:a)(b)'), regexp_replace('ABC', '[[:upper:]]', 'x', 'g'), regexp_replace('a.b.c', '\\.', '-', 'g'), regexp_match('a+b', 'a\\+b')",
            "Xaaa|aXaX|{123}|{b}|xxx|a-b-c|{a+b}",
        ),
    ]);
}

/// Numeric functions: rounding, mod/div, gcd/lcm, factorial, width_bucket, power/sqrt/exp/ln/log, trigonometry.
#[test]
fn math() {
    check(&[
        (
            "SELECT abs(-5), abs(-5::int2), abs(-5::int8), abs(-1.5), abs(-1.5::float4), abs(-0.0::float8), abs(-2.5::float8)",
            "5|5|5|1.5|1.5|0|2.5",
        ),
        ("SELECT abs(-2147483648)", "!22003 integer out of range"),
        ("SELECT abs(-32768::int2)", "!22003 smallint out of range"),
        (
            "SELECT ceil(1.2), ceil(-1.2), ceil(-0.5::float8), ceiling(1.1), ceil(1.2::float8), floor(-1.2), floor(1.8::float8), ceil('Infinity'::numeric), floor('NaN'::float8)",
            "2|-1|-0|2|2|-2|1|Infinity|NaN",
        ),
        (
            "SELECT round(2.5::float8), round(-2.5::float8), round(3.5::float8), round(2.5), round(-2.5), round(1.2345, 2), round(1234.5, -2), round(1.5::float4), round(1e20::float8)",
            "2|-2|4|3|-3|1.23|1200|2|1e+20",
        ),
        (
            "SELECT round(1.5::float8, 1)",
            "!42883 function round(double precision, integer) does not exist",
        ),
        (
            "SELECT trunc(1.9::float8), trunc(-1.9), trunc(1.2345, 2), trunc(1234.5, -2), trunc(-1.9::float8), trunc('NaN'::float8), round('Infinity'::numeric), round('NaN'::numeric, 2), ceil('-Infinity'::numeric)",
            "1|-1|1.23|1200|-1|NaN|Infinity|NaN|-Infinity",
        ),
        (
            "SELECT round(0.5), round(-0.5), round(1.25, 1), round(1.35, 1), trunc(5.99, 1), round(9.999, 2)",
            "1|-1|1.3|1.4|5.9|10.00",
        ),
        (
            "SELECT sign(-3.5), sign(0::float8), sign(2), sign('NaN'::numeric), sign('-Infinity'::float8), sign(0.0), sign(-7)",
            "-1|0|1|NaN|-1|0|-1",
        ),
        (
            "SELECT mod(7, 3), mod(-7, 3), mod(7, -3), mod(7.5, 2), mod(-2147483648, -1), mod(-9223372036854775808, -1), mod(7::int2, 3::int2), mod(10::int8, 3)",
            "1|-1|1|1.5|0|0|1|1",
        ),
        ("SELECT mod(1, 0)", "!22012 division by zero"),
        ("SELECT mod(1.5, 0)", "!22012 division by zero"),
        (
            "SELECT div(7, 2), div(-7.5, 2), div(9, 3), div(-7, 2)",
            "3|-3|3|-3",
        ),
        ("SELECT div(1, 0)", "!22012 division by zero"),
        (
            "SELECT power(2, 10), power(2.0, 0.5), pow(2, -1), power(0, 0), power(2::numeric, 100), power(-2, 3), power(4::float8, 0.5::float8)",
            "1024|1.4142135623730950|0.5|1|1267650600228229401496703205376.0000000000000000|-8|2",
        ),
        (
            "SELECT power(-8, 1.0/3)",
            "!2201F a negative number raised to a non-integer power yields a complex result",
        ),
        (
            "SELECT power(-8::float8, 1.0::float8/3)",
            "!2201F a negative number raised to a non-integer power yields a complex result",
        ),
        (
            "SELECT power(0::float8, -1::float8)",
            "!2201F zero raised to a negative power is undefined",
        ),
        (
            "SELECT power(0::numeric, -1)",
            "!2201F zero raised to a negative power is undefined",
        ),
        (
            "SELECT power(10::float8, 400::float8)",
            "!22003 value out of range: overflow",
        ),
        (
            "SELECT power(10::float8, -400::float8)",
            "!22003 value out of range: underflow",
        ),
        (
            "SELECT power('NaN'::float8, 0), power(1::float8, 'NaN'), power(-1::float8, 'Infinity'), power(2::float8, '-Infinity')",
            "1|1|1|0",
        ),
        (
            "SELECT sqrt(2), sqrt(2.0), sqrt('Infinity'::float8), sqrt(0), sqrt(16.0), |/ 25, ||/ 27::float8",
            "1.4142135623730951|1.414213562373095|Infinity|0|4.000000000000000|5|3.0000000000000004",
        ),
        (
            "SELECT cbrt(27), cbrt(-8), cbrt(0), cbrt(2::float8)",
            "3.0000000000000004|-2|0|1.2599210498948734",
        ),
        (
            "SELECT sqrt(-1.0)",
            "!2201F cannot take square root of a negative number",
        ),
        (
            "SELECT sqrt(-1::float8)",
            "!2201F cannot take square root of a negative number",
        ),
        (
            "SELECT exp(1), exp(1.0), exp(0), exp(-1::float8), exp('-Infinity'::float8), exp('Infinity'::float8), exp(0.5::float8)",
            "2.718281828459045|2.7182818284590452|1|0.36787944117144233|0|Infinity|1.6487212707001282",
        ),
        (
            "SELECT exp(1000::float8)",
            "!22003 value out of range: overflow",
        ),
        (
            "SELECT exp(-1000::float8)",
            "!22003 value out of range: underflow",
        ),
        (
            "SELECT ln(10), ln(10.0), ln(1), ln(2::float8), ln('Infinity'::float8)",
            "2.302585092994046|2.3025850929940457|0|0.6931471805599453|Infinity",
        ),
        (
            "SELECT log(100), log(100.0), log(2, 8), log10(1000), log10(1000.0), log(2.0, 1024), log(0.001::float8)",
            "2|2.0000000000000000|3.0000000000000000|3|3.0000000000000000|10.0000000000000000|-3",
        ),
        ("SELECT ln(0)", "!2201E cannot take logarithm of zero"),
        (
            "SELECT ln(-1)",
            "!2201E cannot take logarithm of a negative number",
        ),
        ("SELECT ln(0.0)", "!2201E cannot take logarithm of zero"),
        ("SELECT log(0.0)", "!2201E cannot take logarithm of zero"),
        (
            "SELECT log(-1::float8)",
            "!2201E cannot take logarithm of a negative number",
        ),
        (
            "SELECT log10(0::float8)",
            "!2201E cannot take logarithm of zero",
        ),
        ("SELECT log(10, 0)", "!2201E cannot take logarithm of zero"),
        ("SELECT log(1, 10)", "!22012 division by zero"),
        (
            "SELECT pi(), degrees(pi()), radians(180), degrees(1), radians(1)",
            "3.141592653589793|180|3.141592653589793|57.29577951308232|0.017453292519943295",
        ),
        (
            "SELECT sin(0), cos(0), tan(0), cot(1), asin(1), acos(1), atan(1), atan2(1, 1), atan2(-1, -1)",
            "0|1|0|0.6420926159343306|1.5707963267948966|0|0.7853981633974483|0.7853981633974483|-2.356194490192345",
        ),
        (
            "SELECT sin(1), cos(1), tan(1), asin(0.5), acos(0.5), atan(2), sinh(1), cosh(1), tanh(1), asinh(1), acosh(1), atanh(0.5), acosh(2)",
            "0.8414709848078965|0.5403023058681398|1.5574077246549023|0.5235987755982989|1.0471975511965979|1.1071487177940904|1.1752011936438014|1.5430806348152437|0.7615941559557649|0.881373587019543|0|0.5493061443340548|1.3169578969248166",
        ),
        (
            "SELECT sind(30), cosd(60), tand(45), cotd(45), asind(0.5), acosd(0.5), atand(1), atan2d(1, 1), sind(31), cosd(120), sind(-90), tand(135), cosd(180), sind(360), tand(90), cotd(90)",
            "0.5|0.5|1|1|30|60|45|45|0.515038074910054|-0.5|-1|-1|-1|0|Infinity|0",
        ),
        (
            "SELECT asind(-0.5), acosd(-0.5), asind(1), acosd(0), acosd(-1), atand(-1), atan2d(-1, 0)",
            "-30|120|90|90|180|-45|-90",
        ),
        ("SELECT asin(2)", "!22003 input is out of range"),
        ("SELECT acos(-1.5)", "!22003 input is out of range"),
        ("SELECT acosh(0.5)", "!22003 input is out of range"),
        (
            "SELECT atanh(1), atanh(-1), cot(0)",
            "Infinity|-Infinity|Infinity",
        ),
        ("SELECT atanh(2)", "!22003 input is out of range"),
        (
            "SELECT sin('Infinity'::float8)",
            "!22003 input is out of range",
        ),
        (
            "SELECT sind('Infinity'::float8)",
            "!22003 input is out of range",
        ),
        (
            "SELECT sin('NaN'::float8), asin('NaN'::float8), sind('NaN'::float8)",
            "NaN|NaN|NaN",
        ),
        (
            "SELECT gcd(12, 18), gcd(-12, 18), gcd(0, 0), lcm(4, 6), lcm(0, 5), lcm(-4, 6), gcd(12::int8, 18::int8), gcd(9223372036854775807, 3)",
            "6|6|0|12|0|12|6|1",
        ),
        (
            "SELECT gcd(12.5, 5), lcm(1.5, 2.5), gcd(0.0, 0), gcd(-12, 18.00), lcm(2, 3.0)",
            "2.5|7.5|0.0|6.00|6.0",
        ),
        (
            "SELECT gcd(1::int2, 2::int2)",
            "!42725 function gcd(smallint, smallint) is not unique",
        ),
        ("SELECT gcd(-2147483648, 0)", "!22003 integer out of range"),
        (
            "SELECT gcd(-9223372036854775808, 0)",
            "!22003 bigint out of range",
        ),
        (
            "SELECT lcm(2147483647, 2147483646)",
            "!22003 integer out of range",
        ),
        (
            "SELECT gcd(-2147483648, 6), gcd(-2147483648::int8, 0)",
            "2|2147483648",
        ),
        (
            "SELECT factorial(5), factorial(0), factorial(20), factorial(25), pg_typeof(factorial(3))",
            "120|1|2432902008176640000|15511210043330985984000000|numeric",
        ),
        (
            "SELECT factorial(-1)",
            "!22003 factorial of a negative number is undefined",
        ),
        (
            "SELECT factorial(33000)",
            "!22003 value overflows numeric format",
        ),
        (
            "SELECT width_bucket(5.35, 0.024, 10.06, 5), width_bucket(5.35::float8, 0.024, 10.06, 5), width_bucket(-1, 0, 10, 5), width_bucket(11, 0, 10, 5), width_bucket(5, 10, 0, 5), width_bucket(10, 0, 10, 5), width_bucket(0, 10, 0, 5)",
            "3|3|0|6|3|6|6",
        ),
        (
            "SELECT width_bucket(3, ARRAY[1,3,5]), width_bucket(0, ARRAY[1,3,5]), width_bucket(9, ARRAY[1,3,5]), width_bucket('c', ARRAY['a','d']), width_bucket(1, '{}'::int[])",
            "2|0|3|1|0",
        ),
        (
            "SELECT width_bucket(7.5, 0, 10, 4), width_bucket(7.5::float8, 0, 10, 4), width_bucket(2.5, 10, 0, 4), width_bucket(1e308::float8, -1e308, 1e308, 10)",
            "4|4|4|11",
        ),
        (
            "SELECT width_bucket(1, 0, 10, 0)",
            "!2201G count must be greater than zero",
        ),
        (
            "SELECT width_bucket(1, 0, 0, 5)",
            "!2201G lower bound cannot equal upper bound",
        ),
        (
            "SELECT width_bucket(1::float8, 'NaN', 10, 5)",
            "!2201G operand, lower bound, and upper bound cannot be NaN",
        ),
        (
            "SELECT width_bucket(1::float8, 0, 'Infinity', 5)",
            "!2201G lower and upper bounds must be finite",
        ),
        (
            "SELECT width_bucket(1.0, 0, 'Infinity'::numeric, 5)",
            "!2201G lower and upper bounds must be finite",
        ),
        (
            "SELECT width_bucket(11, 0, 10, 2147483647)",
            "!22003 integer out of range",
        ),
        (
            "SELECT width_bucket(1, ARRAY[[1,2],[3,4]])",
            "!2202E thresholds must be one-dimensional array",
        ),
        (
            "SELECT width_bucket(1, ARRAY[1,NULL])",
            "!22004 thresholds array must not contain NULLs",
        ),
        (
            "SELECT scale(1.50), min_scale(1.500), trim_scale(1.500), scale('NaN'::numeric), trim_scale(0.000), scale(12), min_scale(0), trim_scale(100)",
            "2|1|1.5|NULL|0|0|0|100",
        ),
        ("SELECT setseed(0.5)", ""),
        (
            "SELECT setseed(2)",
            "!22023 setseed parameter 2 is out of allowed range [-1,1]",
        ),
        (
            "SELECT round(1.5, 40), trunc(123.456, 5)",
            "1.5000000000000000000000000000000000000000|123.45600",
        ),
    ]);
}

/// Date/time functions: extract/date_part, date_trunc, age, to_char, to_date/to_timestamp, make_*, justify_*, date_bin, AT TIME ZONE.
#[test]
fn datetime() {
    check(&[
        (
            "SELECT extract(year from '2024-02-29 13:45:30.5'::timestamp), extract(epoch from '2024-01-01'::date), extract(second from '13:45:30.5'::time), extract(day from interval '3 days 4 hours'), extract(month from '2024-02-29'::date)",
            "2024|1704067200|30.500000|3|2",
        ),
        (
            "SELECT extract(epoch from '2024-01-01 00:00:00+00'::timestamptz), extract(epoch from '2024-01-01 00:00:00'::timestamp), extract(isodow from '2024-01-07'::date), extract(week from '2024-01-01'::date), extract(julian from '2024-01-01'::date), extract(century from '2001-01-01'::date), extract(quarter from '2024-05-01'::date)",
            "1704067200.000000|1704067200.000000|7|1|2460311|21|2",
        ),
        (
            "SELECT extract(hour from '2024-01-01 13:00+00'::timestamptz), extract(timezone from '2024-01-01 13:00+00'::timestamptz), extract(millisecond from '13:45:30.5'::time), extract(epoch from interval '1 day 1 hour'), extract(dow from 'infinity'::timestamp), extract(year from 'infinity'::timestamp)",
            "13|0|30500.000|90000.000000|NULL|Infinity",
        ),
        (
            "SELECT extract(foo from '2024-01-01'::timestamptz)",
            "!22023 unit \"foo\" not recognized for type timestamp with time zone",
        ),
        (
            "SELECT extract(timezone from '2024-01-01'::timestamp)",
            "!0A000 unit \"timezone\" not supported for type timestamp without time zone",
        ),
        (
            "SELECT extract(hour from '2024-01-01'::date)",
            "!0A000 unit \"hour\" not supported for type date",
        ),
        (
            "SELECT date_part('year', '2024-02-29'::timestamp), date_part('epoch', interval '1 day'), date_part('dow', '2024-02-29'::date), date_part('hour', '2024-02-29'::date), date_part('second', '13:45:30.5'::time), date_part('epoch', '2024-01-01 00:00:00.5+00'::timestamptz)",
            "2024|86400|4|0|30.5|1704067200.5",
        ),
        (
            "SELECT date_part('foo', '2024-01-01'::timestamp)",
            "!22023 unit \"foo\" not recognized for type timestamp without time zone",
        ),
        (
            "SELECT date_trunc('month', '2024-02-29 13:45'::timestamp), date_trunc('day', '2024-02-29 13:45+02'::timestamptz), date_trunc('hour', interval '3 days 4:05:06'), date_trunc('day', '2024-02-29 23:30+00'::timestamptz, 'Asia/Tokyo'), date_trunc('year', '2024-05-05'::date), date_trunc('week', '2024-02-29'::timestamp), date_trunc('quarter', '2024-05-05 10:00'::timestamp), date_trunc('minute', '2024-01-01 10:11:12.5'::timestamp)",
            "2024-02-01 00:00:00|2024-02-29 00:00:00+00|3 days 04:00:00|2024-02-29 15:00:00+00|2024-01-01 00:00:00+00|2024-02-26 00:00:00|2024-04-01 00:00:00|2024-01-01 10:11:00",
        ),
        (
            "SELECT date_trunc('foo', '2024-01-01'::timestamptz)",
            "!22023 unit \"foo\" not recognized for type timestamp with time zone",
        ),
        (
            "SELECT date_trunc('week', interval '3 days')",
            "!0A000 unit \"week\" not supported for type interval",
        ),
        (
            "SELECT date_trunc('day', 'infinity'::timestamp), date_trunc('day', '2024-01-01'::timestamp)",
            "infinity|2024-01-01 00:00:00",
        ),
        (
            "SELECT age('2024-03-01'::timestamp, '2023-01-15'::timestamp), age('2024-03-01'::date, '2023-01-15'::date), age('2023-01-15 10:00'::timestamptz, '2024-03-01'::timestamptz), age('2024-01-31'::timestamp, '2024-01-01 12:00'::timestamp)",
            "1 year 1 mon 17 days|1 year 1 mon 17 days|-1 years -1 mons -16 days -14:00:00|29 days 12:00:00",
        ),
        (
            "SELECT to_char('2024-02-29 13:45:30'::timestamp, 'YYYY-MM-DD HH24:MI:SS Day Mon'), to_char(interval '3 days 4:05:06', 'DD HH24:MI'), to_char('2024-01-01'::date, 'YYYY/MM/DD'), to_char('2024-02-29 13:45:30+00'::timestamptz, 'HH12:MI AM TZ'), to_char('2024-02-29'::timestamp, 'FMDay, FMDD FMMonth YYYY')",
            "2024-02-29 13:45:30 Thursday  Feb|03 04:05|2024/01/01|01:45 PM UTC|Thursday, 29 February 2024",
        ),
        (
            "SELECT to_char(1234.5, '9,999.99'), to_char(42, '000'), to_char(-12.5::float8, 'S99.9'), to_char(1234567890123::bigint, '999999999999999'), to_char(1.5::real, '9.99'), to_char(123.456, '999D99'), to_char(0.5, 'FM9.99'), to_char(-0.5, '9.9'), to_char(12, '9'), to_char('NaN'::numeric, '999')",
            " 1,234.50| 042|-12.5|   1234567890123| 1.50| 123.46|.5| -.5| #| NaN",
        ),
        (
            "SELECT to_char(1e10::float8, '9.99EEEE'), to_char(7, 'FM00'), to_char(1234, '9G999')",
            " 1.00e+10|07| 1,234",
        ),
        (
            "SELECT to_char(now(), 'foo'), to_char('infinity'::timestamp, 'YYYY')",
            "foo|NULL",
        ),
        (
            "SELECT to_date('2024-02-29', 'YYYY-MM-DD'), to_timestamp('2024-02-29 13:45', 'YYYY-MM-DD HH24:MI'), to_timestamp(0), to_timestamp(1700000000.5), to_date('05 Mar 2024', 'DD Mon YYYY'), to_timestamp(-1)",
            "2024-02-29|2024-02-29 13:45:00+00|1970-01-01 00:00:00+00|2023-11-14 22:13:20.5+00|2024-03-05|1969-12-31 23:59:59+00",
        ),
        (
            "SELECT to_timestamp('NaN'::float8)",
            "!22008 timestamp cannot be NaN",
        ),
        (
            "SELECT to_timestamp(1e20)",
            "!22008 timestamp out of range: \"1e+20\"",
        ),
        (
            "SELECT to_timestamp('Infinity'::float8), to_timestamp('-Infinity'::float8)",
            "infinity|-infinity",
        ),
        (
            "SELECT to_date('2024-13-01', 'YYYY-MM-DD')",
            "!22008 date/time field value out of range: \"2024-13-01\"",
        ),
        (
            "SELECT make_date(2024, 2, 29), make_date(-44, 3, 15), make_time(13, 45, 30.5), make_timestamp(2024, 2, 29, 13, 45, 30.5), make_timestamptz(2024, 2, 29, 13, 45, 30.5), make_timestamptz(2024, 2, 29, 13, 45, 30.5, 'Asia/Tokyo')",
            "2024-02-29|0044-03-15 BC|13:45:30.5|2024-02-29 13:45:30.5|2024-02-29 13:45:30.5+00|2024-02-29 04:45:30.5+00",
        ),
        (
            "SELECT make_date(2023, 2, 29)",
            "!22008 date field value out of range: 2023-02-29",
        ),
        (
            "SELECT make_date(0, 1, 1)",
            "!22008 date field value out of range: 0-01-01",
        ),
        (
            "SELECT make_time(24, 0, 0), make_time(23, 59, 59.999999)",
            "24:00:00|23:59:59.999999",
        ),
        (
            "SELECT make_timestamptz(2024, 1, 1, 0, 0, 0, 'Foo/Bar')",
            "!22023 time zone \"Foo/Bar\" not recognized",
        ),
        (
            "SELECT make_interval(1), make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(0, 0, 0, 0, 0, 0, 0), make_interval(), make_interval(0, 0, 1), make_interval(0, 0, 0, 0, 0, 90)",
            "1 year|1 year 2 mons 25 days 05:06:07.5|00:00:00|00:00:00|7 days|01:30:00",
        ),
        (
            "SELECT justify_days(interval '35 days'), justify_hours(interval '27 hours'), justify_interval(interval '1 mon -1 hour'), justify_days(interval '-35 days'), justify_hours(interval '-27 hours')",
            "1 mon 5 days|1 day 03:00:00|29 days 23:00:00|-1 mons -5 days|-1 days -03:00:00",
        ),
        (
            "SELECT isfinite('2024-01-01'::date), isfinite('infinity'::date), isfinite('infinity'::timestamp), isfinite('-infinity'::timestamptz), isfinite(interval '1 day'), isfinite('2024-01-01'::timestamp)",
            "t|f|f|f|t|t",
        ),
        (
            "SELECT date_bin('15 minutes', '2020-02-11 15:44:17'::timestamp, '2001-01-01'::timestamp), date_bin('15 minutes', '2020-02-11 15:44:17+00'::timestamptz, '2001-01-01 00:02:30+00'::timestamptz), date_bin('1 day', '1999-12-31 13:00'::timestamp, '2000-01-01'::timestamp), date_bin('1 day', '1999-12-31 00:00'::timestamp, '2000-01-01'::timestamp), date_bin('1 day', 'infinity'::timestamp, '2000-01-01'::timestamp)",
            "2020-02-11 15:30:00|2020-02-11 15:32:30+00|1999-12-31 00:00:00|1999-12-31 00:00:00|infinity",
        ),
        (
            "SELECT date_bin('1 month', '2020-02-11'::timestamp, '2001-01-01'::timestamp)",
            "!0A000 timestamps cannot be binned into intervals containing months or years",
        ),
        (
            "SELECT date_bin('0 days', '2020-02-11'::timestamp, '2001-01-01'::timestamp)",
            "!22008 stride must be greater than zero",
        ),
        (
            "SELECT date_bin('1 day', '2000-01-01'::timestamp, 'infinity'::timestamp)",
            "!22008 origin out of range",
        ),
        (
            "SELECT '2024-01-01 12:00+00'::timestamptz AT TIME ZONE 'Asia/Tokyo', '2024-01-01 12:00'::timestamp AT TIME ZONE 'America/New_York', timezone('UTC', '2024-01-01 12:00'::timestamp), '2024-01-01 12:00+00'::timestamptz AT TIME ZONE interval '-05:00', '2024-01-01 12:00'::timestamp AT TIME ZONE interval '02:00'",
            "2024-01-01 21:00:00|2024-01-01 17:00:00+00|2024-01-01 12:00:00+00|2024-01-01 07:00:00|2024-01-01 10:00:00+00",
        ),
        (
            "SELECT '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'CEST', '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'cet', '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'UTC+3', '2024-07-01 12:00+00'::timestamptz AT TIME ZONE '-03:30', '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'Europe/Paris', '2024-01-01 12:00'::timestamp AT TIME ZONE '+05', '2024-01-01 12:00+00'::timestamptz AT TIME ZONE 'EST'",
            "2024-07-01 14:00:00|2024-07-01 13:00:00|2024-07-01 09:00:00|2024-07-01 15:30:00|2024-07-01 14:00:00|2024-01-01 17:00:00+00|2024-01-01 07:00:00",
        ),
        (
            "SELECT timezone('Foo/Bar', '2024-01-01'::timestamptz)",
            "!22023 time zone \"Foo/Bar\" not recognized",
        ),
        (
            "SELECT '2024-07-01 12:00+00'::timestamptz AT TIME ZONE interval '1 day'",
            "!22023 interval time zone \"1 day\" must not include months or days",
        ),
        (
            "SELECT 'infinity'::timestamptz AT TIME ZONE 'UTC', '-infinity'::timestamp AT TIME ZONE 'UTC'",
            "infinity|-infinity",
        ),
    ]);
}

/// Date/time functions in a session time zone with daylight saving time.
#[test]
fn zones() {
    check(&[
        (
            "SET TIME ZONE 'America/New_York'; SELECT '2024-03-10 12:00+00'::timestamptz, extract(hour from '2024-03-10 12:00+00'::timestamptz), extract(timezone from '2024-03-10 12:00+00'::timestamptz), date_part('timezone_hour', '2024-07-01 00:00+00'::timestamptz)",
            "2024-03-10 08:00:00-04|8|-14400|-4",
        ),
        (
            "SET TIME ZONE 'America/New_York'; SELECT date_trunc('day', '2024-03-10 12:00+00'::timestamptz), date_trunc('month', '2024-03-10 12:00+00'::timestamptz), date_trunc('hour', '2024-11-03 05:30+00'::timestamptz), date_trunc('day', '2024-03-10 12:00+00'::timestamptz, 'UTC')",
            "2024-03-10 00:00:00-05|2024-03-01 00:00:00-05|2024-11-03 01:00:00-04|2024-03-09 19:00:00-05",
        ),
        (
            "SET TIME ZONE 'America/New_York'; SELECT '2024-03-10 12:00'::timestamp AT TIME ZONE 'Europe/London', '2024-03-10 12:00+00'::timestamptz AT TIME ZONE 'Asia/Kolkata', timezone('UTC', '2024-01-01 00:00'::timestamp)",
            "2024-03-10 08:00:00-04|2024-03-10 17:30:00|2023-12-31 19:00:00-05",
        ),
        (
            "SET TIME ZONE 'America/New_York'; SELECT to_char('2024-03-10 12:00+00'::timestamptz, 'YYYY-MM-DD HH24:MI TZ OF'), to_timestamp('2024-03-10 03:30', 'YYYY-MM-DD HH24:MI'), make_timestamptz(2024, 7, 1, 9, 0, 0), to_timestamp(0)",
            "2024-03-10 08:00 EDT -04|2024-03-10 03:30:00-04|2024-07-01 09:00:00-04|1969-12-31 19:00:00-05",
        ),
        (
            "SET TIME ZONE 'America/New_York'; SELECT to_json('2024-07-01 12:00+00'::timestamptz), to_jsonb('2024-01-01 12:00+00'::timestamptz), age('2024-03-11 00:00-04'::timestamptz, '2024-03-09 00:00-05'::timestamptz)",
            "\"2024-07-01T08:00:00-04:00\"|\"2024-01-01T07:00:00-05:00\"|2 days",
        ),
        (
            "SET TIME ZONE 'Asia/Kolkata'; SELECT to_json('2024-07-01 12:00+00'::timestamptz), date_bin('1 hour', '2024-07-01 12:45+00'::timestamptz, '2000-01-01 00:00+00'::timestamptz), extract(epoch from '2024-07-01 12:00'::timestamp)",
            "\"2024-07-01T17:30:00+05:30\"|2024-07-01 17:30:00+05:30|1719835200.000000",
        ),
        (
            "SET TIME ZONE 'UTC'; SELECT date_part('timezone', now()), to_char('2024-01-01 00:00+00'::timestamptz, 'TZ')",
            "0|UTC",
        ),
    ]);
}

/// JSON functions: path extraction, operator functions, typeof, array length, to_json[b], builders, pretty printing.
#[test]
fn json() {
    check(&[
        (
            "SELECT json_extract_path('{\"a\": {\"b\": [1, 2,  {\"c\": \"x\"}]}}', 'a', 'b'), json_extract_path_text('{\"a\": {\"b\": \"x\\ny\"}}', 'a', 'b'), jsonb_extract_path('{\"a\": {\"b\": [1, 2]}}', 'a', 'b', '1'), jsonb_extract_path_text('{\"a\": null}', 'a'), json_extract_path('{\"a\": null}', 'a')",
            "[1, 2,  {\"c\": \"x\"}]|x\ny|2|NULL|null",
        ),
        (
            "SELECT json_extract_path('{\"a\":1,\"a\":2}', 'a'), json_extract_path('[1,2,3]', '-1'), jsonb_extract_path('[1,2,3]', '-1'), json_extract_path('{\"a\":1}', 'x'), json_extract_path('1', 'a'), json_extract_path('[1]', 'x'), json_extract_path('[1]', ' 0'), json_extract_path('[1]', '5')",
            "2|3|3|NULL|NULL|NULL|1|NULL",
        ),
        (
            "SELECT json_extract_path('{\"a\":1}')",
            "!42883 function json_extract_path(unknown) does not exist",
        ),
        (
            "SELECT json_extract_path_text('{\"a\": 1.50}', 'a'), jsonb_extract_path_text('{\"a\": 1.50}', 'a'), json_extract_path_text('{\"a\": {\"x\" : 1}}', 'a'), json_extract_path_text('{\"a\": \"\\u00e9\\t\"}', 'a'), jsonb_extract_path_text('{\"a\": {\"x\" : 1}}', 'a'), json_extract_path_text('{\"a\": true}', 'a')",
            "1.50|1.50|{\"x\" : 1}|é\t|{\"x\": 1}|true",
        ),
        (
            "SELECT json_extract_path('{\"a\": {\"b\": 1}}', 'a', NULL), jsonb_extract_path('{\"a\": [10, 20]}', 'a', '-2'), jsonb_extract_path('{\"a\": 1}', 'a', 'b')",
            "NULL|10|NULL",
        ),
        (
            "SELECT json_object_field('{\"a\": 1}', 'a'), json_object_field_text('{\"a\": \"x\"}', 'a'), json_array_element('[1,2]', 1), json_array_element_text('[\"a\"]', 0), jsonb_object_field('{\"a\": [1]}', 'a'), json_array_element('[1,2,3]', -1), jsonb_array_element('[1,2,3]', -1), json_object_field('{\"a\":1,\"a\":2}', 'a')",
            "1|x|2|a|[1]|3|3|2",
        ),
        (
            "SELECT json_object_field('[1]', '0'), json_array_element('{\"a\": 1}', 0), jsonb_object_field_text('{\"a\": null}', 'a'), jsonb_array_element_text('[null, \"x\"]', 1), jsonb_object_field('{\"b\": {\"c\": [1, 2]}}', 'b')",
            "NULL|NULL|NULL|x|{\"c\": [1, 2]}",
        ),
        (
            "SELECT json_typeof('{}'), json_typeof(' [1] '), jsonb_typeof('\"x\"'), json_typeof('1.5'), json_typeof('true'), json_typeof('null'), jsonb_typeof('{\"a\": 1}'), jsonb_typeof('-1'), pg_typeof(json_typeof('1')), json_typeof(NULL)",
            "object|array|string|number|boolean|null|object|number|text|NULL",
        ),
        (
            "SELECT json_array_length('[1,2,[3]]'), jsonb_array_length('[]'), json_array_length(' [ ] '), jsonb_array_length('[{\"a\": [1, 2]}, 2]')",
            "3|0|0|2",
        ),
        (
            "SELECT json_array_length('{}')",
            "!22023 cannot get array length of a non-array",
        ),
        (
            "SELECT json_array_length('1')",
            "!22023 cannot get array length of a scalar",
        ),
        (
            "SELECT jsonb_array_length('\"a\"')",
            "!22023 cannot get array length of a scalar",
        ),
        (
            "SELECT jsonb_array_length('{\"a\": 1}')",
            "!22023 cannot get array length of a non-array",
        ),
        (
            "SELECT to_json('a\"b'::text), to_json(1.50), to_json(true), to_json(ARRAY[1,2]), to_json('2024-01-01 12:00'::timestamp), to_json('2024-01-01 12:00+02'::timestamptz), to_json('2024-01-01'::date), to_json('{\"a\": 1}'::json), to_json(NULL::int), to_json(interval '1 day'), to_json('NaN'::float8), to_json('\\x01'::bytea)",
            "\"a\\\"b\"|1.50|true|[1,2]|\"2024-01-01T12:00:00\"|\"2024-01-01T10:00:00+00:00\"|\"2024-01-01\"|{\"a\": 1}|NULL|\"1 day\"|\"NaN\"|\"\\\\x01\"",
        ),
        (
            "SELECT to_json('{1,NULL}'::text[]), to_json(1e100::float8), to_json(1.0::float4), to_json('a'::char(3)), to_json(12::int2), to_json('00000000-0000-0000-0000-000000000000'::uuid), to_json('12:00'::time), to_json('2024-01-01 12:00:00.5+05:30'::timestamptz), to_json('infinity'::timestamp)",
            "[\"1\",null]|1e+100|1|\"a  \"|12|\"00000000-0000-0000-0000-000000000000\"|\"12:00:00\"|\"2024-01-01T06:30:00.5+00:00\"|\"infinity\"",
        ),
        (
            "SELECT to_jsonb('a'::text), to_jsonb(1.50), to_jsonb(ARRAY['a', NULL]), to_jsonb('{\"b\":1, \"a\":2}'::json), to_jsonb(ARRAY[[1,2],[3,4]]), to_json(ARRAY[[1,2],[3,4]]), to_jsonb('NaN'::numeric), to_jsonb('Infinity'::float8)",
            "\"a\"|1.50|[\"a\", null]|{\"a\": 2, \"b\": 1}|[[1, 2], [3, 4]]|[[1,2],[3,4]]|\"NaN\"|\"Infinity\"",
        ),
        (
            "SELECT to_jsonb(1e100::float8), to_jsonb(1.5::float4), to_jsonb('12:00'::time), to_jsonb('infinity'::timestamp), to_jsonb('2024-01-01'::date), to_jsonb(true), to_jsonb('{}'::int[]), to_json('{}'::text[]), to_jsonb(E'tab\\there'::text)",
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000|1.5|\"12:00:00\"|\"infinity\"|\"2024-01-01\"|true|[]|[]|\"tab\\there\"",
        ),
        (
            "SELECT json_build_object('a', 1, 'b', 'x', 'c', NULL, 'd', ARRAY[1]), jsonb_build_object('b', 1, 'a', 2), json_build_object(), json_build_array(1, 'a', NULL, true), jsonb_build_array(), json_build_array()",
            "{\"a\" : 1, \"b\" : \"x\", \"c\" : null, \"d\" : [1]}|{\"a\": 2, \"b\": 1}|{}|[1, \"a\", null, true]|[]|[]",
        ),
        (
            "SELECT json_build_object(1, 2, true, 3), jsonb_build_object(1.5, 'x'), jsonb_build_object('a', 1, 'a', 2), json_build_object('a', 1, 'a', 2), jsonb_build_object('k', '2024-01-01'::date)",
            "{\"1\" : 2, \"true\" : 3}|{\"1.5\": \"x\"}|{\"a\": 2}|{\"a\" : 1, \"a\" : 2}|{\"k\": \"2024-01-01\"}",
        ),
        (
            "SELECT json_build_array(1, '{\"a\": 1}'::json, 'x'::text), jsonb_build_array(1, '{\"b\": 1, \"a\": 2}'::jsonb), json_build_object('a', NULL::json), json_build_object('a', '{\"x\":1}'::json, 'b', '{\"y\":2}'::jsonb), jsonb_build_object('a', '{\"x\":1}'::json)",
            "[1, {\"a\": 1}, \"x\"]|[1, {\"a\": 2, \"b\": 1}]|{\"a\" : null}|{\"a\" : {\"x\":1}, \"b\" : {\"y\": 2}}|{\"a\": {\"x\": 1}}",
        ),
        (
            "SELECT json_build_object('a')",
            "!22023 argument list must have even number of elements",
        ),
        (
            "SELECT jsonb_build_object('a', 1, 'b')",
            "!22023 argument list must have even number of elements",
        ),
        (
            "SELECT json_build_object(NULL, 1)",
            "!22023 argument 1 cannot be null",
        ),
        (
            "SELECT jsonb_build_object('a', 1, NULL, 2)",
            "!22023 argument 3: key must not be null",
        ),
        (
            "SELECT jsonb_build_object(ARRAY[1], 2)",
            "!22023 key value must be scalar, not array, composite, or json",
        ),
        (
            "SELECT json_build_object('{}'::json, 2)",
            "!22023 key value must be scalar, not array, composite, or json",
        ),
        (
            "SELECT jsonb_pretty('{\"a\": [1, {\"b\": null}], \"c\": {}, \"d\": []}'), jsonb_pretty('1'), jsonb_pretty('[]'), jsonb_pretty('{}'), jsonb_pretty('\"x\"')",
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": null\n        }\n    ],\n    \"c\": {\n    },\n    \"d\": [\n    ]\n}|1|[\n]|{\n}|\"x\"",
        ),
        (
            "SELECT jsonb_pretty('[1, [2, [3]], {\"k\": \"v\"}]')",
            "[\n    1,\n    [\n        2,\n        [\n            3\n        ]\n    ],\n    {\n        \"k\": \"v\"\n    }\n]",
        ),
        (
            "SELECT jsonb_contains('{\"a\":{\"b\":1}}', '{\"a\":{}}'), jsonb_contains('[1,2,3]', '[3,1]'), jsonb_contains('[1,2,3]', '[4]'), jsonb_contains('[1,[2]]', '[[2]]'), jsonb_contains('[1,2]', '1'), jsonb_contains('{\"a\":1}', '{\"a\":2}'), jsonb_contained('1', '[1]'), jsonb_contains('\"a\"', '\"a\"'), jsonb_contains('{\"a\":[1,2]}', '{\"a\":[2]}')",
            "t|t|f|t|t|f|t|t|t",
        ),
        (
            "SELECT jsonb_exists('{\"a\":1}', 'a'), jsonb_exists('[\"a\"]', 'a'), jsonb_exists('{\"a\":1}', 'b'), jsonb_exists('[1]', '1'), jsonb_exists_any('{\"a\":1}', ARRAY['x','a']), jsonb_exists_all('{\"a\":1}', ARRAY['x','a']), jsonb_exists_all('{\"a\":1,\"b\":2}', ARRAY['a','b'])",
            "t|t|f|f|t|f|t",
        ),
        (
            "SELECT jsonb_strip_nulls('{\"a\":null,\"b\":[null],\"c\":{\"d\":null}}'), json_strip_nulls('{\"a\":null, \"b\":1}'), json_strip_nulls('[{\"a\": null}, null]')",
            "{\"b\": [null], \"c\": {}}|{\"b\":1}|[{},null]",
        ),
        (
            "SELECT jsonb_concat('{\"a\":1}', '{\"b\":2}'), jsonb_concat('[1,2]', '3'), jsonb_concat('1', '[2]'), jsonb_concat('{\"a\":1}', '[2]'), jsonb_concat('{\"a\":1}', '{\"a\":{\"x\":1}}'), jsonb_concat('1', '2'), jsonb_concat('[1]', '{\"a\":1}')",
            "{\"a\": 1, \"b\": 2}|[1, 2, 3]|[1, 2]|[{\"a\": 1}, 2]|{\"a\": {\"x\": 1}}|[1, 2]|[1, {\"a\": 1}]",
        ),
        (
            "SELECT jsonb_delete('{\"a\":1,\"b\":2}', 'a'), jsonb_delete('[\"a\",\"b\",\"a\"]', 'a'), jsonb_delete('[1,2,3]', 1), jsonb_delete('[1,2,3]', -1), jsonb_delete('[1,2]', 5), jsonb_delete('{\"a\":1}', 'x')",
            "{\"b\": 2}|[\"b\"]|[1, 3]|[1, 2]|[1, 2]|{\"a\": 1}",
        ),
        (
            "SELECT jsonb_delete('{\"a\":1}', 0)",
            "!22023 cannot delete from object using integer index",
        ),
        (
            "SELECT jsonb_delete('1', 'a')",
            "!22023 cannot delete from scalar",
        ),
        (
            "SELECT jsonb_delete_path('{\"a\":{\"b\":1,\"c\":2}}', '{a,b}'), jsonb_delete_path('[1,[2,3]]', '{1,0}'), jsonb_delete_path('{\"a\":1}', '{x,y}'), jsonb_delete_path('{\"a\":1}', '{}'), jsonb_delete_path('[1,2]', '{-1}')",
            "{\"a\": {\"c\": 2}}|[1, [3]]|{\"a\": 1}|{\"a\": 1}|[1]",
        ),
        (
            "SELECT jsonb_delete_path('1', '{a}')",
            "!22023 cannot delete path in scalar",
        ),
        (
            "SELECT jsonb_set('{\"a\":1}', '{b}', '2'), jsonb_set('{\"a\":[1,2]}', '{a,0}', '\"x\"'), jsonb_set('{\"a\":1}', '{b,c}', '2'), jsonb_set('{\"a\":1}', '{b}', '2', false), jsonb_set('[1,2]', '{5}', '3'), jsonb_set('[1,2]', '{-5}', '0'), jsonb_set('[1,2]', '{-1}', '9'), jsonb_set('{\"a\":{\"b\":1}}', '{a,b}', '{\"c\":2}')",
            "{\"a\": 1, \"b\": 2}|{\"a\": [\"x\", 2]}|{\"a\": 1}|{\"a\": 1}|[1, 2, 3]|[0, 1, 2]|[1, 9]|{\"a\": {\"b\": {\"c\": 2}}}",
        ),
        (
            "SELECT jsonb_set('{\"a\":1}', '{}', '2'), jsonb_set('{\"a\":1}', '{a}', NULL), jsonb_set('{\"a\":[1]}', '{a,5}', '2', false), jsonb_set('{\"a\":1}', '{a,b}', '2')",
            "{\"a\": 1}|NULL|{\"a\": [1]}|{\"a\": 1}",
        ),
        (
            "SELECT jsonb_set('1', '{a}', '2')",
            "!22023 cannot set path in scalar",
        ),
        (
            "SELECT jsonb_set('{\"a\":[1]}', '{a,x}', '2')",
            "!22P02 path element at position 2 is not an integer: \"x\"",
        ),
        (
            "SELECT jsonb_insert('[1,2]', '{1}', '9'), jsonb_insert('[1,2]', '{1}', '9', true), jsonb_insert('{\"a\":1}', '{b}', '2'), jsonb_insert('[1,2]', '{-1}', '9'), jsonb_insert('[1,2]', '{10}', '9'), jsonb_insert('{\"a\":[1]}', '{a,0}', '0')",
            "[1, 9, 2]|[1, 2, 9]|{\"a\": 1, \"b\": 2}|[1, 9, 2]|[1, 2, 9]|{\"a\": [0, 1]}",
        ),
        (
            "SELECT jsonb_insert('{\"a\":1}', '{a}', '2')",
            "!22023 cannot replace existing key",
        ),
        (
            "SELECT json_object('{}'::text[]), json_object('{{a,1},{b,NULL}}'), jsonb_object('{b,1,a,NULL}'), json_object('{a,b}', '{1,NULL}'), jsonb_object('{a,b}'::text[], '{1,2}'::text[])",
            "{}|{\"a\" : \"1\", \"b\" : null}|{\"a\": null, \"b\": \"1\"}|{\"a\" : \"1\", \"b\" : null}|{\"a\": \"1\", \"b\": \"2\"}",
        ),
        (
            "SELECT json_object('{a}')",
            "!2202E array must have even number of elements",
        ),
        (
            "SELECT json_object('{{a,1,2}}')",
            "!2202E array must have two columns",
        ),
        (
            "SELECT json_object(ARRAY[NULL, 'a'])",
            "!22004 null value not allowed for object key",
        ),
        (
            "SELECT json_object('{a,b}', '{1}')",
            "!2202E mismatched array dimensions",
        ),
        (
            "SELECT json_object('{{{a}}}')",
            "!2202E wrong number of array subscripts",
        ),
        (
            "SELECT array_to_json('{}'::int[]), array_to_json(ARRAY[[1,2],[3,4]]), array_to_json(ARRAY['x', NULL])",
            "[]|[[1,2],[3,4]]|[\"x\",null]",
        ),
        (
            "SELECT array_to_json(ARRAY[1,2]), array_to_json('{{a,b}}'::text[]), json_object('{a,1,b,2}'), jsonb_object('{a,1,b,2}'), json_object('{a,b}', '{1,2}')",
            "[1,2]|[[\"a\",\"b\"]]|{\"a\" : \"1\", \"b\" : \"2\"}|{\"a\": \"1\", \"b\": \"2\"}|{\"a\" : \"1\", \"b\" : \"2\"}",
        ),
    ]);
}

/// Array functions: dimensions, append/prepend/cat, position(s), remove/replace, fill, trim, string_to_array/array_to_string.
#[test]
fn arrays() {
    check(&[
        (
            "SELECT array_length(ARRAY[1,2,3], 1), array_length(ARRAY[1,2,3], 2), array_length('{}'::int[], 1), array_length(ARRAY[[1,2],[3,4],[5,6]], 1), array_length(ARRAY[[1,2],[3,4],[5,6]], 2), array_length(ARRAY[1], 0)",
            "3|NULL|NULL|3|2|NULL",
        ),
        (
            "SELECT array_lower('[2:4]={1,2,3}'::int[], 1), array_upper('[2:4]={1,2,3}'::int[], 1), array_lower(ARRAY[1], 2), array_upper(ARRAY[1], 1), array_lower('{}'::int[], 1), array_upper(ARRAY[[1,2]], 2)",
            "2|4|NULL|1|NULL|2",
        ),
        (
            "SELECT cardinality(ARRAY[[1,2],[3,4]]), cardinality('{}'::int[]), cardinality(ARRAY['a']), array_ndims(ARRAY[[1],[2]]), array_ndims('{}'::int[]), array_ndims(ARRAY[1])",
            "4|0|1|2|NULL|1",
        ),
        (
            "SELECT array_dims('[2:4]={1,2,3}'::int[]), array_dims(ARRAY[[1,2],[3,4]]), array_dims('{}'::int[]), array_dims(ARRAY['x'])",
            "[2:4]|[1:2][1:2]|NULL|[1:1]",
        ),
        (
            "SELECT array_append(ARRAY[1,2], 3), array_append(NULL::int[], 1), array_append('{}'::int[], NULL), array_prepend(0, ARRAY[1]), array_prepend(1, NULL), array_append(ARRAY['a'], 'b')",
            "{1,2,3}|{1}|{NULL}|{0,1}|{1}|{a,b}",
        ),
        (
            "SELECT array_cat(ARRAY[1], ARRAY[2,3]), array_cat(NULL, ARRAY[1]), array_cat(ARRAY[1], NULL::int[]), array_cat(ARRAY[[1,2]], ARRAY[3,4]), array_cat(ARRAY[1,2], ARRAY[[3,4]]), array_cat(ARRAY[[1,2]], ARRAY[[3,4]]), array_cat('{}'::int[], ARRAY[1]), array_cat(NULL::int[], NULL::int[])",
            "{1,2,3}|{1}|{1}|{{1,2},{3,4}}|{{1,2},{3,4}}|{{1,2},{3,4}}|{1}|NULL",
        ),
        (
            "SELECT array_append('[2:3]={1,2}'::int[], 3), array_prepend(0, '[2:3]={1,2}'::int[]), array_cat('[2:3]={1,2}'::int[], '[5:5]={9}'::int[])",
            "[2:4]={1,2,3}|[2:4]={0,1,2}|[2:4]={1,2,9}",
        ),
        (
            "SELECT array_append(ARRAY[[1,2]], 3)",
            "!22000 argument must be empty or one-dimensional array",
        ),
        (
            "SELECT array_cat(ARRAY[[1,2]], ARRAY[[3]])",
            "!2202E cannot concatenate incompatible arrays",
        ),
        (
            "SELECT array_cat(ARRAY[[1,2]], ARRAY[3])",
            "!2202E cannot concatenate incompatible arrays",
        ),
        (
            "SELECT array_cat(ARRAY[[[1]]], ARRAY[3])",
            "!2202E cannot concatenate incompatible arrays",
        ),
        (
            "SELECT array_position(ARRAY['a','b','c','b'], 'b'), array_position(ARRAY['a','b','c','b'], 'b', 3), array_position(ARRAY[1,NULL], NULL), array_position(ARRAY[1], 5), array_position('[2:3]={5,6}'::int[], 6), array_position(NULL::int[], 1), array_position('{}'::int[], 1)",
            "2|4|2|NULL|3|NULL|NULL",
        ),
        (
            "SELECT array_positions(ARRAY[1,2,1], 1), array_positions(ARRAY[1], 5), array_positions(NULL::int[], 1), array_positions(ARRAY[NULL, 1, NULL]::int[], NULL)",
            "{1,3}|{}|NULL|{1,3}",
        ),
        (
            "SELECT array_position(ARRAY[[1]], 1)",
            "!0A000 searching for elements in multidimensional arrays is not supported",
        ),
        (
            "SELECT array_position(ARRAY[1], 1, NULL)",
            "!22004 initial position must not be null",
        ),
        (
            "SELECT array_remove(ARRAY[1,2,1,NULL], 1), array_remove(ARRAY[1,NULL], NULL), array_remove('{}'::int[], 1), array_remove(NULL::int[], 1), array_remove('[2:4]={1,2,1}'::int[], 1), array_remove(ARRAY[1,1], 1), array_remove(ARRAY['a','b'], 'a')",
            "{2,NULL}|{1}|{}|NULL|[2:2]={2}|{}|{b}",
        ),
        (
            "SELECT array_replace(ARRAY[1,2,1], 1, 9), array_replace(ARRAY[1,NULL], NULL, 0), array_replace(ARRAY[[1,2],[1,3]], 1, 0), array_replace(ARRAY[1], 1, NULL)",
            "{9,2,9}|{1,0}|{{0,2},{0,3}}|{NULL}",
        ),
        (
            "SELECT array_remove(ARRAY[[1,2],[1,3]], 1)",
            "!0A000 removing elements from multidimensional arrays is not supported",
        ),
        (
            "SELECT array_fill(7, ARRAY[2]), array_fill(0, ARRAY[2,2]), array_fill('x'::text, ARRAY[2], ARRAY[3]), array_fill(NULL::int, ARRAY[1]), array_fill(1, '{}'::int[]), array_fill(1, ARRAY[0])",
            "{7,7}|{{0,0},{0,0}}|[3:4]={x,x}|{NULL}|{}|{}",
        ),
        (
            "SELECT array_fill(1, ARRAY[-1])",
            "!54000 array size exceeds the maximum allowed (134217727)",
        ),
        (
            "SELECT array_fill(1, NULL)",
            "!22004 dimension array or low bound array cannot be null",
        ),
        (
            "SELECT array_fill(1, ARRAY[1], ARRAY[1,2])",
            "!2202E wrong number of array subscripts",
        ),
        (
            "SELECT trim_array(ARRAY[1,2,3], 1), trim_array(ARRAY[1,2], 2), trim_array(ARRAY[[1,2],[3,4]], 1), trim_array(ARRAY[1], 0)",
            "{1,2}|{}|{{1,2}}|{1}",
        ),
        (
            "SELECT trim_array(ARRAY[1,2], 3)",
            "!2202E number of elements to trim must be between 0 and 2",
        ),
        (
            "SELECT trim_array(ARRAY[1,2], -1)",
            "!2202E number of elements to trim must be between 0 and 2",
        ),
        (
            "SELECT pg_typeof(array_append(ARRAY[1], 2.5)), array_append(ARRAY[1], 2.5), array_cat(ARRAY[1::int2], ARRAY[2::int8]), pg_typeof(array_cat(ARRAY[1::int2], ARRAY[2::int8]))",
            "numeric[]|{1,2.5}|{1,2}|bigint[]",
        ),
        (
            "SELECT string_to_array('a,b,,c', ','), string_to_array('abc', NULL), string_to_array('abc', ''), string_to_array('', ','), string_to_array('a,*,c', ',', '*'), string_to_array(NULL, ','), string_to_array('héé', NULL)",
            "{a,b,\"\",c}|{a,b,c}|{abc}|{}|{a,NULL,c}|NULL|{h,é,é}",
        ),
        (
            "SELECT pg_typeof(string_to_array('a', ',')), string_to_array('a b', ' ', NULL), string_to_array('a,b', ',', 'b'), string_to_array('a<>b<>', '<>')",
            "text[]|{a,b}|{a,NULL}|{a,b,\"\"}",
        ),
        (
            "SELECT array_to_string(ARRAY[1,NULL,3], ','), array_to_string(ARRAY[1,NULL,3], ',', '*'), array_to_string(ARRAY[[1,2],[3,4]], '-'), array_to_string('{}'::int[], ','), array_to_string(ARRAY['a'], NULL), array_to_string(ARRAY['a','b'], ', '), array_to_string(ARRAY[1.5, NULL], '|', 'null'), array_to_string(ARRAY[NULL, 'x'], ',', NULL)",
            "1,3|1,*,3|1-2-3-4||NULL|a, b|1.5|null|x",
        ),
        (
            "SELECT array_to_string(ARRAY['2024-01-01'::date], ','), array_to_string(ARRAY[true, false], '')",
            "2024-01-01|tf",
        ),
    ]);
}

/// Result types of overloaded functions, as pg_typeof reports them.
#[test]
fn types() {
    check(&[
        (
            "SELECT pg_typeof(ceil(1)), pg_typeof(round(1)), pg_typeof(round(1.5)), pg_typeof(abs(1::int2)), pg_typeof(sqrt(4)), pg_typeof(sign(1)), pg_typeof(mod(1, 2)), pg_typeof(mod(1::int2, 2::int2)), pg_typeof(power(2, 3)), pg_typeof(power(2.0, 3))",
            "double precision|double precision|numeric|smallint|double precision|double precision|integer|smallint|double precision|numeric",
        ),
        (
            "SELECT pg_typeof(round(1.5::float4)), pg_typeof(ceiling(1.1)), pg_typeof(div(7,2)), pg_typeof(gcd(1, 2)), pg_typeof(gcd(1::int8, 2)), pg_typeof(exp(1)), pg_typeof(ln(1.0)), pg_typeof(log(2, 8)), pg_typeof(trunc(1.5::float4)), pg_typeof(abs(1.5::real))",
            "double precision|numeric|numeric|integer|bigint|double precision|numeric|numeric|double precision|real",
        ),
        (
            "SELECT pg_typeof(length('a'::bytea)), pg_typeof(substr('a'::bytea, 1)), pg_typeof(sha256('a')), pg_typeof(md5('a')), pg_typeof(encode('a', 'hex')), pg_typeof(decode('61', 'hex')), pg_typeof(to_hex(1::int8))",
            "integer|bytea|bytea|text|text|bytea|text",
        ),
        (
            "SELECT pg_typeof(extract(year from now())), pg_typeof(date_part('year', now())), pg_typeof(date_part('day', '2024-01-01'::date)), pg_typeof(date_trunc('day', '2024-01-01'::date)), pg_typeof(date_trunc('day', '2024-01-01'::timestamp)), pg_typeof(age('2024-01-01'::date, '2023-01-01'::date)), pg_typeof(to_timestamp(0)), pg_typeof(to_date('2024', 'YYYY'))",
            "numeric|double precision|double precision|timestamp with time zone|timestamp without time zone|interval|timestamp with time zone|date",
        ),
        (
            "SELECT pg_typeof(timezone('UTC', now())), pg_typeof(timezone('UTC', '2024-01-01'::timestamp)), pg_typeof(make_time(1, 2, 3)), pg_typeof(make_interval(1)), pg_typeof(date_bin('1 hour', '2024-01-01'::timestamp, '2024-01-01'::timestamp)), pg_typeof(justify_days(interval '1 day'))",
            "timestamp without time zone|timestamp with time zone|time without time zone|interval|timestamp without time zone|interval",
        ),
        (
            "SELECT pg_typeof(to_json(1)), pg_typeof(to_jsonb(1)), pg_typeof(json_build_object()), pg_typeof(jsonb_build_array()), pg_typeof(json_extract_path('{}', 'a')), pg_typeof(jsonb_extract_path_text('{}', 'a')), pg_typeof(jsonb_pretty('1'))",
            "json|jsonb|json|jsonb|json|text|text",
        ),
        (
            "SELECT pg_typeof(array_length(ARRAY[1], 1)), pg_typeof(array_append(ARRAY['a'::varchar], 'b')), pg_typeof(array_positions(ARRAY[1], 1)), pg_typeof(string_to_array('a', ',')), pg_typeof(regexp_match('a', 'a')), pg_typeof(regexp_split_to_array('a', 'a')), pg_typeof(array_dims(ARRAY[1]))",
            "integer|character varying[]|integer[]|text[]|text[]|text[]|text",
        ),
        (
            "SELECT pg_typeof(lower('A'::char(3))), pg_typeof(concat('a')), pg_typeof(format('x')), pg_typeof(quote_literal(1)), pg_typeof(split_part('a', ',', 1)), pg_typeof(strpos('a', 'a')), pg_typeof(regexp_count('a', 'a')), pg_typeof(regexp_like('a', 'a'))",
            "text|text|text|text|text|integer|integer|boolean",
        ),
        (
            "SELECT upper(name), length(name), substr(name, 2) FROM (VALUES ('alpha'::varchar(10)), ('Beta'::varchar(10))) AS t(name) ORDER BY 1",
            "ALPHA|5|lpha\nBETA|4|eta",
        ),
        (
            "SELECT lpad(c, 5, '*') || '|' || length(c) FROM (VALUES ('ab'::char(4))) AS t(c)",
            "***ab|2",
        ),
    ]);
}

/// Functions over table columns of varchar, char(n), numeric, bytea, jsonb and array types, including NULLs.
#[test]
fn columns() {
    check(&[
        (
            "CREATE TABLE fn_t0 (v varchar(10), c char(5), n numeric(8,3), b bytea, j jsonb, a int[]); INSERT INTO fn_t0 VALUES ('Hello', 'ab', 12.345, '\\x0102', '{\"k\": [1, 2]}', ARRAY[3,1,2]), (NULL, NULL, NULL, NULL, NULL, NULL); SELECT upper(v), length(c), octet_length(c), c || '|', round(n, 1), trunc(n), length(b), jsonb_typeof(j), jsonb_extract_path_text(j, 'k', '0'), array_length(a, 1), array_position(a, 1) FROM fn_t0 ORDER BY v NULLS LAST",
            "HELLO|2|5|ab||12.3|12|2|object|1|3|2\nNULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
        ),
        (
            "CREATE TABLE fn_t1 (v varchar(10), c char(5)); INSERT INTO fn_t1 VALUES ('  x  ', ' y '); SELECT '[' || trim(v) || ']', '[' || ltrim(c) || ']', '[' || rtrim(v) || ']', concat('[', c, ']'), format('[%s]', c), lpad(c, 6, '.'), replace(v, ' ', '_'), split_part(v, 'x', 1) || '|', reverse(c) || '|' FROM fn_t1",
            "[x]|[y]|[  x]|[ y   ]|[ y   ]|.... y|__x__|  ||y |",
        ),
        (
            "CREATE TABLE fn_t2 (s text); INSERT INTO fn_t2 VALUES ('a,b'), ('c'), (''), (NULL); SELECT s, string_to_array(s, ','), coalesce(split_part(s, ',', 2), 'null'), regexp_replace(s, '[a-c]', 'X', 'g'), md5(s) IS NULL FROM fn_t2 ORDER BY s NULLS FIRST",
            "NULL|NULL|null|NULL|t\n|{}|||f\na,b|{a,b}|b|X,X|f\nc|{c}||X|f",
        ),
        (
            "CREATE TABLE fn_t3 (d date, ts timestamp); INSERT INTO fn_t3 VALUES ('2024-02-29', '2024-02-29 23:59:59.999'), ('1999-12-31', '2000-01-01 00:00:00'); SELECT extract(year from d), date_part('doy', ts), date_trunc('month', ts), to_char(d, 'Dy DD Mon YYYY'), age(ts, d::timestamp), d + 1 FROM fn_t3 ORDER BY d",
            "1999|1|2000-01-01 00:00:00|Fri 31 Dec 1999|1 day|2000-01-01\n2024|60|2024-02-01 00:00:00|Thu 29 Feb 2024|23:59:59.999|2024-03-01",
        ),
        (
            "CREATE TABLE fn_t4 (x float8, y numeric); INSERT INTO fn_t4 VALUES (2.5, 2.5), (-0.5, -0.5), (1e-5, 0.00001); SELECT round(x), round(y), ceil(x), floor(y), sign(x), abs(y), sqrt(abs(x)), power(y, 2), mod(y, 1) FROM fn_t4 ORDER BY x",
            "-0|-1|-0|-1|-1|0.5|0.7071067811865476|0.2500000000000000|-0.5\n0|0|1|0|1|0.00001|0.0031622776601683794|0.0000000001000000|0.00001\n2|3|3|2|1|2.5|1.5811388300841898|6.2500000000000000|0.5",
        ),
    ]);
}

/// Numeric scales, signed zeros, to_char patterns, regex quantifiers, interval fields, age across month ends.
#[test]
fn more() {
    check(&[
        (
            "SELECT sqrt(2::numeric), exp(2.5), ln(2.0), log(2.0), power(2.5, 1.5), power(10, -2.0), power(2.0, 0.5), exp(-1.0), ln(1e-10), log(10, 1000.5)",
            "1.414213562373095|12.182493960703473|0.6931471805599453|0.3010299956639812|3.9528470752104742|0.0100000000000000|1.4142135623730950|0.3678794411714423|-23.025850929940457|3.0002170929722302",
        ),
        (
            "SELECT round(-0.4), trunc(-0.4::float8), round(-0.4::float8), ceil(-0.4), ceil(-0.4::float8), trunc(-0.5), sign(-0.0::float8), round(-0.0::float8)",
            "0|-0|-0|0|-0|0|0|-0",
        ),
        (
            "SELECT to_char(interval '1 day 2:03:04.5', 'DD \"days\" HH24:MI:SS.MS'), to_char(interval '25 hours', 'HH24'), to_char(interval '-3 days', 'DD'), to_char(interval '1 year 2 mons', 'YYYY-MM')",
            "01 days 02:03:04.500|25|-3|0001-02",
        ),
        (
            "SELECT to_char('2024-02-29 13:45:30.123456'::timestamp, 'Q WW IW ID J DDD US MS FF3 AM am pm TH'), to_char('2024-01-07'::timestamp, 'Day DY dy IYYY-IW'), to_char('0044-03-15 BC'::timestamp, 'YYYY BC')",
            "1 09 09 4 2460370 060 123456 123 123 PM pm pm TH|Sunday    SUN sun 2024-01|0044 BC",
        ),
        (
            "SELECT regexp_replace('aaa', 'a*?', 'X'), regexp_replace('abcabc', 'b.*?c', 'X', 'g'), regexp_match('foo123bar', '\\d+'), regexp_match('abc', '(?:a)(b)'), regexp_replace('ABC', '[[:upper:]]', 'x', 'g'), regexp_replace('a.b.c', '\\.', '-', 'g'), regexp_match('a+b', 'a\\+b')",
            "Xaaa|aXaX|{123}|{b}|xxx|a-b-c|{a+b}",
        ),
        (
            "SELECT extract(hour from interval '-25 hours'), extract(minute from interval '-1 minute'), date_part('month', interval '14 months'), extract(epoch from interval '-1 year'), extract(year from interval '-14 months')",
            "-25|-1|2|-31557600.000000|-1",
        ),
        (
            "SELECT format('%I', 'select'), format('%I', 'Col'), format('%I.%I', 'public', 'my table'), format('%L', '2024-01-01'::date), format('%s', 1.50::numeric(5,2))",
            "\"select\"|\"Col\"|public.\"my table\"|'2024-01-01'|1.50",
        ),
        (
            "SELECT age('2024-01-31'::date, '2024-02-29'::date), age('2024-02-29'::timestamp, '2023-02-28'::timestamp), age('2020-02-29'::timestamp, '2021-02-28'::timestamp)",
            "-29 days|1 year 1 day|-11 mons -28 days",
        ),
    ]);
}

/// Results past PostgreSQL's 1 GB limit are 54000 errors, not aborts. (`array_fill` is held
/// to 1 GB of in-memory values, below PostgreSQL's element-count limit.)
#[test]
fn size_limits() {
    check(&[
        (
            "SELECT repeat('ab', 1000000000)",
            "!54000 requested length too large",
        ),
        (
            "SELECT repeat('x', 2147483647)",
            "!54000 requested length too large",
        ),
        (
            "SELECT lpad('a', 2147483647, 'xy')",
            "!54000 requested length too large",
        ),
        (
            "SELECT rpad('a', 1000000000)",
            "!54000 requested length too large",
        ),
        (
            "SELECT array_fill(1, ARRAY[100000000])",
            "!54000 requested length too large",
        ),
        (
            "SELECT array_fill(1, ARRAY[2147483647, 2147483647])",
            "!54000 array size exceeds the maximum allowed (134217727)",
        ),
        (
            "SELECT factorial(100000)",
            "!22003 value overflows numeric format",
        ),
    ]);
}

/// Every registered function, called with awkward arguments of many types, returns a value
/// or an error and never panics.
#[test]
fn awkward_arguments_never_panic() {
    let samples = [
        "NULL",
        "''",
        "'x'",
        "' é€𝄞 '",
        "'-1'",
        "'{}'",
        "'[1,{\"a\":[]}]'::jsonb",
        "'{\"a\":1}'::json",
        "0",
        "-1",
        "2147483647",
        "-2147483648",
        "9223372036854775807::int8",
        "1.5",
        "'NaN'::float8",
        "'-Infinity'::numeric",
        "1e308::float8",
        "'\\x00ff'::bytea",
        "'2024-02-29 12:00'::timestamp",
        "'infinity'::timestamptz",
        "'-infinity'::date",
        "interval '-1 mon 2 days'",
        "ARRAY[1,NULL]",
        "ARRAY[[1,2],[3,4]]",
        "'{}'::text[]",
        "true",
    ];
    let names = [
        "length",
        "octet_length",
        "lower",
        "initcap",
        "substr",
        "strpos",
        "replace",
        "btrim",
        "lpad",
        "rpad",
        "left",
        "right",
        "repeat",
        "reverse",
        "split_part",
        "ascii",
        "chr",
        "translate",
        "overlay",
        "md5",
        "sha256",
        "to_hex",
        "quote_ident",
        "quote_literal",
        "concat",
        "concat_ws",
        "format",
        "encode",
        "decode",
        "convert_from",
        "convert_to",
        "get_byte",
        "set_byte",
        "regexp_replace",
        "regexp_match",
        "regexp_split_to_array",
        "regexp_count",
        "regexp_instr",
        "regexp_substr",
        "regexp_like",
        "similar_to_escape",
        "abs",
        "ceil",
        "round",
        "trunc",
        "sign",
        "mod",
        "div",
        "gcd",
        "lcm",
        "power",
        "sqrt",
        "cbrt",
        "exp",
        "ln",
        "log",
        "sind",
        "atan2d",
        "width_bucket",
        "scale",
        "extract",
        "date_part",
        "date_trunc",
        "age",
        "to_char",
        "to_date",
        "to_timestamp",
        "make_date",
        "make_time",
        "make_interval",
        "justify_interval",
        "isfinite",
        "date_bin",
        "timezone",
        "json_extract_path",
        "jsonb_extract_path_text",
        "json_typeof",
        "jsonb_array_length",
        "to_json",
        "to_jsonb",
        "json_build_object",
        "jsonb_build_array",
        "jsonb_pretty",
        "jsonb_set",
        "jsonb_insert",
        "jsonb_concat",
        "jsonb_delete",
        "jsonb_contains",
        "array_length",
        "array_dims",
        "array_append",
        "array_cat",
        "array_position",
        "array_remove",
        "array_replace",
        "array_fill",
        "trim_array",
        "string_to_array",
        "array_to_string",
    ];
    let t = TestDb::new();
    let mut s = t.session();
    let mut calls = 0;
    let mut internal = Vec::new();
    let mut call = |sql: String| {
        calls += 1;
        if let Err(e) = run(&mut s, &sql)
            && e.code == embeddb_types::SqlState::INTERNAL_ERROR
        {
            internal.push(format!("{sql}: {}", e.message));
        }
    };
    for name in names {
        for a in samples {
            call(format!("SELECT {name}({a})"));
            for b in samples {
                call(format!("SELECT {name}({a}, {b})"));
            }
            for (b, c) in samples.iter().zip(samples.iter().rev()) {
                call(format!("SELECT {name}({a}, {b}, {c})"));
            }
        }
    }
    assert!(calls > 10_000);
    assert!(
        internal.is_empty(),
        "{} internal errors, e.g.:\n{}",
        internal.len(),
        internal
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
