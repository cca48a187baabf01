package org.facealign.augment;

import java.io.Serializable;
import java.util.Objects;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageWarp;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;

/**
 * The multiscale face inputs of MSRRN (Wang et al. 2017): one square region around the face box,
 * resampled to each of {@link ConfigAugment#cropSizes()} (50, 100 and 200 px by default), which the
 * network reads from coarse to fine.
 *
 * <p><b>Region</b> (a choice, see the package documentation): the square about the box centre whose side
 * is {@code max(w, h) · (1 + 2 · cropMargin)}. It may overhang the image; {@link ImageWarp} then
 * replicates the border pixels. Shrinking by more than 2× is anti-aliased by ImageWarp.
 *
 * <p><b>Coordinates</b>: pixel-area convention. Crop pixel i covers {@code [i − ½, i + ½]}; the region's
 * edges map to −½ and {@code s − ½}, so {@code x_crop = k (x − cx) + (s − 1) / 2} with {@code k = s / side}.
 * The unit frame is {@code u = (x_crop + ½) / s} ({@link #toCropUnit}), in which the region is exactly
 * {@code [0, 1]²} at every scale: a unit-frame shape is the same for all crop sizes, and the pixel grid of
 * crop s is exactly the 2× area-downsampled grid of crop 2s (as {@link ImageWarp} halves images).
 */
public final class MultiscaleCrops {
  private MultiscaleCrops() {}

  /**
   * The crops of one face, finest last.
   *
   * @param images one image per crop size, {@code s x s}
   * @param imageToCrop source-image pixels to the pixels of each crop
   * @param unitShape the landmarks in the unit frame shared by all scales, or null when none were given
   */
  public record Crops(GrayImage[] images, SimilarityTransform[] imageToCrop, Shape unitShape) implements Serializable {
    public Crops {
      Objects.requireNonNull(images, "images");
      Objects.requireNonNull(imageToCrop, "imageToCrop");
      if (images.length != imageToCrop.length || images.length == 0) {
        throw new IllegalArgumentException(images.length + " crops but " + imageToCrop.length + " transforms");
      }
      images = images.clone();
      imageToCrop = imageToCrop.clone();
    }

    @Override
    public GrayImage[] images() {
      return images.clone();
    }

    @Override
    public SimilarityTransform[] imageToCrop() {
      return imageToCrop.clone();
    }

    /** Number of scales. */
    public int scales() {
      return images.length;
    }

    /** The crop of scale {@code i}. */
    public GrayImage image(int i) {
      return images[i];
    }

    /** Side of the crop of scale {@code i}, pixels. */
    public int size(int i) {
      return images[i].width();
    }

    /** Source-image pixels to scale {@code i}'s crop pixels. */
    public SimilarityTransform imageToCrop(int i) {
      return imageToCrop[i];
    }

    /** A unit-frame shape (e.g. a prediction) back in source-image pixels. */
    public Shape unitToImage(Shape unit) {
      return imageToCrop[0].inverse().apply(fromCropUnit(unit, size(0)));
    }
  }

  /**
   * Crops {@code image} around {@code box} at every size of {@code cfg.cropSizes()}.
   *
   * @param shapeOrNull landmarks in image pixels, or null
   * @throws IllegalArgumentException if {@code cfg} is invalid
   */
  public static Crops crop(GrayImage image, FaceBox box, Shape shapeOrNull, ConfigAugment cfg) {
    cfg.checkValidity();
    int[] sizes = cfg.cropSizeArray();
    GrayImage[] images = new GrayImage[sizes.length];
    SimilarityTransform[] transforms = new SimilarityTransform[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      transforms[i] = imageToCrop(box, cfg.cropMargin(), sizes[i]);
      images[i] = ImageWarp.warp(image, transforms[i], sizes[i], sizes[i]);
    }
    Shape unit = shapeOrNull == null ? null : imageToUnit(box, cfg.cropMargin()).apply(shapeOrNull);
    return new Crops(images, transforms, unit);
  }

  /** The square region that is cropped: side {@code max(w, h) · (1 + 2 margin)}, centred on the box. */
  public static FaceBox region(FaceBox box, double margin) {
    double half = side(box, margin) / 2;
    return new FaceBox(box.centerX() - half, box.centerY() - half, box.centerX() + half, box.centerY() + half);
  }

  /** Image pixels to the pixels of the {@code size x size} crop of {@link #region}. */
  public static SimilarityTransform imageToCrop(FaceBox box, double margin, int size) {
    double k = size / side(box, margin);
    double c = (size - 1) / 2.0;
    return new SimilarityTransform(k, 0, c - k * box.centerX(), c - k * box.centerY());
  }

  /** Image pixels to the unit frame of {@link #region}: {@code (x − cx) / side + ½}. */
  public static SimilarityTransform imageToUnit(FaceBox box, double margin) {
    double k = 1 / side(box, margin);
    return new SimilarityTransform(k, 0, 0.5 - k * box.centerX(), 0.5 - k * box.centerY());
  }

  /** A shape in the pixels of an {@code size}-pixel crop to the unit frame: {@code (x + ½) / size}. */
  public static Shape toCropUnit(Shape cropShape, int size) {
    double[] xy = cropShape.toArray();
    for (int i = 0; i < xy.length; i++) {
      xy[i] = (xy[i] + 0.5) / size;
    }
    return Shape.of(xy);
  }

  /** The inverse of {@link #toCropUnit}: {@code u · size − ½}. */
  public static Shape fromCropUnit(Shape unitShape, int size) {
    double[] xy = unitShape.toArray();
    for (int i = 0; i < xy.length; i++) {
      xy[i] = xy[i] * size - 0.5;
    }
    return Shape.of(xy);
  }

  private static double side(FaceBox box, double margin) {
    return Math.max(box.width(), box.height()) * (1 + 2 * margin);
  }
}
