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
        assertThat(next(null, null, null, true)).isEqualTo(PEND);
        assertThat(next(null, null, null, false)).isEqualTo(PEND);
    }

    @Test
    void theStateAlreadyAnnouncedOrPendingChangesNothing() {
        assertThat(next(true, null, null, true)).isEqualTo(NONE);
        assertThat(next(true, null, false, false)).isEqualTo(NONE);
        assertThat(next(null, null, true, true)).isEqualTo(NONE);
    }

    @Test
    void aReturnToTheAnnouncedStateBeforeItsTimeDropsThePendingOne() {
        assertThat(next(true, null, false, true)).isEqualTo(CANCEL);
        assertThat(next(false, null, true, false)).isEqualTo(CANCEL);
    }

    @Test
    void whileAStateIsBeingSentItIsTheBaseline() {
        // offline is on its way: a return online must be announced after it, not dropped
        assertThat(next(true, false, null, true)).isEqualTo(PEND);
        assertThat(next(true, false, null, false)).isEqualTo(NONE);
        assertThat(next(true, false, true, false)).isEqualTo(CANCEL);
    }
}
