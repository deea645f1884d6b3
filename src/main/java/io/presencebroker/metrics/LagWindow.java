package io.presencebroker.metrics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Event lags (milliseconds) of the current interval, for the percentiles the EMF publisher reports: each
 * {@link #takeInterval()} returns what was recorded since the previous one and starts a new interval. Recording is
 * lock-free (HdrHistogram's {@link Recorder}); values are kept to 2 significant digits (1% error), up to a day.
 */
public class LagWindow {

    static final long MAX_TRACKED_MS = 86_400_000L;

    private final Recorder recorder = new Recorder(1, MAX_TRACKED_MS, 2);

    public void record(long lagMillis) {
        recorder.recordValue(Math.min(Math.max(0, lagMillis), MAX_TRACKED_MS));
    }

    /** The lags recorded since the last call (a fresh histogram; the caller owns it). */
    public Histogram takeInterval() {
        return recorder.getIntervalHistogram();
    }
}
