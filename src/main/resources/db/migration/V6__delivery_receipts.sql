-- Receipts (opt-in, presence.delivery.receipts.enabled; docs/delivery.md, "Receipts"): one row per socket delivery
-- whose client is expected to acknowledge it. 'pending' until the receipt arrives ('received') or the time is up and
-- the push request stored here was sent ('pushed'); a receipt that arrives after that changes nothing. Rows are found
-- by the due look of each instance with FOR UPDATE SKIP LOCKED: each overdue delivery is pushed once across
-- instances, and a restart loses none. Valid on MySQL 8 and MariaDB 10.11+.

CREATE TABLE delivery_receipt (
  message_id    VARCHAR(128) NOT NULL,
  recipient     VARCHAR(128) NOT NULL,
  state         VARCHAR(16)  NOT NULL COMMENT 'pending, received or pushed',
  due_at        TIMESTAMP(3) NOT NULL COMMENT 'pending after this: the push request goes out',
  push_request  TEXT         NOT NULL COMMENT 'the push request (JSON) to send if no receipt comes',
  updated_at    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (message_id, recipient),
  KEY delivery_receipt_due (state, due_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
