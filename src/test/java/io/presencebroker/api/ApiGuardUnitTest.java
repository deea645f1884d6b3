package io.presencebroker.api;

import java.util.concurrent.atomic.AtomicLong;

import io.presencebroker.rate.TokenBucket;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bearer token check and the token bucket (pure logic; the route is tested in PresenceApiTest). */
class ApiGuardUnitTest {

    static final String TOKEN = "s3cret-token-0123456789";

    @Test
    void acceptsOnlyTheExactTokenWithTheBearerScheme() {
        BearerToken token = new BearerToken(TOKEN);

        assertThat(token.accepts("Bearer " + TOKEN)).isTrue();
        assertThat(token.accepts("bearer " + TOKEN)).isTrue();
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.accepts("")).isFalse();
        assertThat(token.accepts("Bearer ")).isFalse();
        assertThat(token.accepts(TOKEN)).isFalse();
        assertThat(token.accepts("Basic " + TOKEN)).isFalse();
        assertThat(token.accepts("Bearer " + TOKEN + "x")).isFalse();
        assertThat(token.accepts("Bearer " + TOKEN.substring(1))).isFalse();
        assertThat(token.accepts("Bearer " + TOKEN.toUpperCase())).isFalse();
    }

    @Test
    void refusesAMissingOrShortToken() {
        assertThatThrownBy(() -> new BearerToken("")).hasMessageContaining("PRESENCE_API_TOKEN");
        assertThatThrownBy(() -> new BearerToken(null)).hasMessageContaining("PRESENCE_API_TOKEN");
        assertThatThrownBy(() -> new BearerToken("short")).hasMessageContaining("at least 16");
    }

    @Test
    void bucketAllowsABurstOfOneSecondThenTheRate() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        TokenBucket bucket = new TokenBucket("presence.api.rate-limit-per-second", 10, 10, now::get);

        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire()).as("request %d of the burst", i).isZero();
        }
        long wait = bucket.tryAcquire();
        assertThat(wait).isEqualTo(100_000_000L); // one token every 100 ms

        now.addAndGet(50_000_000L);
        assertThat(bucket.tryAcquire()).isEqualTo(50_000_000L);
        now.addAndGet(50_000_000L);
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isPositive();

        // an idle minute refills the bucket to its capacity, not beyond
        now.addAndGet(60_000_000_000L);
        int admitted = 0;
        while (bucket.tryAcquire() == 0) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(10);
        assertThatThrownBy(() -> new TokenBucket("presence.api.rate-limit-per-second", 0, 1)).hasMessageContaining("rate-limit-per-second");
    }
}
