package dev.territory.reporting;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Renders known data and checks that each of the six panels drew what it should, where it should. */
class FigureTest {

    static final int HEADS = 8;

    /** 8 heads in groups of 4: +1 within a group, -1 across groups (a block pattern with blue and red). */
    static double[][] blockCorrelation() {
        double[][] m = new double[HEADS][HEADS];
        for (int i = 0; i < HEADS; i++) {
            for (int j = 0; j < HEADS; j++) {
                m[i][j] = (i / 4 == j / 4) ? 1.0 : -1.0;
            }
        }
        return m;
    }

    static FigureData known() {
        return new FigureData(
                "toy-base",
                "GQA 4:1",
                "Mistral-7B-v0.3",
                "GQA 4:1",
                0.7492,
                0.7806,
                0.60,
                0.40,
                new double[] {0.5e-3, 0.2e-3, 2.5},
                new double[] {0.4e-3, 0.3e-3, 1.3},
                new double[] {0.004, 0.003, 0.002, 0.002, 0.001, 0.0005},
                new double[] {0.003, 0.003, 0.001, 0.002, 0.002, 0.001},
                blockCorrelation(),
                blockCorrelation(),
                4,
                "A_CONFIRMED");
    }

    static int count(BufferedImage img, Rectangle2D r, Color c, int tolerance) {
        int n = 0;
        for (int y = (int) r.getMinY(); y < (int) r.getMaxY(); y++) {
            for (int x = (int) r.getMinX(); x < (int) r.getMaxX(); x++) {
                Color p = new Color(img.getRGB(x, y));
                if (Math.abs(p.getRed() - c.getRed()) <= tolerance
                        && Math.abs(p.getGreen() - c.getGreen()) <= tolerance
                        && Math.abs(p.getBlue() - c.getBlue()) <= tolerance) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void sixPanelsAreDrawnInTheirRegions() throws Exception {
        Figure figure = Figure.render(known());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(figure.png()));
        assertThat(img.getWidth()).isEqualTo(1800);
        assertThat(img.getHeight()).isEqualTo(1200);

        Rectangle2D[] p = new Rectangle2D[6];
        for (int i = 0; i < 6; i++) {
            p[i] = Figure.panelBounds(i);
        }
        // Panel 1: two groups of base/instruct bars; panel 2: one base and one instruct bar (SI 0.6 and 0.4
        // of a 0..1 axis: thousands of pixels each); panel 3: base/instruct bars of the group metrics.
        for (int i = 0; i < 3; i++) {
            assertThat(count(img, p[i], Figure.BASE, 2))
                    .as("panel %d base bars", i + 1)
                    .isGreaterThan(2000);
            assertThat(count(img, p[i], Figure.INSTRUCT, 2))
                    .as("panel %d instruct bars", i + 1)
                    .isGreaterThan(2000);
        }
        // In panel 2 the base bar (0.6) is taller than the instruct bar (0.4): 1.5 times the pixels.
        double ratio = (double) count(img, p[1], Figure.BASE, 2) / count(img, p[1], Figure.INSTRUCT, 2);
        assertThat(ratio).isBetween(1.3, 1.7);
        // Panel 4: two lines (thin: hundreds of pixels) and the yellow middle-third shading.
        assertThat(count(img, p[3], Figure.BASE, 40)).as("panel 4 base line").isGreaterThan(300);
        assertThat(count(img, p[3], Figure.INSTRUCT, 40))
                .as("panel 4 instruct line")
                .isGreaterThan(300);
        assertThat(count(img, p[3], Figure.L_STAR, 2)).as("panel 4 L* shading").isGreaterThan(5000);
        // Panels 5/6: dark red (+1) and dark blue (-1) cells, half of the 64 cells each, plus black group lines.
        Color red = new Color(0x67, 0x00, 0x1f);
        Color blue = new Color(0x05, 0x30, 0x61);
        for (int i = 4; i < 6; i++) {
            int r = count(img, p[i], red, 10);
            int b = count(img, p[i], blue, 10);
            assertThat(r).as("panel %d +1 cells", i + 1).isGreaterThan(20_000);
            assertThat(b).as("panel %d -1 cells", i + 1).isGreaterThan(20_000);
            assertThat((double) r / b).isBetween(0.8, 1.25);
            assertThat(count(img, p[i], Color.BLACK, 30))
                    .as("panel %d group lines and text", i + 1)
                    .isGreaterThan(300);
        }
        // Nothing but white outside the canvas banner is not the point; the banner carries the title text.
        assertThat(count(img, new Rectangle2D.Double(0, 0, 1800, Figure.BANNER), Color.BLACK, 60))
                .isGreaterThan(200);
    }

    @Test
    void svgHoldsTheSameSixPanels() {
        Figure figure = Figure.render(known());
        String svg = figure.svg();
        assertThat(svg)
                .startsWith("<?xml")
                .contains("<svg")
                .contains("width='1800.0'")
                .contains("height='1200.0'");
        // Heatmap cells are rects filled with the scale's end colours; bars with the notebook's colours.
        assertThat(svg).contains("rgb(103,0,31)").contains("rgb(5,48,97)");
        assertThat(svg).contains("rgb(46,204,113)").contains("rgb(231,76,60)");
        assertThat(svg).contains("Δ=+0.0314").contains("Δ=-0.2000");
        assertThat(svg).contains("L* region");
    }

    @Test
    void nonFiniteRatioIsLeftOutAndSaid() {
        FigureData d = known();
        FigureData inf = new FigureData(
                d.runModel(),
                d.runArchitecture(),
                d.referenceModel(),
                d.referenceArchitecture(),
                d.referenceBaseSi(),
                d.referenceInstructSi(),
                d.baseSi(),
                d.instructSi(),
                new double[] {0, 0, Double.POSITIVE_INFINITY},
                new double[] {0, 0, Double.POSITIVE_INFINITY},
                d.baseLayerVariances(),
                d.instructLayerVariances(),
                d.baseCorrelation(),
                d.instructCorrelation(),
                1,
                "C_REFUTED");
        assertThat(Figure.render(inf).svg()).contains("W/B ratio not finite");
    }

    /** Vertical extent in pixels (max y - min y + 1) of {@code c} inside {@code r}; 0 when absent. */
    static int extent(BufferedImage img, Rectangle2D r, Color c, int tolerance) {
        int min = Integer.MAX_VALUE;
        int max = -1;
        for (int y = (int) r.getMinY(); y < (int) r.getMaxY(); y++) {
            for (int x = (int) r.getMinX(); x < (int) r.getMaxX(); x++) {
                Color p = new Color(img.getRGB(x, y));
                if (Math.abs(p.getRed() - c.getRed()) <= tolerance
                        && Math.abs(p.getGreen() - c.getGreen()) <= tolerance
                        && Math.abs(p.getBlue() - c.getBlue()) <= tolerance) {
                    min = Math.min(min, y);
                    max = Math.max(max, y);
                }
            }
        }
        return max < 0 ? 0 : max - min + 1;
    }

    @Test
    void intervalBarsAreDrawnOnTheSpecializationPanels() throws Exception {
        // base SI 0.60 in [0.50, 0.70], instruct 0.40 in [0.35, 0.45]: the base whisker is twice as long
        FigureData with = known().withSiIntervals(new double[] {0.50, 0.70}, new double[] {0.35, 0.45});
        BufferedImage img =
                ImageIO.read(new ByteArrayInputStream(Figure.render(with).png()));
        BufferedImage plain =
                ImageIO.read(new ByteArrayInputStream(Figure.render(known()).png()));
        for (int i = 0; i < 6; i++) {
            Rectangle2D p = Figure.panelBounds(i);
            int drawn = count(img, p, Figure.INTERVAL, 12);
            assertThat(count(plain, p, Figure.INTERVAL, 12))
                    .as("panel %d without intervals", i + 1)
                    .isZero();
            if (i < 2) {
                assertThat(drawn).as("panel %d interval bars", i + 1).isGreaterThan(150);
            } else {
                assertThat(drawn).as("panel %d has no interval bars", i + 1).isZero();
            }
        }
        // Panel 2: base bar on the left half, instruct on the right; whisker lengths follow the intervals.
        Rectangle2D p2 = Figure.panelBounds(1);
        Rectangle2D left = new Rectangle2D.Double(p2.getX(), p2.getY(), p2.getWidth() / 2, p2.getHeight());
        Rectangle2D right = new Rectangle2D.Double(p2.getCenterX(), p2.getY(), p2.getWidth() / 2, p2.getHeight());
        int baseLength = extent(img, left, Figure.INTERVAL, 12);
        int instructLength = extent(img, right, Figure.INTERVAL, 12);
        assertThat(instructLength).isGreaterThan(20);
        assertThat((double) baseLength / instructLength).isBetween(1.8, 2.2);
        // Panel 1 (two categories): the run's bars only, i.e. the right half of the panel.
        Rectangle2D p1 = Figure.panelBounds(0);
        assertThat(count(
                        img,
                        new Rectangle2D.Double(p1.getX(), p1.getY(), p1.getWidth() / 2, p1.getHeight()),
                        Figure.INTERVAL,
                        12))
                .as("reference bars carry none")
                .isZero();
        assertThat(Figure.render(with).svg()).contains("rgb(26,35,126)").contains("bootstrap interval");
    }
}
