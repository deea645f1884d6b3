package io.presencebroker.announce;

import org.junit.jupiter.api.Test;

import static io.presencebroker.announce.AnnouncementRule.Change.CANCEL;
import static io.presencebroker.announce.AnnouncementRule.Change.NONE;
import static io.presencebroker.announce.AnnouncementRule.Change.PEND;
import static io.presencebroker.announce.AnnouncementRule.next;
import static org.assertj.core.api.Assertions.assertThat;

class AnnouncementRuleTest {

    @Test
    void aFirstStateIsAnnounced() {
        assertThat(next(null, null, null, null, true, 1L)).isEqualTo(PEND);
        assertThat(next(null, null, null, null, false, 1L)).isEqualTo(PEND);
    }

    @Test
    void theStateAlreadyAnnouncedOrPendingChangesNothing() {
        assertThat(next(true, null, null, null, true, 1L)).isEqualTo(NONE);
        assertThat(next(true, null, false, 1L, false, 1L)).isEqualTo(NONE);
        assertThat(next(null, null, true, 1L, true, 1L)).isEqualTo(NONE);
    }

    @Test
    void aReturnToTheAnnouncedStateBeforeItsTimeDropsThePendingOne() {
        assertThat(next(true, null, false, 1L, true, 1L)).isEqualTo(CANCEL);
        assertThat(next(false, null, true, 1L, false, 1L)).isEqualTo(CANCEL);
    }

    @Test
    void whileAStateIsBeingSentItIsTheBaseline() {
        // offline is on its way: a return online must be announced after it, not dropped
        assertThat(next(true, false, null, null, true, 1L)).isEqualTo(PEND);
        assertThat(next(true, false, null, null, false, 1L)).isEqualTo(NONE);
        assertThat(next(true, false, true, 1L, false, 1L)).isEqualTo(CANCEL);
    }

    @Test
    void theSameStateFromANewerEventStartsOver() {
        // offline pending since a disconnect at 1; back online and offline again (at 2) before any look saw it
        assertThat(next(true, null, false, 1L, false, 2L)).isEqualTo(PEND);
        assertThat(next(true, null, false, 1L, false, 1L)).isEqualTo(NONE);
    }
}
