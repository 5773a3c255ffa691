// Entry point of the pegasus native backend (a Node-API addon over oneDNN).
//
// Exports the kernels of src/engine/backend.ts for float32 arrays, plus `setNumThreads`,
// `getNumThreads` and `info`. The TypeScript wrapper (src/engine/native/index.ts) adapts the
// calling convention and sends float64 work to the js backend.
#include <omp.h>

#include <cstdlib>
#include <string>

#include "common.h"

namespace pegasus {

Args::Args(napi_env e, napi_callback_info info) : env(e) {
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) {
    throw ArgError("could not read the call's arguments");
  }
  if (argc_ > kMaxArgs) argc_ = kMaxArgs;
}

napi_value Args::at(size_t i) const {
  if (i >= argc_) throw ArgError("missing argument " + std::to_string(i));
  return argv_[i];
}

F32 Args::f32(size_t i) const {
  napi_value v = at(i);
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (!isTyped) throw ArgError("argument " + std::to_string(i) + " must be a Float32Array");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr);
  if (type != napi_float32_array) {
    throw ArgError("argument " + std::to_string(i) + " must be a Float32Array");
  }
  return F32{static_cast<float*>(data), length};
}

F32 Args::f32OrNull(size_t i) const {
  napi_valuetype t;
  napi_typeof(env, at(i), &t);
  if (t == napi_null || t == napi_undefined) return F32{};
  return f32(i);
}

double Args::f64(size_t i) const {
  double d = 0;
  if (napi_get_value_double(env, at(i), &d) != napi_ok) {
    throw ArgError("argument " + std::to_string(i) + " must be a number");
  }
  return d;
}

int64_t Args::i64(size_t i) const {
  int64_t v = 0;
  if (napi_get_value_int64(env, at(i), &v) != napi_ok) {
    throw ArgError("argument " + std::to_string(i) + " must be an integer");
  }
  return v;
}

bool Args::boolean(size_t i) const {
  bool b = false;
  if (napi_get_value_bool(env, at(i), &b) != napi_ok) {
    throw ArgError("argument " + std::to_string(i) + " must be a boolean");
  }
  return b;
}

std::string Args::str(size_t i) const {
  char buf[64];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, at(i), buf, sizeof buf, &len) != napi_ok) {
    throw ArgError("argument " + std::to_string(i) + " must be a string");
  }
  return std::string(buf, len);
}

std::vector<int64_t> Args::ints(size_t i) const {
  napi_value v = at(i);
  bool isArray = false;
  napi_is_array(env, v, &isArray);
  if (!isArray) throw ArgError("argument " + std::to_string(i) + " must be an array of numbers");
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  std::vector<int64_t> out(n);
  for (uint32_t k = 0; k < n; ++k) {
    napi_value e;
    napi_get_element(env, v, k, &e);
    if (napi_get_value_int64(env, e, &out[k]) != napi_ok) {
      throw ArgError("argument " + std::to_string(i) + " must be an array of numbers");
    }
  }
  return out;
}

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

int numThreads() { return omp_get_max_threads(); }

int64_t parallelMin() {
  static const int64_t value = [] {
    const char* env = std::getenv("PEGASUS_PARALLEL_MIN");
    if (env == nullptr || *env == '\0') return int64_t(1) << 17;
    char* end = nullptr;
    const long long v = std::strtoll(env, &end, 10);
    return (end != nullptr && *end == '\0' && v >= 1) ? int64_t(v) : int64_t(1) << 17;
  }();
  return value;
}

void clearPrimitiveCaches() {
  clearConvCache();
  clearGemmCache();
  clearBlockedCache();
}

static napi_value trampoline(napi_env env, napi_callback_info info) {
  void* fn = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &fn);
  try {
    Args args(env, info);
    reinterpret_cast<KernelFn>(fn)(args);
  } catch (const dnnl::error& e) {
    napi_throw_error(env, "PEGASUS_ONEDNN", (std::string("oneDNN: ") + e.what()).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "PEGASUS_NATIVE", e.what());
  }
  return nullptr;
}

void exportKernel(napi_env env, napi_value exports, const char* name, KernelFn fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, trampoline, reinterpret_cast<void*>(fn), &f);
  napi_set_named_property(env, exports, name, f);
}

static void setThreads(int n) {
  if (n < 1) n = 1;
  if (n == omp_get_max_threads()) return;
  omp_set_num_threads(n);
  clearPrimitiveCaches();
}

static napi_value setNumThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, nullptr, "setNumThreads: expected a positive integer");
    return nullptr;
  }
  setThreads(n);
  return nullptr;
}

static napi_value getNumThreads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, numThreads(), &v);
  return v;
}

/** A short description: the oneDNN version and the thread count. */
static napi_value info(napi_env env, napi_callback_info) {
  const dnnl_version_t* ver = dnnl_version();
  std::string s = "oneDNN " + std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." +
                  std::to_string(ver->patch) + ", " + std::to_string(numThreads()) + " threads";
  napi_value v;
  napi_create_string_utf8(env, s.c_str(), s.size(), &v);
  return v;
}

/**
 * Threads default to the cores this process may use; PEGASUS_THREADS overrides that, and an
 * explicit OMP_NUM_THREADS is respected when PEGASUS_THREADS is absent.
 */
static void initThreads() {
  const char* p = std::getenv("PEGASUS_THREADS");
  if (p != nullptr && std::atoi(p) > 0) {
    setThreads(std::atoi(p));
  } else if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    setThreads(omp_get_num_procs());
  }
}

static napi_value init(napi_env env, napi_value exports) {
  initThreads();
  const struct {
    const char* name;
    napi_callback cb;
  } plain[] = {{"setNumThreads", setNumThreads}, {"getNumThreads", getNumThreads}, {"info", info}};
  for (const auto& p : plain) {
    napi_value f;
    napi_create_function(env, p.name, NAPI_AUTO_LENGTH, p.cb, nullptr, &f);
    napi_set_named_property(env, exports, p.name, f);
  }
  registerGemm(env, exports);
  registerConv(env, exports);
  registerBatchNorm(env, exports);
  registerElementwise(env, exports);
  registerLayout(env, exports);
  registerPool(env, exports);
  registerSoftmax(env, exports);
  registerBlocked(env, exports);
  return exports;
}

}  // namespace pegasus

NAPI_MODULE(pegasus_native, pegasus::init)
