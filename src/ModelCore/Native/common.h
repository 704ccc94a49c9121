// Shared by the shim's translation units: the error trap and handle conversions.
#pragma once
#include <ATen/ATen.h>
#include <string>
#include "memplat_torch.h"

namespace mp {

void set_error(const std::string& message);

inline at::Tensor& tensor(mp_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

inline mp_tensor own(at::Tensor t) { return new at::Tensor(std::move(t)); }

// dtype codes shared with C# (MemoryPlatform.ModelCore.Tensors.DType): the c10::ScalarType
// values themselves, so no table can drift.
inline at::ScalarType scalar_type(int32_t code) {
  if (code < 0 || code >= static_cast<int32_t>(at::ScalarType::NumOptions))
    throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  return static_cast<at::ScalarType>(code);
}

}  // namespace mp

// Runs body; turns any exception into (-1, thread-local message). c10::Error's message is taken
// without its C++ backtrace, which means nothing to a C# caller.
#define MP_TRY(body)                                      \
  try {                                                   \
    body;                                                 \
    return 0;                                             \
  } catch (const c10::Error& e) {                         \
    mp::set_error(e.what_without_backtrace());            \
  } catch (const std::exception& e) {                     \
    mp::set_error(e.what());                              \
  } catch (...) {                                         \
    mp::set_error("unknown native error");                \
  }                                                       \
  return -1;
