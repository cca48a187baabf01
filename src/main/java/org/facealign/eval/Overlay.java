package org.facealign.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;

/**
 * Pictures of faces with their boxes and landmarks drawn, to look at: the samples a labelling run writes, the
 * {@code predict} overlay, and the worst faces of an evaluation report. The image is drawn in grey; the box in
 * yellow, predicted landmarks in red, the ground truth (when given) in green, each face numbered.
 */
public final class Overlay {
  private static final Color BOX = new Color(0xFF, 0xD0, 0x00);
  private static final Color PREDICTED = new Color(0xFF, 0x30, 0x30);
  private static final Color TRUTH = new Color(0x20, 0xE0, 0x40);

  private Overlay() {}

  /**
   * One face to draw.
   *
   * @param box the face box, or null
   * @param landmarks the predicted landmarks, or null
   * @param truth the ground-truth landmarks, or null
   * @param caption a short label drawn above the box, or null
   */
  public record Face(FaceBox box, Shape landmarks, Shape truth, String caption) {}

  /**
   * The whole image with {@code faces} drawn, scaled down (never up) so that its longer side is at most {@code
   * maxSide} pixels; as PNG bytes.
   */
  public static byte[] png(GrayImage image, List<Face> faces, int maxSide) {
    double s = Math.min(1.0, (double) maxSide / Math.max(image.width(), image.height()));
    return encode(render(image, faces, 0, 0, image.width(), image.height(), s));
  }

  /**
   * The region around {@code face}'s box (the box grown by half its size on each side, clipped to the image),
   * scaled to {@code side} pixels on its longer side; as PNG bytes. What a report shows of one face.
   */
  public static byte[] cropPng(GrayImage image, Face face, int side) {
    return encode(cropImage(image, face, side));
  }

  /**
   * One picture of several faces side by side, {@code columns} to a row: for each, the region around its box
   * ({@link #cropPng}'s), {@code tile} pixels on its longer side, with {@code captions[i]} written under it.
   */
  public static byte[] gridPng(List<GrayImage> images, List<Face> faces, List<String> captions, int tile, int columns) {
    int n = images.size();
    int cols = Math.max(1, Math.min(columns, n));
    int rows = (n + cols - 1) / cols;
    int captionHeight = 18;
    BufferedImage out = new BufferedImage(cols * tile, rows * (tile + captionHeight), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i < n; i++) {
        BufferedImage crop = cropImage(images.get(i), faces.get(i), tile);
        int x = (i % cols) * tile;
        int y = (i / cols) * (tile + captionHeight);
        g.drawImage(crop, x + (tile - crop.getWidth()) / 2, y + (tile - crop.getHeight()) / 2, null);
        g.setColor(Color.BLACK);
        g.drawString(captions.get(i), x + 4, y + tile + 13);
      }
    } finally {
      g.dispose();
    }
    return encode(out);
  }

  private static BufferedImage cropImage(GrayImage image, Face face, int side) {
    FaceBox b = face.box() != null ? face.box() : face.truth() != null ? face.truth().extent() : face.landmarks().extent();
    FaceBox r = b.expand(0.5);
    int x0 = (int) Math.max(0, Math.floor(r.x0()));
    int y0 = (int) Math.max(0, Math.floor(r.y0()));
    int x1 = (int) Math.min(image.width(), Math.ceil(r.x1()) + 1);
    int y1 = (int) Math.min(image.height(), Math.ceil(r.y1()) + 1);
    if (x1 <= x0 || y1 <= y0) {
      x0 = 0;
      y0 = 0;
      x1 = image.width();
      y1 = image.height();
    }
    double s = (double) side / Math.max(x1 - x0, y1 - y0);
    return render(image, List.of(face), x0, y0, x1 - x0, y1 - y0, s);
  }

  /** The window {@code (x0, y0, w, h)} of the image scaled by {@code s}, with the faces drawn over it. */
  static BufferedImage render(GrayImage image, List<Face> faces, int x0, int y0, int w, int h, double s) {
    int ow = Math.max(1, (int) Math.round(w * s));
    int oh = Math.max(1, (int) Math.round(h * s));
    BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
    // nearest-neighbour resampling of the grey values (box-averaging would be nicer; this is for looking at)
    for (int y = 0; y < oh; y++) {
      int sy = Math.min(image.height() - 1, y0 + (int) ((y + 0.5) / s));
      for (int x = 0; x < ow; x++) {
        int sx = Math.min(image.width() - 1, x0 + (int) ((x + 0.5) / s));
        int v = Math.max(0, Math.min(255, Math.round(image.get(sx, sy))));
        out.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      float stroke = (float) Math.max(1.5, Math.min(ow, oh) / 300.0);
      double r = Math.max(1.5, Math.min(ow, oh) / 220.0);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, (int) Math.max(11, Math.min(ow, oh) / 40.0)));
      for (Face f : faces) {
        if (f.box() != null) {
          g.setColor(BOX);
          g.setStroke(new BasicStroke(stroke));
          g.draw(new Rectangle2D.Double((f.box().x0() - x0 + 0.5) * s, (f.box().y0() - y0 + 0.5) * s,
              f.box().width() * s, f.box().height() * s));
          if (f.caption() != null) {
            g.drawString(f.caption(), (float) ((f.box().x0() - x0 + 0.5) * s), (float) Math.max(12,
                (f.box().y0() - y0 + 0.5) * s - 4));
          }
        }
        points(g, f.truth(), TRUTH, x0, y0, s, r);
        points(g, f.landmarks(), PREDICTED, x0, y0, s, r);
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  private static void points(Graphics2D g, Shape shape, Color c, int x0, int y0, double s, double r) {
    if (shape == null) {
      return;
    }
    g.setColor(c);
    for (int i = 0; i < shape.numPoints(); i++) {
      // pixel centres at integers: pixel (x, y) spans [x - 0.5, x + 0.5) before scaling
      double px = (shape.x(i) - x0 + 0.5) * s;
      double py = (shape.y(i) - y0 + 0.5) * s;
      g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
    }
  }

  static byte[] encode(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, "png", out)) {
        throw new IllegalStateException("no PNG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode PNG in memory", e);
    }
    return out.toByteArray();
  }
}
