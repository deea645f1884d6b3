-- Presence announcements (docs/announcements.md): per user, the state last announced, the one being sent, and the
-- one waiting for its time (offline waits for the debounce). Kept here, not in memory, so that a pending announcement
-- survives a restart and several instances announce each transition once. Valid on MySQL 8 and MariaDB 10.11+.
CREATE TABLE presence_announcement (
  user_id          VARCHAR(128) NOT NULL,
  announced_online BOOLEAN      NULL     COMMENT 'the state last announced; NULL before the first announcement',
  sending_online   BOOLEAN      NULL     COMMENT 'the state an instance is sending now (claimed until due_at)',
  sending_at       BIGINT       NULL,
  sending_clients  INT          NULL,
  claim_id         VARCHAR(64)  NULL     COMMENT 'the claim of the instance sending',
  pending_online   BOOLEAN      NULL     COMMENT 'the next state to announce, once pending_due has passed',
  pending_at       BIGINT       NULL     COMMENT 'its time (user_presence.last_seen_at, epoch ms)',
  pending_clients  INT          NULL,
  pending_due      DATETIME(3)  NULL,
  due_at           DATETIME(3)  NULL     COMMENT 'when an instance should look at this row next: pending_due, or the end of a claim',
  changed_at       DATETIME(3)  NULL     COMMENT 'when the pending transition was committed',
  updated_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_id),
  KEY presence_announcement_due (due_at)
);
