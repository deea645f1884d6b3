-- The runtime database user of presence-broker: exactly what the service's statements need, on its own tables, and
-- nothing else (no DDL, no other schema, no FILE/PROCESS/SUPER). Valid on MySQL 8 and MariaDB 10.11+.
--
-- The `migrate` command runs it after the Flyway migrations (the tables must exist), when PRESENCE_DB_RUNTIME_USER is
-- set, connected as the migration user (PRESENCE_DB_USER, e.g. the RDS master user). It is idempotent: it creates the
-- user or resets its password (the ALTER USER; skipped with PRESENCE_DB_RUNTIME_PASSWORD_RESET=false, when Secrets
-- Manager rotates the password), and grants; it never revokes (a grant added by hand stays). ${user}, ${password} and
-- ${database} are replaced by the command (the user name must match [A-Za-z0-9_]+, the password must not contain a
-- quote or a backslash); to run it by hand, replace them yourself.
--
-- The tables and what the service does to them:
--   client_presence, client_subscription: conditional INSERT ... ON DUPLICATE KEY UPDATE, SELECT (read API)
--   delivery_log: INSERT ... ON DUPLICATE KEY UPDATE (claims), SELECT, UPDATE, DELETE (released claims, retention)
--   presence_announcement: INSERT ... ON DUPLICATE KEY UPDATE, SELECT ... FOR UPDATE (SKIP LOCKED), UPDATE
--   socket_status, user_socket_status, user_presence (views, SQL SECURITY DEFINER): SELECT (read API, delivery plan)
--   client_presence_history: INSERT (with each applied transition), SELECT (read API), DELETE (retention)
--   flyway_schema_history: SELECT (with PRESENCE_DB_MIGRATE=false the service checks at start that the schema is current)
CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}';
ALTER USER '${user}'@'%' IDENTIFIED BY '${password}';
GRANT SELECT, INSERT, UPDATE, DELETE ON `${database}`.`client_presence` TO '${user}'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON `${database}`.`client_subscription` TO '${user}'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON `${database}`.`delivery_log` TO '${user}'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON `${database}`.`delivery_receipt` TO '${user}'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON `${database}`.`presence_announcement` TO '${user}'@'%';
GRANT SELECT ON `${database}`.`socket_status` TO '${user}'@'%';
GRANT SELECT ON `${database}`.`user_socket_status` TO '${user}'@'%';
GRANT SELECT ON `${database}`.`user_presence` TO '${user}'@'%';
GRANT SELECT, INSERT, DELETE ON `${database}`.`client_presence_history` TO '${user}'@'%';
GRANT SELECT ON `${database}`.`flyway_schema_history` TO '${user}'@'%';
