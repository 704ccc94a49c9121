// memplat_torch: the C ABI between MemoryPlatform (C#) and libtorch (ATen).
//
// Design: operators are called BY NAME through the c10 dispatcher (boxed calls), so this shim
// stays small and does not change when libtorch adds or renames C++ overloads; C# gives each
// operator a typed wrapper. Every function returns 0 on success and -1 on failure, leaving the
// message in a thread-local string (mp_last_error); no C++ exception ever crosses the ABI.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_EXPORT __attribute__((visibility("default")))

typedef void* mp_tensor;  // an owned at::Tensor*; freed with mp_tensor_free
typedef void* mp_op;      // a c10::OperatorHandle*; lives for the process

// Argument and result kinds of a boxed call.
enum mp_kind {
  MP_NONE = 0,         // None (optional argument left out)
  MP_TENSOR = 1,       // p = at::Tensor* (null = undefined tensor)
  MP_INT = 2,          // i
  MP_DOUBLE = 3,       // d
  MP_BOOL = 4,         // i != 0
  MP_INT_LIST = 5,     // p = int64_t[i]
  MP_TENSOR_LIST = 6,  // p = at::Tensor*[i]
  MP_OPT_TENSOR_LIST = 7,  // p = at::Tensor*[i], null entries are None
  MP_DEVICE = 8,       // aux = device type (0 cpu, 1 cuda), i = index
  MP_STRING = 9,       // p = const char* (UTF-8)
  MP_DOUBLE_LIST = 10, // p = double[i]
};

typedef struct mp_arg {
  int32_t kind;
  int32_t aux;
  int64_t i;
  double d;
  void* p;
} mp_arg;

// Errors
MP_EXPORT const char* mp_last_error(void);

// Operators
MP_EXPORT int mp_op_find(const char* name, const char* overload, mp_op* out);
MP_EXPORT int mp_op_schema(mp_op op, char* buf, int64_t cap);
MP_EXPORT int mp_op_call(mp_op op, const mp_arg* args, int32_t nargs, mp_arg* outs,
                         int32_t max_outs, int32_t* n_outs);

// Tensors
MP_EXPORT void mp_tensor_free(mp_tensor t);
MP_EXPORT int mp_tensor_from_data(const void* data, int32_t dtype, const int64_t* shape,
                                  int32_t ndim, mp_tensor* out);
MP_EXPORT int mp_tensor_copy_to(mp_tensor t, void* dst, int64_t nbytes);
MP_EXPORT int mp_tensor_ndim(mp_tensor t, int32_t* out);
MP_EXPORT int mp_tensor_sizes(mp_tensor t, int64_t* out, int32_t cap);
MP_EXPORT int mp_tensor_dtype(mp_tensor t, int32_t* out);
MP_EXPORT int mp_tensor_device(mp_tensor t, int32_t* type, int32_t* index);
MP_EXPORT int mp_tensor_alias(mp_tensor t, mp_tensor* out);

// Autograd
MP_EXPORT int mp_tensor_requires_grad(mp_tensor t, int32_t* out);
MP_EXPORT int mp_tensor_set_requires_grad(mp_tensor t, int32_t value);
MP_EXPORT int mp_tensor_grad(mp_tensor t, mp_tensor* out);  // *out = null when no grad
MP_EXPORT int mp_tensor_set_grad(mp_tensor t, mp_tensor grad);  // grad null clears it
MP_EXPORT int mp_backward(mp_tensor t, mp_tensor grad, int32_t retain_graph);
MP_EXPORT int mp_grad_enabled(int32_t* out);
MP_EXPORT int mp_set_grad_enabled(int32_t value);

// Modes and process-wide settings
MP_EXPORT int mp_autocast_get(int32_t device_type, int32_t* enabled, int32_t* dtype);
MP_EXPORT int mp_autocast_set(int32_t device_type, int32_t enabled, int32_t dtype);
MP_EXPORT int mp_manual_seed(uint64_t seed);
MP_EXPORT int mp_set_num_threads(int32_t n);
MP_EXPORT int mp_get_num_threads(int32_t* out);
MP_EXPORT int mp_cuda_device_count(int32_t* out);
MP_EXPORT int mp_version(int32_t* major, int32_t* minor, int32_t* patch);

#ifdef __cplusplus
}
#endif
