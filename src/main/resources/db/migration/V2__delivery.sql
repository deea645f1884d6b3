-- Idempotent repository of message deliveries: one row per (message, recipient). Valid on MySQL 8 and MariaDB 10.11+.
-- A row is 'claimed' while a consumer delivers it and 'delivered' once the MQTT publish or the push request succeeded;
-- a claim older than presence.delivery.claim-timeout-seconds belongs to a consumer that died and may be taken over.
-- Rows can be deleted once older than the outbox queue's message retention (SQS redelivers nothing older).

CREATE TABLE delivery_log (
  message_id  VARCHAR(128) NOT NULL,
  recipient   VARCHAR(128) NOT NULL,
  state       VARCHAR(16)  NOT NULL COMMENT 'claimed or delivered',
  claim_id    VARCHAR(64)  NOT NULL COMMENT 'the exchange that claimed (and delivered) it',
  path        VARCHAR(16)  NULL     COMMENT 'socket, push or fallback, once delivered',
  updated_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (message_id, recipient),
  KEY delivery_log_updated_at (updated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
