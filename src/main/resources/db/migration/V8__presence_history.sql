-- Each client's transitions, as the lifecycle transactions apply them: a connect, a disconnect with its reason, and
-- (marked as such) a repair. Written with the commit of the event, only when the event changed the presence row
-- (an older or repeated event is no transition). Kept PRESENCE_RETENTION_HISTORY_DAYS, pruned in chunks by
-- recorded_at. Served by GET /presence/{clientId}/history and GET /presence/users/{userId}/history, newest first.
CREATE TABLE client_presence_history (
  id                BIGINT       NOT NULL AUTO_INCREMENT COMMENT 'the order of application (per client, the event order)',
  client_id         VARCHAR(128) NOT NULL,
  user_id           VARCHAR(128) NOT NULL,
  connected         BOOLEAN      NOT NULL,
  event_ts          BIGINT       NOT NULL COMMENT 'the event''s timestamp, epoch millis',
  version_number    BIGINT       NOT NULL,
  session_id        VARCHAR(128) NOT NULL,
  disconnect_reason VARCHAR(64)  NULL,
  repaired          BOOLEAN      NOT NULL DEFAULT FALSE COMMENT 'a repair, not an event of AWS IoT',
  recorded_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY client_presence_history_client (client_id, id),
  KEY client_presence_history_user (user_id, id),
  KEY client_presence_history_recorded (recorded_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- user_presence with the reason of the last disconnect while offline (the latest disconnect of the user's clients;
-- NULL while online, or when AWS gave no reason)
CREATE OR REPLACE VIEW user_presence AS
SELECT user_id,
       COUNT(CASE WHEN connected THEN 1 END) > 0 AS is_online,
       COUNT(CASE WHEN connected THEN 1 END)     AS clients_online,
       CASE WHEN COUNT(CASE WHEN connected THEN 1 END) > 0
            THEN MAX(CASE WHEN connected THEN event_ts END)
            ELSE MAX(event_ts)
       END                                       AS last_seen_at,
       CASE WHEN COUNT(CASE WHEN connected THEN 1 END) > 0
            THEN NULL
            ELSE NULLIF(SUBSTRING_INDEX(GROUP_CONCAT(COALESCE(disconnect_reason, '')
                                                     ORDER BY event_ts DESC SEPARATOR ','), ',', 1), '')
       END                                       AS last_seen_reason
  FROM client_presence
 GROUP BY user_id;
