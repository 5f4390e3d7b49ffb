-- Runs once, when the compose PostgreSQL volume is first created (`herald` comes from POSTGRES_DB).
CREATE DATABASE herald_test;
