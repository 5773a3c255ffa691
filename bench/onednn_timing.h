// What the bare-oneDNN benchmark programs share (bench/onednn_pool.cc, bench/onednn_floor.cc): one
// CPU engine and stream, the median of timed repetitions after a warm-up, and memory filled with
// small deterministic values (no denormals).
#pragma once
#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
static dnnl::stream strm(eng);
static int reps = 10;
static bool cpuClock = true;  // process CPU time (std::clock); else wall time

static double now() {
  if (cpuClock) return double(std::clock()) / CLOCKS_PER_SEC;
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/** Median seconds of `fn` over `reps` calls after 3 untimed ones. */
static double medianTime(const std::function<void()>& fn) {
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now();
    fn();
    strm.wait();
    t.push_back(now() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/** Memory of `md` filled with values in [-1, 1). */
static dnnl::memory filled(const dnnl::memory::desc& md) {
  dnnl::memory m(md, eng);
  float* p = static_cast<float*>(m.get_data_handle());
  const size_t n = md.get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) p[i] = float((i * 2654435761u) % 2000) / 1000.0f - 1.0f;
  return m;
}
