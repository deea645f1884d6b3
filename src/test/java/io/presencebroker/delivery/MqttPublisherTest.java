package io.presencebroker.delivery;

import io.presencebroker.mqtt.MqttPublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.presencebroker.local.EmbeddedMqtt;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery client against a real broker whose Receive Maximum (HiveMQ CE: 10 QoS 1 publishes in flight per client)
 * is smaller than the number of threads publishing at once: every publish succeeds, none is refused as "too many
 * publishes in progress" (which the route would turn into a needless push).
 */
class MqttPublisherTest {

    static EmbeddedMqtt mqtt;

    @BeforeAll
    static void startBroker() {
        mqtt = EmbeddedMqtt.start();
    }

    @AfterAll
    static void stopBroker() {
        mqtt.close();
    }

    @Test
    void moreConcurrentPublishersThanTheBrokersReceiveMaximumAllSucceed() throws Exception {
        MqttPublisher publisher = new MqttPublisher(mqtt.brokerUrl(), "publisher-test", "", "", null, 5_000, 500);
        publisher.start();
        int threads = 32;
        int perThread = 25;
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (MqttTestClient subscriber = new MqttTestClient(mqtt.brokerUrl(), "publisher-test-sub", "load/#")) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(publisher::isConnected);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        MqttMessage message = new MqttMessage(("m" + thread + "-" + i).getBytes(StandardCharsets.UTF_8));
                        message.setQos(1);
                        try {
                            publisher.client().publish("load/" + thread, message);
                        } catch (MqttException e) {
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(refused).hasValue(0);
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> subscriber.received().size() == threads * perThread);
        } finally {
            pool.shutdownNow();
            publisher.stop();
        }
    }
}
