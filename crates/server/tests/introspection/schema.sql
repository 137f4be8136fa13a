CREATE TABLE people (id serial PRIMARY KEY, name varchar(40) NOT NULL, age int CHECK (age >= 0), score numeric(10,2) DEFAULT 0, email text UNIQUE, created timestamptz DEFAULT now());
CREATE INDEX people_name_idx ON people (name, age DESC);
CREATE TABLE items (sku text, qty int2, price float8, tags text[], PRIMARY KEY (sku, qty));
