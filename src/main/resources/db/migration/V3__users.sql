-- Users with several clients (docs/users.md). Valid on MySQL 8 and MariaDB 10.11+.
-- The user id is derived from the client id by presence.user-id-pattern and written with every presence change of the
-- client; rows written before this migration belong to the user of the same id (the default pattern).

ALTER TABLE client_presence ADD COLUMN user_id VARCHAR(128) NULL AFTER client_id;
UPDATE client_presence SET user_id = client_id WHERE user_id IS NULL;
ALTER TABLE client_presence MODIFY user_id VARCHAR(128) NOT NULL;
CREATE INDEX client_presence_user ON client_presence (user_id);

-- socket_status with the user of each client (the read contract's rows, defined once, in V1)
CREATE VIEW user_socket_status AS
SELECT p.user_id     AS user_id,
       s.client_id   AS client_id,
       s.is_connected AS is_connected,
       s.chat_id     AS chat_id,
       s.topic       AS topic
  FROM socket_status s
  JOIN client_presence p ON p.client_id = s.client_id;

-- One row per user: online when any of the user's clients is connected; last_seen_at (epoch millis) the latest
-- connect among the connected clients while online, the latest disconnect of all its clients while offline.
CREATE VIEW user_presence AS
SELECT user_id,
       COUNT(CASE WHEN connected THEN 1 END) > 0 AS is_online,
       COUNT(CASE WHEN connected THEN 1 END)     AS clients_online,
       CASE WHEN COUNT(CASE WHEN connected THEN 1 END) > 0
            THEN MAX(CASE WHEN connected THEN event_ts END)
            ELSE MAX(event_ts)
       END                                       AS last_seen_at
  FROM client_presence
 GROUP BY user_id;

-- a sender's own key in the delivery log, when no other device of the sender was deliverable, is recorded as 'none'
ALTER TABLE delivery_log MODIFY path VARCHAR(16) NULL COMMENT 'socket, push, fallback or none, once delivered';
