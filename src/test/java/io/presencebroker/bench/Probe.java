package io.presencebroker.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.presencebroker.PresenceBroker;
import io.presencebroker.testing.HistoryGenerator;
import io.presencebroker.testing.ReferenceModel;
import io.presencebroker.testing.TestQueues;
import io.presencebroker.testing.TestServices;

public class Probe {
    public static void main(String[] args) throws Exception {
        int consumers = Integer.parseInt(args.length > 0 ? args[0] : "4");
        Map<String, String> settings = TestServices.settings("probe-events", "probe-dlq");
        settings.put("presence.consumers", String.valueOf(consumers));
        TestServices.clearDatabase();
        HistoryGenerator g = new HistoryGenerator(1);
        List<ReferenceModel.Event> h = g.history(500, 5, "p-");
        List<String> d = g.deliveries(h);
        try (TestQueues q = new TestQueues()) {
            q.send("probe-events", d);
            long t0 = System.nanoTime();
            try (PresenceBroker b = new PresenceBroker(settings).start()) {
                q.awaitDrained("probe-events", Duration.ofMinutes(5));
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("PROBE consumers=%d events=%d seconds=%.2f rate=%.0f/s%n", consumers, d.size(), s, d.size() / s);
            }
        }
        System.exit(0);
    }
}
