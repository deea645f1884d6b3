-- Socket status of AWS IoT clients. Valid on MySQL 8 and MariaDB 10.11+.
-- Identifiers compare byte for byte (utf8mb4_bin): client ids, sessions and topics are case-sensitive.

CREATE TABLE client_presence (
  client_id         VARCHAR(128) NOT NULL,
  connected         BOOLEAN      NOT NULL,
  version_number    BIGINT       NOT NULL,
  event_rank        TINYINT      NOT NULL COMMENT '0 connected, 1 disconnected: disconnected wins within a connection',
  event_ts          BIGINT       NOT NULL COMMENT 'timestamp of the winning event, epoch millis',
  session_id        VARCHAR(128) NOT NULL,
  disconnect_reason VARCHAR(64)  NULL,
  updated_at        TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (client_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE client_subscription (
  client_id   VARCHAR(128) NOT NULL,
  chat_id     VARCHAR(256) NOT NULL,
  topic       VARCHAR(256) NOT NULL COMMENT 'the exact topic of the winning event',
  subscribed  BOOLEAN      NOT NULL,
  event_rank  TINYINT      NOT NULL COMMENT '0 subscribed, 1 unsubscribed: unsubscribed wins a timestamp tie',
  event_ts    BIGINT       NOT NULL,
  session_id  VARCHAR(128) NOT NULL,
  updated_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (client_id, chat_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The read contract for chat backends: one row per chat a connected client is subscribed to in its current
-- session; a connected client with no such chat, or a disconnected one, has one row with chat_id and topic NULL.
CREATE VIEW socket_status AS
SELECT p.client_id  AS client_id,
       p.connected  AS is_connected,
       s.chat_id    AS chat_id,
       s.topic      AS topic
  FROM client_presence p
  LEFT JOIN client_subscription s
    ON p.connected = TRUE
   AND s.client_id = p.client_id
   AND s.subscribed = TRUE
   AND s.session_id = p.session_id;
