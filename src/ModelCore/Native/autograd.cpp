// Autograd: leaf flags, gradients, backward, and the thread-local grad mode.
#include <c10/core/GradMode.h>
#include "common.h"

extern "C" {

int mp_tensor_requires_grad(mp_tensor t, int32_t* out) { MP_TRY(*out = mp::tensor(t).requires_grad()) }

int mp_tensor_set_requires_grad(mp_tensor t, int32_t value) {
  MP_TRY(mp::tensor(t).requires_grad_(value != 0))
}

int mp_tensor_grad(mp_tensor t, mp_tensor* out) {
  MP_TRY({
    const at::Tensor& g = mp::tensor(t).grad();
    *out = g.defined() ? mp::own(g) : nullptr;
  })
}

int mp_tensor_set_grad(mp_tensor t, mp_tensor grad) {
  MP_TRY(mp::tensor(t).mutable_grad() = grad ? mp::tensor(grad) : at::Tensor())
}

int mp_backward(mp_tensor t, mp_tensor grad, int32_t retain_graph) {
  MP_TRY({
    c10::optional<at::Tensor> g;
    if (grad) g = mp::tensor(grad);
    mp::tensor(t).backward(g.has_value() ? *g : at::Tensor(), retain_graph != 0, false);
  })
}

int mp_grad_enabled(int32_t* out) { MP_TRY(*out = c10::GradMode::is_enabled()) }

int mp_set_grad_enabled(int32_t value) { MP_TRY(c10::GradMode::set_enabled(value != 0)) }

}  // extern "C"
