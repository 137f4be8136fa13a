CREATE TABLE people (id integer PRIMARY KEY, name text NOT NULL, age integer);
INSERT INTO people VALUES (1, 'ada', 36), (2, 'alan', 41), (3, 'grace', NULL);
SELECT id, name, age FROM people ORDER BY id;
SELECT count(*) AS n, max(age) AS oldest, avg(age) AS mean FROM people;
UPDATE people SET age = age + 1 WHERE name = 'ada';
BEGIN;
DELETE FROM people WHERE name = 'alan';
ROLLBACK;
SELECT name, age FROM people WHERE age IS NOT NULL ORDER BY name;
SELECT 1/0;
SELECT * FROM nowhere;
COPY people FROM STDIN;
4	edsger	\N
5	barbara	84
\.
SELECT name, coalesce(age, -1) AS age FROM people ORDER BY id;
\pset format unaligned
SELECT 'a' AS x, NULL AS y, true AS z, 2.50::numeric AS w;
