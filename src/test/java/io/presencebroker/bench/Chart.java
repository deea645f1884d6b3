package io.presencebroker.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import javax.imageio.ImageIO;

/** A two-panel PNG: throughput of each run as bars, and the latency distribution (percentile curve). */
final class Chart {

    private Chart() {
    }

    static void write(Path file, Map<String, Double> throughput, long[] latency) throws IOException {
        int w = 1200;
        int h = 520;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Throughput (events/s, same run)", 30, 30);
        g.drawString("Latency, event timestamp to commit (ms)", 640, 30);
        bars(g, throughput, 30, 60, 560, 400);
        if (latency != null && latency.length > 0) {
            curve(g, latency, 680, 60, 480, 400);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void bars(Graphics2D g, Map<String, Double> values, int x, int y, int width, int height) {
        double max = values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int n = values.size();
        int slot = height / Math.max(1, n);
        int i = 0;
        Color[] colors = {new Color(0x4e79a7), new Color(0x59a14f), new Color(0xe15759), new Color(0xf28e2b), new Color(0x76b7b2)};
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (Map.Entry<String, Double> e : values.entrySet()) {
            int top = y + i * slot + 18;
            int len = (int) ((width - 20) * e.getValue() / max);
            g.setColor(colors[i % colors.length]);
            g.fillRect(x, top, Math.max(1, len), slot - 30);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey() + ": " + Math.round(e.getValue()), x + 4, top - 4);
            i++;
        }
    }

    private static void curve(Graphics2D g, long[] sorted, int x, int y, int width, int height) {
        long p999 = sorted[(int) Math.min(sorted.length - 1, Math.ceil(0.999 * sorted.length) - 1)];
        double max = Math.max(10, p999 * 1.1);
        g.setColor(Color.GRAY);
        g.drawLine(x, y + height, x + width, y + height);
        g.drawLine(x, y, x, y + height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int k = 0; k <= 4; k++) {
            int ty = y + height - k * height / 4;
            g.drawString(String.valueOf(Math.round(max * k / 4)), x - 40, ty + 4);
        }
        for (int pct : new int[] {0, 50, 90, 95, 99, 100}) {
            int tx = x + (int) (width * pct / 100.0);
            g.drawString(pct + "%", tx - 10, y + height + 18);
        }
        g.setColor(new Color(0x4e79a7));
        g.setStroke(new BasicStroke(2f));
        int prevX = x;
        int prevY = y + height;
        for (int px = 0; px <= width; px++) {
            int idx = (int) Math.min(sorted.length - 1, (long) px * sorted.length / (width + 1));
            int py = y + height - (int) (height * Math.min(sorted[idx], max) / max);
            g.drawLine(prevX, prevY, x + px, py);
            prevX = x + px;
            prevY = py;
        }
    }
}
