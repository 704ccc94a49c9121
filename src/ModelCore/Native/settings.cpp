// Process-wide and thread-local settings: autocast, seed, threads, CUDA presence, version.
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/Context.h>
#include <torch/version.h>
#include "common.h"

// libtorch 2.4 replaced the per-device autocast setters with ones taking a device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define MP_AUTOCAST_BY_DEVICE 1
#endif

extern "C" {

int mp_autocast_get(int32_t device_type, int32_t* enabled, int32_t* dtype) {
  MP_TRY({
#ifdef MP_AUTOCAST_BY_DEVICE
    auto dev = device_type == 1 ? at::kCUDA : at::kCPU;
    *enabled = at::autocast::is_autocast_enabled(dev);
    *dtype = static_cast<int32_t>(at::autocast::get_autocast_dtype(dev));
#else
    if (device_type == 1) {
      *enabled = at::autocast::is_enabled();
      *dtype = static_cast<int32_t>(at::autocast::get_autocast_gpu_dtype());
    } else {
      *enabled = at::autocast::is_cpu_enabled();
      *dtype = static_cast<int32_t>(at::autocast::get_autocast_cpu_dtype());
    }
#endif
  })
}

int mp_autocast_set(int32_t device_type, int32_t enabled, int32_t dtype) {
  MP_TRY({
    auto st = mp::scalar_type(dtype);
#ifdef MP_AUTOCAST_BY_DEVICE
    auto dev = device_type == 1 ? at::kCUDA : at::kCPU;
    at::autocast::set_autocast_enabled(dev, enabled != 0);
    at::autocast::set_autocast_dtype(dev, st);
#else
    if (device_type == 1) {
      at::autocast::set_enabled(enabled != 0);
      at::autocast::set_autocast_gpu_dtype(st);
    } else {
      at::autocast::set_cpu_enabled(enabled != 0);
      at::autocast::set_autocast_cpu_dtype(st);
    }
#endif
    // Cast weights are cached per autocast region; leaving the region must drop them.
    if (!enabled) at::autocast::clear_cache();
  })
}

int mp_manual_seed(uint64_t seed) {
  MP_TRY({
    at::manual_seed(seed);
  })
}

int mp_set_num_threads(int32_t n) {
  MP_TRY({
    if (n < 1) throw std::invalid_argument("thread count must be >= 1");
    at::set_num_threads(n);
  })
}

int mp_get_num_threads(int32_t* out) { MP_TRY(*out = at::get_num_threads()) }

int mp_cuda_device_count(int32_t* out) {
  MP_TRY(*out = at::hasCUDA() ? static_cast<int32_t>(at::getNumGPUs()) : 0)
}

int mp_version(int32_t* major, int32_t* minor, int32_t* patch) {
  MP_TRY({
    *major = TORCH_VERSION_MAJOR;
    *minor = TORCH_VERSION_MINOR;
    *patch = TORCH_VERSION_PATCH;
  })
}

}  // extern "C"
