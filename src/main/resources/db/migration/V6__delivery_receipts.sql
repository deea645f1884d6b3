-- Receipts (opt-in, presence.delivery.receipts.enabled; docs/delivery.md, "Receipts"): one row per socket delivery
-- whose client is expected to acknowledge it. 'pending' until the receipt arrives ('received') or the time is up and
-- the push request stored here was sent ('sending' while a look holds it, then 'pushed'); a receipt that arrives after
-- that changes nothing, one that arrives before its row makes the row 'received'. received and pushed rows are deleted
-- with delivery_log's (presence.delivery.log-retention-hours). Rows are found
-- by the due look of each instance with FOR UPDATE SKIP LOCKED: each overdue delivery is pushed once across
-- instances, and a restart loses none. Valid on MySQL 8 and MariaDB 10.11+.

CREATE TABLE delivery_receipt (
  message_id    VARCHAR(128) NOT NULL,
  recipient     VARCHAR(128) NOT NULL,
  state         VARCHAR(16)  NOT NULL COMMENT 'pending, received, sending (leased by a look) or pushed',
  due_at        TIMESTAMP(3) NOT NULL COMMENT 'pending after this: the push request goes out',
  push_request  TEXT         NOT NULL COMMENT 'the push request (JSON) to send if no receipt comes',
  updated_at    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (message_id, recipient),
  KEY delivery_receipt_due (state, due_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
