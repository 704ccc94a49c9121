// Tensor handles: creation from host memory, copy back, and metadata.
#include <cstring>
#include "common.h"

namespace mp {
static thread_local std::string last_error;
void set_error(const std::string& message) { last_error = message; }
}  // namespace mp

extern "C" {

const char* mp_last_error(void) { return mp::last_error.c_str(); }

void mp_tensor_free(mp_tensor t) { delete static_cast<at::Tensor*>(t); }

int mp_tensor_from_data(const void* data, int32_t dtype, const int64_t* shape, int32_t ndim,
                        mp_tensor* out) {
  MP_TRY({
    auto t = at::empty(at::IntArrayRef(shape, ndim), at::TensorOptions().dtype(mp::scalar_type(dtype)));
    if (t.nbytes() > 0) std::memcpy(t.data_ptr(), data, t.nbytes());
    *out = mp::own(std::move(t));
  })
}

int mp_tensor_copy_to(mp_tensor t, void* dst, int64_t nbytes) {
  MP_TRY({
    auto host = mp::tensor(t).detach().to(at::kCPU).contiguous();
    if (static_cast<int64_t>(host.nbytes()) != nbytes)
      throw std::invalid_argument("copy_to: tensor has " + std::to_string(host.nbytes()) +
                                  " bytes, buffer has " + std::to_string(nbytes));
    if (nbytes > 0) std::memcpy(dst, host.data_ptr(), static_cast<size_t>(nbytes));
  })
}

int mp_tensor_ndim(mp_tensor t, int32_t* out) { MP_TRY(*out = static_cast<int32_t>(mp::tensor(t).dim())) }

int mp_tensor_sizes(mp_tensor t, int64_t* out, int32_t cap) {
  MP_TRY({
    auto sizes = mp::tensor(t).sizes();
    if (static_cast<int64_t>(sizes.size()) > cap) throw std::invalid_argument("sizes: buffer too small");
    for (size_t k = 0; k < sizes.size(); ++k) out[k] = sizes[k];
  })
}

int mp_tensor_dtype(mp_tensor t, int32_t* out) {
  MP_TRY(*out = static_cast<int32_t>(mp::tensor(t).scalar_type()))
}

int mp_tensor_device(mp_tensor t, int32_t* type, int32_t* index) {
  MP_TRY({
    auto d = mp::tensor(t).device();
    *type = d.is_cuda() ? 1 : 0;
    *index = d.has_index() ? d.index() : 0;
  })
}

// A second handle to the same tensor (same storage and autograd identity).
int mp_tensor_alias(mp_tensor t, mp_tensor* out) { MP_TRY(*out = mp::own(mp::tensor(t))) }

}  // extern "C"
