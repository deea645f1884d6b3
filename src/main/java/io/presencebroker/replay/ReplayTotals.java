package io.presencebroker.replay;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one {@code replay-dlq} run read, per error type and per reason: how many messages, how many match the filters
 * ({@code --reason}, {@code --error-type}), how many moved (a dry run: would move) and, in a real run, how many failed.
 * Reasons that differ only in their numbers (a connection id, a row number, a receive count) are counted together,
 * their digits shown as {@code #}; the list of a dry run keeps each full reason.
 */
final class ReplayTotals {

    /** What happened to one message. */
    enum Outcome { MOVE, FAILED, NOT_MATCHING, NO_TARGET, OVER_MAX }

    static final int REASON_WIDTH = 100;

    private static final int READ = 0;
    private static final int MATCH = 1;
    private static final int MOVE = 2;
    private static final int FAILED = 3;

    private final boolean dryRun;
    private final Map<String, int[]> byErrorType = new HashMap<>();
    private final Map<String, int[]> byReason = new HashMap<>();
    private final int[] all = new int[4];
    private int noTarget;
    private int overMax;

    ReplayTotals(boolean dryRun) {
        this.dryRun = dryRun;
    }

    void add(String errorType, String reason, boolean match, Outcome outcome) {
        for (int[] row : new int[][] {all, byErrorType.computeIfAbsent(printable(errorType), k -> new int[4]),
                byReason.computeIfAbsent(reasonKey(reason), k -> new int[4])}) {
            row[READ]++;
            row[MATCH] += match ? 1 : 0;
            row[MOVE] += outcome == Outcome.MOVE ? 1 : 0;
            row[FAILED] += outcome == Outcome.FAILED ? 1 : 0;
        }
        noTarget += outcome == Outcome.NO_TARGET ? 1 : 0;
        overMax += outcome == Outcome.OVER_MAX ? 1 : 0;
    }

    /** The totals line, its notes, then one table per error type and one per reason (none when nothing was read). */
    void print(PrintStream out, String warning) {
        if (dryRun) {
            out.printf("dry run: read %d dead-lettered messages: %d match the filters, %d would move, %d would stay%n",
                    all[READ], all[MATCH], all[MOVE], all[READ] - all[MOVE]);
        } else {
            out.printf("replayed: read %d dead-lettered messages: %d match the filters, %d moved, %d failed, %d stay%n",
                    all[READ], all[MATCH], all[MOVE], all[FAILED], all[READ] - all[MOVE]);
        }
        if (noTarget > 0) {
            out.printf("  %d matching came from a queue this run was not given (outbox: PRESENCE_OUTBOX_QUEUE)%n", noTarget);
        }
        if (overMax > 0) {
            out.printf("  %d matching over --max%n", overMax);
        }
        if (warning != null) {
            out.println("  WARNING: " + warning);
        }
        if (all[READ] == 0) {
            return;
        }
        table(out, "error type", byErrorType);
        table(out, "reason", byReason);
    }

    private void table(PrintStream out, String heading, Map<String, int[]> rows) {
        List<String> labels = dryRun ? List.of("read", "match", "move") : List.of("read", "match", "moved", "failed");
        List<Map.Entry<String, int[]>> sorted = new ArrayList<>(rows.entrySet());
        sorted.sort(Comparator.<Map.Entry<String, int[]>>comparingInt(e -> -e.getValue()[READ])
                .thenComparing(Map.Entry::getKey));
        int keyWidth = heading.length();
        for (Map.Entry<String, int[]> e : sorted) {
            keyWidth = Math.max(keyWidth, e.getKey().length());
        }
        StringBuilder line = new StringBuilder(pad(heading, keyWidth));
        for (String label : labels) {
            line.append("  ").append(label.length() < 5 ? " ".repeat(5 - label.length()) : "").append(label);
        }
        out.println(line.toString().stripTrailing());
        for (Map.Entry<String, int[]> e : sorted) {
            StringBuilder row = new StringBuilder(pad(e.getKey(), keyWidth));
            for (int i = 0; i < labels.size(); i++) {
                row.append("  ").append(String.format("%" + Math.max(5, labels.get(i).length()) + "d", e.getValue()[i]));
            }
            out.println(row);
        }
    }

    /** The reason as counted: printable, its digits as {@code #}, at most {@value #REASON_WIDTH} characters. */
    static String reasonKey(String reason) {
        String key = printable(reason).replaceAll("[0-9]+", "#");
        return key.length() > REASON_WIDTH ? key.substring(0, REASON_WIDTH - 3) + "..." : key;
    }

    private static String printable(String s) {
        if (s == null || s.isBlank()) {
            return "-";
        }
        return s.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }
}
