// A reference point for inference speed outside the project: dlib's ensemble of regression trees
// (Kazemi & Sullivan 2014, dlib's shape_predictor_trainer with its default structure: cascade depth 10,
// 500 trees per level, tree depth 4, oversampling 20, nu 0.1, feature pool 400), trained on the 300-W
// training faces (afw, lfpw/trainset, helen/trainset) and timed on the common test faces (helen/testset,
// lfpw/testset) one face per call on one thread, as `bench predict` times the project's models.
//
//   shape_bench train DATA_DIR MODEL_OUT
//   shape_bench bench DATA_DIR MODEL [--faces N] [--repeat R]
//
// Faces: every image with a .pts beside it. Box: the bounding box of the 68 points widened by 10 % of its
// width and height on each side, rounded. Images are read by dlib's load_image as grayscale. `bench`
// decodes all common faces first, times the first N of them (ordered by part/name, as the project orders
// faces) R times after one warm-up pass, and reports the fastest pass in wall time and in the thread's CPU
// time, then the mean inter-pupil NME over all common faces (a fraction: mean point-to-point error over
// the distance between the means of points 36-41 and 42-47, 0-based). dlib keeps landmarks as integer
// pixels, so the training targets and the predictions are rounded to whole pixels; the error is measured
// against the unrounded annotations.
//
// Built and run by submit/bench-dlib.sh.

#include <dlib/image_io.h>
#include <dlib/image_processing.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <time.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr int kPoints = 68;
const std::vector<std::string> kTrainingParts = {"afw", "lfpw/trainset", "helen/trainset"};
const std::vector<std::string> kCommonParts = {"lfpw/testset", "helen/testset"};
const std::vector<std::string> kImageExtensions = {".jpg", ".jpeg", ".png"};

struct Face {
  std::string id;     // part/name, e.g. lfpw/testset/image_0001
  std::string image;  // path of the image file
  std::vector<dlib::dpoint> points;  // 0-based pixel centres
};

// Reads a 300-W .pts file: "version: 1", "n_points: 68", "{", 68 lines "x y" (1-based), "}".
std::vector<dlib::dpoint> read_pts(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  std::string line;
  bool open = false;
  while (std::getline(in, line)) {
    if (line.find('{') != std::string::npos) {
      open = true;
      break;
    }
  }
  if (!open) throw std::runtime_error(path.string() + ": no '{'");
  std::vector<dlib::dpoint> points;
  while (std::getline(in, line) && line.find('}') == std::string::npos) {
    std::istringstream s(line);
    double x, y;
    if (!(s >> x >> y)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      throw std::runtime_error(path.string() + ": bad point line '" + line + "'");
    }
    points.emplace_back(x - 1, y - 1);
  }
  if (points.size() != kPoints) {
    throw std::runtime_error(path.string() + ": " + std::to_string(points.size()) + " points, expected 68");
  }
  return points;
}

// Every annotated image of the given parts, ordered by id.
std::vector<Face> discover(const fs::path& root, const std::vector<std::string>& parts) {
  std::vector<Face> faces;
  for (const std::string& part : parts) {
    fs::path dir = root / part;
    if (!fs::is_directory(dir)) {
      std::cerr << "shape_bench: no folder " << dir << ", skipped\n";
      continue;
    }
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".pts") continue;
      std::string image;
      for (const std::string& ext : kImageExtensions) {
        fs::path p = e.path();
        p.replace_extension(ext);
        if (fs::is_regular_file(p)) {
          image = p.string();
          break;
        }
      }
      if (image.empty()) {
        std::cerr << "shape_bench: " << e.path() << " has no image, skipped\n";
        continue;
      }
      faces.push_back({part + "/" + e.path().stem().string(), image, read_pts(e.path())});
    }
  }
  std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.id < b.id; });
  return faces;
}

dlib::rectangle box_of(const std::vector<dlib::dpoint>& points) {
  double x0 = std::numeric_limits<double>::max(), y0 = x0, x1 = -x0, y1 = -x0;
  for (const dlib::dpoint& p : points) {
    x0 = std::min(x0, p.x());
    y0 = std::min(y0, p.y());
    x1 = std::max(x1, p.x());
    y1 = std::max(y1, p.y());
  }
  double mx = 0.1 * (x1 - x0), my = 0.1 * (y1 - y0);
  return dlib::rectangle(std::lround(x0 - mx), std::lround(y0 - my), std::lround(x1 + mx), std::lround(y1 + my));
}

double eye_distance(const std::vector<dlib::dpoint>& truth) {
  dlib::dpoint a(0, 0), b(0, 0);
  for (int i = 36; i < 42; ++i) a += truth[i];
  for (int i = 42; i < 48; ++i) b += truth[i];
  return dlib::length((a - b) / 6.0);
}

double ip_nme(const dlib::full_object_detection& d, const std::vector<dlib::dpoint>& truth) {
  double sum = 0;
  for (int i = 0; i < kPoints; ++i) sum += dlib::length(dlib::dpoint(d.part(i)) - truth[i]);
  return sum / kPoints / eye_distance(truth);
}

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string json_string(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}

int train(const fs::path& root, const std::string& model_out) {
  std::vector<Face> faces = discover(root, kTrainingParts);
  if (faces.empty()) {
    std::cerr << "shape_bench train: no training faces under " << root << "\n";
    return 1;
  }
  dlib::array<dlib::array2d<unsigned char>> images(faces.size());
  std::vector<std::vector<dlib::full_object_detection>> objects(faces.size());
  for (size_t i = 0; i < faces.size(); ++i) {
    dlib::load_image(images[i], faces[i].image);
    std::vector<dlib::point> parts;
    for (const dlib::dpoint& p : faces[i].points) parts.emplace_back(std::lround(p.x()), std::lround(p.y()));
    objects[i].emplace_back(box_of(faces[i].points), parts);
  }
  dlib::shape_predictor_trainer trainer;  // the default structure, stated in the header comment
  trainer.set_num_threads(2);
  trainer.be_verbose();
  double t0 = wall_ms();
  dlib::shape_predictor sp = trainer.train(images, objects);
  double seconds = (wall_ms() - t0) / 1e3;
  dlib::serialize(model_out + ".tmp") << sp;  // renamed into place once written whole
  fs::rename(model_out + ".tmp", model_out);
  std::printf(
      "{\"train\":\"dlib-ert\",\"faces\":%zu,\"cascade_depth\":%lu,\"trees_per_level\":%lu,\"tree_depth\":%lu,"
      "\"oversampling\":%lu,\"nu\":%g,\"feature_pool\":%lu,\"threads\":%lu,\"seconds\":%.1f,\"model\":%s}\n",
      faces.size(), trainer.get_cascade_depth(), trainer.get_num_trees_per_cascade_level(),
      trainer.get_tree_depth(), trainer.get_oversampling_amount(), trainer.get_nu(), trainer.get_feature_pool_size(),
      trainer.get_num_threads(), seconds, json_string(model_out).c_str());
  return 0;
}

int bench(const fs::path& root, const std::string& model, size_t max_faces, int repeat) {
  dlib::shape_predictor sp;
  dlib::deserialize(model) >> sp;
  std::vector<Face> faces = discover(root, kCommonParts);
  if (faces.empty()) {
    std::cerr << "shape_bench bench: no common test faces under " << root << "\n";
    return 1;
  }
  std::vector<dlib::array2d<unsigned char>> images(faces.size());
  std::vector<dlib::rectangle> boxes(faces.size());
  for (size_t i = 0; i < faces.size(); ++i) {
    dlib::load_image(images[i], faces[i].image);
    boxes[i] = box_of(faces[i].points);
  }
  size_t n = std::min(max_faces, faces.size());
  volatile long sink = 0;  // keeps the timed predictions observable
  auto pass = [&] {
    for (size_t i = 0; i < n; ++i) sink = sink + sp(images[i], boxes[i]).part(0).x();
  };
  pass();  // warm-up
  double best = std::numeric_limits<double>::max(), best_cpu = best;
  for (int k = 0; k < repeat; ++k) {
    double c0 = thread_cpu_ms(), t0 = wall_ms();
    pass();
    best = std::min(best, (wall_ms() - t0) / n);
    best_cpu = std::min(best_cpu, (thread_cpu_ms() - c0) / n);
  }
  double nme = 0;
  for (size_t i = 0; i < faces.size(); ++i) nme += ip_nme(sp(images[i], boxes[i]), faces[i].points);
  nme /= faces.size();
  std::printf(
      "{\"benchmark\":\"predict\",\"model\":%s,\"kind\":\"dlib-ert\",\"faces\":%zu,\"batch\":1,\"repeat\":%d,"
      "\"ms_per_face\":%.4f,\"faces_per_s_one_core\":%.1f,\"cpu_ms_per_face\":%.4f,\"common_faces\":%zu,"
      "\"common_ip_nme\":%.5f}\n",
      json_string(model).c_str(), n, repeat, best, 1000 / best, best_cpu, faces.size(), nme);
  return 0;
}

int usage() {
  std::cerr << "usage: shape_bench train DATA_DIR MODEL_OUT\n"
               "       shape_bench bench DATA_DIR MODEL [--faces N] [--repeat R]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 3 && args[0] == "train") return train(args[1], args[2]);
    if (args.size() >= 3 && args[0] == "bench") {
      size_t faces = 200;
      int repeat = 5;
      for (size_t i = 3; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) return usage();
        if (args[i] == "--faces") faces = std::stoul(args[i + 1]);
        else if (args[i] == "--repeat") repeat = std::stoi(args[i + 1]);
        else return usage();
      }
      if (faces < 1 || repeat < 1) return usage();
      return bench(args[1], args[2], faces, repeat);
    }
    return usage();
  } catch (const std::exception& e) {
    std::cerr << "shape_bench: " << e.what() << "\n";
    return 1;
  }
}
