package dev.territory.reporting;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.CategoryTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The notebook's 6-panel figure (cell 8), drawn with JFreeChart into one canvas: PNG and SVG.
 *
 * <pre>
 *  [1 SI: reference vs this run] [2 SI: base vs instruct] [3 KV groups: within/between/ratio]
 *  [4 head variance per layer  ] [5 correlation (base)  ] [6 correlation (instruct)         ]
 * </pre>
 *
 * Differences from the notebook, on purpose: architectures are labelled from config head counts,
 * KV-group lines are drawn every {@code groupSize} heads (the notebook hard-codes 4), and a
 * non-finite within/between ratio is left out of panel 3 and named in its title. When the run
 * has bootstrap intervals, the specialization-index bars of this run (panels 1 and 2) carry interval
 * bars (whiskers with caps, in {@link #INTERVAL}) from the lower to the upper bound.
 */
public record Figure(byte[] png, String svg, int width, int height) {

    public static final int WIDTH = 1800;
    public static final int HEIGHT = 1200;
    static final int BANNER = 50;

    static final Color BASE = new Color(0x2e, 0xcc, 0x71);
    static final Color INSTRUCT = new Color(0xe7, 0x4c, 0x3c);
    static final Color POSITIVE = new Color(0, 128, 0);
    static final Color NEGATIVE = new Color(200, 0, 0);
    /** Opaque pale yellow behind the lines (the notebook: yellow at alpha 0.2). */
    static final Color L_STAR = new Color(255, 244, 153);
    /** Interval bars (bootstrap intervals) on the specialization-index bars: a dark blue used nowhere else. */
    static final Color INTERVAL = new Color(0x1a, 0x23, 0x7e);

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font ANNOTATION = new Font(Font.SANS_SERIF, Font.BOLD, 14);

    public static Figure render(RunReport report) {
        return render(FigureData.of(report));
    }

    public static Figure render(FigureData data) {
        BufferedImage image = renderImage(data);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SVGGraphics2D svg = new SVGGraphics2D(WIDTH, HEIGHT);
        draw(data, svg);
        return new Figure(bytes.toByteArray(), svg.getSVGDocument(), WIDTH, HEIGHT);
    }

    public static BufferedImage renderImage(FigureData data) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(data, g);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Where panel {@code index} (0..5, row-major) is drawn on the canvas. */
    public static Rectangle2D panelBounds(int index) {
        double w = WIDTH / 3.0;
        double h = (HEIGHT - BANNER) / 2.0;
        return new Rectangle2D.Double((index % 3) * w, BANNER + (index / 3) * h, w, h);
    }

    static void draw(FigureData d, Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setPaint(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setPaint(Color.BLACK);
        String title = "E11-T: " + d.runModel() + " (" + d.runArchitecture() + ") vs " + d.referenceModel() + " ("
                + d.referenceArchitecture() + ")   verdict " + d.verdict();
        // the verdict line carries its evidence, so a long title shrinks to the width instead of being cut
        int size = 22;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
        while (size > 12 && g.getFontMetrics().stringWidth(title) > WIDTH - 40) {
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, --size));
        }
        g.drawString(title, 20, 34);
        JFreeChart[] charts = {
            referencePanel(d),
            specializationPanel(d),
            groupPanel(d),
            layerPanel(d),
            heatmap(d.runModel() + " BASE: head correlation", d.baseCorrelation(), d.groupSize()),
            heatmap(d.runModel() + " INSTRUCT: head correlation", d.instructCorrelation(), d.groupSize())
        };
        for (int i = 0; i < charts.length; i++) {
            charts[i].draw(g, panelBounds(i));
        }
    }

    // Panel 1: specialization index of the reference and of this run, base vs instruct, with deltas.
    static JFreeChart referencePanel(FigureData d) {
        String ref = d.referenceModel() + " (" + d.referenceArchitecture() + ")";
        String run = d.runModel() + " (" + d.runArchitecture() + ")";
        if (run.equals(ref)) {
            run = run + " (this run)";
        }
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        ds.addValue(d.referenceBaseSi(), "Base", ref);
        ds.addValue(d.referenceInstructSi(), "Instruct", ref);
        ds.addValue(d.baseSi(), "Base", run);
        ds.addValue(d.instructSi(), "Instruct", run);
        JFreeChart chart = ChartFactory.createBarChart(
                "Specialization Index: reference vs this run\n(higher = more unique roles"
                        + (d.baseSiInterval() == null ? ")" : "; bars: bootstrap interval)"),
                null,
                "Specialization Index",
                ds);
        IntervalBars bars = new IntervalBars();
        bars.put(0, 1, d.baseSiInterval());
        bars.put(1, 1, d.instructSiInterval());
        chart.getCategoryPlot().setRenderer(bars);
        CategoryPlot plot = styleBars(chart);
        double top = Math.max(
                1.0,
                Math.max(Math.max(d.referenceBaseSi(), d.referenceInstructSi()), Math.max(d.baseSi(), d.instructSi()))
                        + 0.12);
        plot.getRangeAxis()
                .setRange(
                        Math.min(Math.min(0.0, Math.min(d.baseSi(), d.instructSi())), bars.lowest()),
                        Math.max(top, bars.highest() + 0.12));
        addDelta(plot, ref, d.referenceBaseSi(), d.referenceInstructSi(), Double.NEGATIVE_INFINITY);
        addDelta(plot, run, d.baseSi(), d.instructSi(), bars.highest()); // above the interval bars
        return chart;
    }

    private static void addDelta(CategoryPlot plot, String category, double base, double instruct, double above) {
        double delta = instruct - base;
        if (!Double.isFinite(delta)) {
            return;
        }
        CategoryTextAnnotation a = new CategoryTextAnnotation(
                String.format(Locale.ROOT, "Δ=%+.4f", delta),
                category,
                Math.max(Math.max(base, instruct), above) + 0.05);
        a.setFont(ANNOTATION);
        a.setPaint(delta > 0 ? POSITIVE : NEGATIVE);
        a.setTextAnchor(TextAnchor.BOTTOM_CENTER);
        plot.addAnnotation(a);
    }

    // Panel 2: this run's specialization index, base vs instruct, values on the bars.
    static JFreeChart specializationPanel(FigureData d) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        ds.addValue(d.baseSi(), "Specialization Index", "Base");
        ds.addValue(d.instructSi(), "Specialization Index", "Instruct");
        JFreeChart chart = ChartFactory.createBarChart(
                String.format(
                        Locale.ROOT,
                        "%s (%s): Specialization\nΔ = %+.4f",
                        d.runModel(),
                        d.runArchitecture(),
                        d.instructSi() - d.baseSi()),
                null,
                "Specialization Index",
                ds);
        chart.removeLegend();
        CategoryPlot plot = styleBars(chart);
        IntervalBars r = new IntervalBars() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return column == 0 ? BASE : INSTRUCT;
            }
        };
        r.put(0, 0, d.baseSiInterval());
        r.put(0, 1, d.instructSiInterval());
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(true);
        r.setDefaultOutlinePaint(Color.BLACK);
        r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0000")));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(ANNOTATION);
        r.setMaximumBarWidth(0.3);
        plot.setRenderer(r);
        plot.getRangeAxis()
                .setRange(
                        Math.min(Math.min(0.0, Math.min(d.baseSi(), d.instructSi())), r.lowest()),
                        Math.max(Math.max(1.0, Math.max(d.baseSi(), d.instructSi()) + 0.1), r.highest() + 0.05));
        return chart;
    }

    // Panel 3: KV-group analysis: within- and between-group variance (x1000) and their ratio.
    static JFreeChart groupPanel(FigureData d) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        String[] names = {"Within-group var ×1000", "Between-group var ×1000", "W/B ratio"};
        boolean ratioFinite = Double.isFinite(d.baseGroup()[2]) && Double.isFinite(d.instructGroup()[2]);
        for (int k = 0; k < 3; k++) {
            double scale = k < 2 ? 1000.0 : 1.0;
            if (k == 2 && !ratioFinite) {
                continue;
            }
            ds.addValue(d.baseGroup()[k] * scale, "Base", names[k]);
            ds.addValue(d.instructGroup()[k] * scale, "Instruct", names[k]);
        }
        String title = d.groupSize() == 1
                ? "KV-group analysis: 1 query head per KV head\n(within-group variance is 0 by construction)"
                : "KV-group analysis, " + d.groupSize() + " query heads per KV head";
        if (!ratioFinite) {
            title += "\n(W/B ratio not finite: left out)";
        }
        JFreeChart chart = ChartFactory.createBarChart(title, null, "Value (×1000 for variances)", ds);
        styleBars(chart);
        return chart;
    }

    // Panel 4: head variance per layer, middle third (the notebook's L* region) shaded.
    static JFreeChart layerPanel(FigureData d) {
        XYSeries base = new XYSeries("Base");
        XYSeries inst = new XYSeries("Instruct");
        for (int l = 0; l < d.baseLayerVariances().length; l++) {
            base.add(l, d.baseLayerVariances()[l]);
        }
        for (int l = 0; l < d.instructLayerVariances().length; l++) {
            inst.add(l, d.instructLayerVariances()[l]);
        }
        XYSeriesCollection ds = new XYSeriesCollection();
        ds.addSeries(base);
        ds.addSeries(inst);
        JFreeChart chart = ChartFactory.createXYLineChart(
                d.runModel() + " (" + d.runArchitecture() + "): layer-wise head variance",
                "Layer",
                "Head variance",
                ds);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, BASE);
        r.setSeriesPaint(1, INSTRUCT);
        r.setSeriesStroke(0, new BasicStroke(2.5f));
        r.setSeriesStroke(1, new BasicStroke(2.5f));
        plot.setRenderer(r);
        int numLayers = d.baseLayerVariances().length;
        int third = numLayers / 3;
        IntervalMarker lStar = new IntervalMarker(third, 2 * third);
        lStar.setPaint(L_STAR);
        lStar.setAlpha(1.0f);
        lStar.setLabel("L* region (middle third)");
        lStar.setLabelFont(TICK);
        lStar.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP);
        lStar.setLabelTextAnchor(TextAnchor.TOP_CENTER);
        plot.addDomainMarker(lStar, Layer.BACKGROUND);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setRange(-0.5, Math.max(numLayers - 0.5, 0.5));
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(200, 200, 200));
        plot.setRangeGridlinePaint(new Color(200, 200, 200));
        return chart;
    }

    // Panels 5 and 6: head correlation matrix, RdBu_r from -1 to 1, lines between KV groups.
    static JFreeChart heatmap(String title, double[][] matrix, int groupSize) {
        int n = matrix.length;
        double[] xs = new double[n * n];
        double[] ys = new double[n * n];
        double[] zs = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                xs[i * n + j] = j;
                ys[i * n + j] = i;
                zs[i * n + j] = matrix[i][j];
            }
        }
        DefaultXYZDataset ds = new DefaultXYZDataset();
        ds.addSeries("correlation", new double[][] {xs, ys, zs});
        NumberAxis x = new NumberAxis("Head");
        NumberAxis y = new NumberAxis("Head");
        for (NumberAxis a : new NumberAxis[] {x, y}) {
            a.setRange(-0.5, n - 0.5);
            a.setTickUnit(new NumberTickUnit(Math.max(1, n / 8)));
            a.setLowerMargin(0);
            a.setUpperMargin(0);
        }
        y.setInverted(true);
        XYBlockRenderer r = new XYBlockRenderer();
        RdBu scale = new RdBu();
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(ds, x, y, r);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setBackgroundPaint(Color.WHITE);
        if (groupSize > 1) {
            for (int g = groupSize; g < n; g += groupSize) {
                for (boolean domain : new boolean[] {true, false}) {
                    ValueMarker m = new ValueMarker(g - 0.5, Color.BLACK, new BasicStroke(1.5f));
                    if (domain) {
                        plot.addDomainMarker(m, Layer.FOREGROUND);
                    } else {
                        plot.addRangeMarker(m, Layer.FOREGROUND);
                    }
                }
            }
        }
        JFreeChart chart = new JFreeChart(title, TITLE, plot, false);
        NumberAxis legendAxis = new NumberAxis("Correlation");
        legendAxis.setRange(-1, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setMargin(new RectangleInsets(8, 8, 8, 8));
        legend.setStripWidth(18);
        legendAxis.setLabelFont(LABEL);
        legendAxis.setTickLabelFont(TICK);
        chart.addSubtitle(legend);
        style(chart);
        return chart;
    }

    /** Bars with an interval bar (whisker and caps) on the items given an interval. */
    static class IntervalBars extends BarRenderer {
        private final Map<List<Integer>, double[]> intervals = new HashMap<>();

        void put(int row, int column, double[] interval) {
            if (interval != null && Double.isFinite(interval[0]) && Double.isFinite(interval[1])) {
                intervals.put(List.of(row, column), interval);
            }
        }

        double lowest() {
            return intervals.values().stream()
                    .mapToDouble(iv -> Math.min(iv[0], iv[1]))
                    .min()
                    .orElse(0.0);
        }

        double highest() {
            return intervals.values().stream()
                    .mapToDouble(iv -> Math.max(iv[0], iv[1]))
                    .max()
                    .orElse(0.0);
        }

        @Override
        public void drawItem(
                Graphics2D g2,
                CategoryItemRendererState state,
                Rectangle2D dataArea,
                CategoryPlot plot,
                CategoryAxis domainAxis,
                ValueAxis rangeAxis,
                CategoryDataset dataset,
                int row,
                int column,
                int pass) {
            super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
            double[] iv = intervals.get(List.of(row, column));
            int visibleRow = state.getVisibleSeriesIndex(row);
            if (iv == null || pass != getPassCount() - 1 || visibleRow < 0) {
                return;
            }
            double x = calculateBarW0(plot, plot.getOrientation(), dataArea, domainAxis, state, visibleRow, column)
                    + state.getBarWidth() / 2;
            RectangleEdge edge = plot.getRangeAxisEdge();
            double yLow = rangeAxis.valueToJava2D(iv[0], dataArea, edge);
            double yHigh = rangeAxis.valueToJava2D(iv[1], dataArea, edge);
            double cap = Math.max(6, state.getBarWidth() / 5);
            g2.setPaint(INTERVAL);
            g2.setStroke(new BasicStroke(3f));
            g2.draw(new Line2D.Double(x, yLow, x, yHigh));
            g2.draw(new Line2D.Double(x - cap, yLow, x + cap, yLow));
            g2.draw(new Line2D.Double(x - cap, yHigh, x + cap, yHigh));
        }
    }

    private static CategoryPlot styleBars(JFreeChart chart) {
        CategoryPlot plot = chart.getCategoryPlot();
        if (plot.getRenderer() instanceof BarRenderer r) {
            r.setBarPainter(new StandardBarPainter());
            r.setShadowVisible(false);
            r.setSeriesPaint(0, BASE);
            r.setSeriesPaint(1, INSTRUCT);
            r.setItemMargin(0.02);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(200, 200, 200));
        CategoryAxis c = plot.getDomainAxis();
        c.setMaximumCategoryLabelLines(2);
        style(chart);
        return plot;
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(6, 6, 6, 6));
        if (chart.getTitle() != null) {
            chart.getTitle().setFont(TITLE);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(LABEL);
        }
        if (chart.getPlot() instanceof CategoryPlot p) {
            p.getDomainAxis().setLabelFont(LABEL);
            p.getDomainAxis().setTickLabelFont(TICK);
            p.getRangeAxis().setLabelFont(LABEL);
            p.getRangeAxis().setTickLabelFont(TICK);
        } else if (chart.getPlot() instanceof XYPlot p) {
            p.getDomainAxis().setLabelFont(LABEL);
            p.getDomainAxis().setTickLabelFont(TICK);
            p.getRangeAxis().setLabelFont(LABEL);
            p.getRangeAxis().setTickLabelFont(TICK);
        }
        for (Object t : chart.getSubtitles()) {
            if (t instanceof TextTitle tt) {
                tt.setFont(LABEL);
            }
        }
    }

    /** matplotlib's RdBu_r on [-1, 1]: blue (-1), white (0), red (+1); grey for NaN (a constant head profile). */
    static final class RdBu implements PaintScale {
        private static final Color LOW = new Color(0x05, 0x30, 0x61);
        private static final Color MID_LOW = new Color(0x92, 0xc5, 0xde);
        private static final Color MID = new Color(0xf7, 0xf7, 0xf7);
        private static final Color MID_HIGH = new Color(0xf4, 0xa5, 0x82);
        private static final Color HIGH = new Color(0x67, 0x00, 0x1f);
        private static final Color NAN = new Color(0x99, 0x99, 0x99);

        @Override
        public double getLowerBound() {
            return -1;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public Paint getPaint(double value) {
            if (Double.isNaN(value)) {
                return NAN;
            }
            double v = Math.max(-1, Math.min(1, value));
            if (v < -0.5) {
                return mix(LOW, MID_LOW, (v + 1) / 0.5);
            }
            if (v < 0) {
                return mix(MID_LOW, MID, (v + 0.5) / 0.5);
            }
            if (v < 0.5) {
                return mix(MID, MID_HIGH, v / 0.5);
            }
            return mix(MID_HIGH, HIGH, (v - 0.5) / 0.5);
        }

        private static Color mix(Color a, Color b, double t) {
            return new Color(
                    (int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                    (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                    (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
        }
    }
}
